package dev.subprocess4j.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;

/** Facts about the JVM's own process, read without native calls (so the jdk backend can use them too). */
public final class JvmProcess {
    private JvmProcess() {}

    /**
     * The JVM's process group now, from {@code /proc/self/stat} (its fifth field, after the
     * parenthesised command name, which may itself hold spaces and parentheses); empty where there
     * is no such file.
     */
    public static OptionalInt processGroup() {
        try {
            String stat = new String(Files.readAllBytes(Path.of("/proc/self/stat")), StandardCharsets.ISO_8859_1);
            String[] after = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return OptionalInt.of(Integer.parseInt(after[2]));
        } catch (IOException | RuntimeException e) {
            return OptionalInt.empty();
        }
    }
}
