package dev.subprocess4j.cli;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * sp's arguments as bytes from a {@code /proc/self/cmdline}: the last entries, whatever the JVM's
 * own options before them, checked against the strings the JVM decoded; its strings (with a
 * warning when they lost bytes) when the file cannot be read or does not match. Byte strings
 * hold one byte per char.
 */
class RawArgsTest {
    @TempDir
    Path dir;

    private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
    private final PrintStream err = new PrintStream(errBytes, true, UTF_8);

    private Path cmdline(String... entries) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (String e : entries) {
            sb.append(e).append('\0');
        }
        return Files.write(dir.resolve("cmdline"), sb.toString().getBytes(ISO_8859_1));
    }

    private static final String CAFE = new String("café".getBytes(UTF_8), ISO_8859_1);

    @Test
    void theLastEntriesAreTheArgumentsBytesWhateverCameBefore() throws IOException {
        // as the JVM decodes them under LANG=C: each non-ASCII byte one U+FFFD
        String[] args = {"parallel", "--colsep", "\uFFFD", "--tagstring=\uFFFD{}", "echo", "caf\uFFFD\uFFFD", "\uFFFD\uFFFD", ""};
        Path file = cmdline("/usr/lib/jvm/bin/java", "-XX:+UseSerialGC", "-XX:AOTCache=x.aot", "-jar", "sp.jar",
                "parallel", "--colsep", "\u00ff", "--tagstring=\u00fe{}", "echo", CAFE, "\u00ff\u00fe", "");
        RawArgs raw = RawArgs.read(args, file, err);
        assertThat(raw.tail(List.of("echo", "caf\uFFFD\uFFFD", "\uFFFD\uFFFD", "")))
                .containsExactly("echo", CAFE, "\u00ff\u00fe", "");
        assertThat(raw.option("\uFFFD", "--colsep")).isEqualTo("\u00ff");
        assertThat(raw.option("\uFFFD{}", "--tagstring")).isEqualTo("\u00fe{}");
        assertThat(raw.option(null, "--colsep")).isNull();
        assertThat(errBytes.toString(UTF_8)).isEmpty();
    }

    @Test
    void withoutProcTheStringsAreUsedWithAWarningWhenTheyLostBytes() {
        Path missing = dir.resolve("no-proc/cmdline");
        RawArgs ascii = RawArgs.read(new String[] {"run", "echo", "x"}, missing, err);
        assertThat(ascii.tail(List.of("echo", "x"))).containsExactly("echo", "x");
        assertThat(errBytes.toString(UTF_8)).isEmpty();

        RawArgs lossy = RawArgs.read(new String[] {"run", "echo", "caf\uFFFD"}, missing, err);
        assertThat(lossy.tail(List.of("echo", "caf\uFFFD"))).containsExactly("echo", "caf\u00ef\u00bf\u00bd");
        assertThat(errBytes.toString(UTF_8)).startsWith("sp: warning: cannot read sp's arguments as bytes from "
                + missing).contains("U+FFFD");
    }

    @Test
    void aCmdlineThatDoesNotEndWithTheArgumentsIsNotUsed() throws IOException {
        Path other = cmdline("java", "-jar", "sp.jar", "run", "--", "printf", "something else");
        RawArgs raw = RawArgs.read(new String[] {"run", "--", "printf", "\u00e9"}, other, err);
        assertThat(raw.tail(List.of("printf", "\u00e9"))).containsExactly("printf", "\u00c3\u00a9");
        // and parsed values that are not the last arguments: their UTF-8
        assertThat(raw.tail(List.of("--", "x"))).containsExactly("--", "x");
    }

    @Test
    void anEntryThatDiffersInCharactersTheJvmDecodedIsNotTaken() throws IOException {
        // "ü" in the file, "é" decoded by the JVM without a loss: other bytes, not these arguments
        String uUmlaut = new String("\u00fc".getBytes(UTF_8), ISO_8859_1);
        Path other = cmdline("java", "-jar", "sp.jar", "run", "--", "printf", uUmlaut);
        RawArgs raw = RawArgs.read(new String[] {"run", "--", "printf", "\u00e9"}, other, err);
        assertThat(raw.tail(List.of("printf", "\u00e9"))).containsExactly("printf", "\u00c3\u00a9");
        // a lossy decoding (U+FFFD) of the same bytes is still matched by its ASCII characters
        Path same = cmdline("java", "-jar", "sp.jar", "run", "--", "printf", "a" + uUmlaut);
        RawArgs lossy = RawArgs.read(new String[] {"run", "--", "printf", "a\uFFFD\uFFFD"}, same, err);
        assertThat(lossy.tail(List.of("printf", "a\uFFFD\uFFFD"))).containsExactly("printf", "a" + uUmlaut);
    }
}
