package dev.subprocess4j.internal.linux;

import dev.subprocess4j.Subprocess;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The victim JVM of {@link NativeFilesAttackTest}, run as root with its {@code java.io.tmpdir} and
 * {@code XDG_RUNTIME_DIR} where the attacker can reach: a plain spawn, then up to N spawns of
 * {@code id -u} as user nobody (stopping when the marker the attacker's helper would write
 * exists). Prints {@code plain ok}, then {@code nobody ok N}, or what went wrong.
 */
public final class NativeFilesAttackMain {
    private NativeFilesAttackMain() {}

    public static void main(String[] args) {
        int count = Integer.parseInt(args[0]);
        Path marker = Path.of(args[1]);
        System.out.println(Subprocess.run("true").returnCode() == 0 ? "plain ok" : "plain failed");
        try {
            for (int i = 0; i < count; i++) {
                String out = Subprocess.command("id", "-u").user("nobody").captureOutput().run().stdout();
                if (Files.exists(marker)) {
                    System.out.println("attacker's helper ran after " + (i + 1));
                    return;
                }
                if (!out.equals("65534\n")) {
                    System.out.println("nobody wrong after " + i + ": " + out.strip());
                    return;
                }
            }
            System.out.println("nobody ok " + count);
        } catch (RuntimeException e) {
            System.out.println("nobody failed: " + e);
        }
    }
}
