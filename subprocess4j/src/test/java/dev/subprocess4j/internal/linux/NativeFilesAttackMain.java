package dev.subprocess4j.internal.linux;

import dev.subprocess4j.Subprocess;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The victim JVM of {@link NativeFilesAttackTest}, run as root with its {@code java.io.tmpdir} and
 * {@code XDG_RUNTIME_DIR} where the attacker can reach: a plain spawn, then up to N spawns of
 * {@code id -u} as user nobody (stopping when the marker the attacker's helper would write
 * exists; a spawn that fails does not stop it). Prints {@code plain ok}, then {@code nobody ok N},
 * or {@code attacker's helper ran after K}, or {@code nobody failed K times, first: <exception>}.
 */
public final class NativeFilesAttackMain {
    private NativeFilesAttackMain() {}

    public static void main(String[] args) {
        int count = Integer.parseInt(args[0]);
        Path marker = Path.of(args[1]);
        System.out.println(Subprocess.run("true").returnCode() == 0 ? "plain ok" : "plain failed");
        RuntimeException first = null;
        int failures = 0;
        for (int i = 0; i < count; i++) {
            try {
                String out = Subprocess.command("id", "-u").user("nobody").captureOutput().run().stdout();
                if (!out.equals("65534\n") && first == null) {
                    first = new IllegalStateException("id -u printed " + out.strip());
                }
            } catch (RuntimeException e) { // go on: an attack that fails a spawn may win the next one
                failures++;
                first = first == null ? e : first;
            }
            if (Files.exists(marker)) {
                System.out.println("attacker's helper ran after " + (i + 1));
                return;
            }
        }
        System.out.println(first == null ? "nobody ok " + count : "nobody failed " + failures + " times, first: " + first);
    }
}
