package dev.subprocess4j;

import dev.subprocess4j.internal.BackendSelector;

/**
 * Run in a separate JVM by {@link BackendSelectionTest}: prints the backend this JVM chose, why
 * the others are unavailable, and what a child received as its first argument (or the error).
 */
public final class BackendProbeMain {
    private BackendProbeMain() {}

    public static void main(String[] args) {
        System.out.println("backend=" + Subprocess.backend());
        System.out.println("unavailable=" + BackendSelector.unavailable());
        String word = "caf\u00e9-\u2603";
        try {
            String out = Subprocess.command("printf", "%s", word).stdout(Redirect.PIPE).run().stdout();
            System.out.println("child-argv-equal=" + out.equals(word));
        } catch (RuntimeException e) {
            System.out.println("error=" + e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }
}
