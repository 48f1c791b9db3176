package dev.subprocess4j;

import dev.subprocess4j.internal.BackendSelector;

/**
 * Run in a separate JVM by {@link BackendSelectionTest}: prints the backend this JVM chose, why
 * the others are unavailable, and what a child received as its first argument (or the error).
 */
public final class BackendProbeMain {
    private BackendProbeMain() {}

    /**
     * With no argument: the backend, why others are unavailable, and a child's argument. With
     * {@code calls N}: N runs of {@code true}, each printing {@code call=OK} or the throwable's class
     * and message (an {@code Error} included), and nothing else that could touch a backend.
     */
    public static void main(String[] args) {
        if (args.length == 2 && args[0].equals("calls")) {
            for (int i = 0; i < Integer.parseInt(args[1]); i++) {
                try {
                    Subprocess.command("true").run();
                    System.out.println("call=OK backend=" + Subprocess.backend());
                } catch (Throwable e) {
                    System.out.println("call=" + e.getClass().getName() + ": " + e.getMessage());
                }
            }
            return;
        }
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
