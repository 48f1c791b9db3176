package dev.subprocess4j.cli;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.subprocess4j.CompletedProcess;
import dev.subprocess4j.Subprocess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * sp hands its commands the bytes it was given, end to end through {@code ./sp}, as xargs and GNU
 * parallel do: its own arguments (read from {@code /proc/self/cmdline}, not the JVM's lossy
 * decoding), job files and stdin, under {@code LANG=C} and with bytes that are not UTF-8 in a
 * UTF-8 locale; {@code sp parallel}'s output, {@code --tagstring} and {@code --joblog} compared
 * byte for byte with GNU parallel's on the same input.
 *
 * <p>The test passes bytes through scripts written as bytes ({@code sh SCRIPT}), since a
 * {@code Command} of strings encodes them as UTF-8. Strings here hold one byte per char
 * (ISO-8859-1).
 */
class SpByteExactIT {
    private static final Path SP = Path.of("..", "sp").toAbsolutePath().normalize();
    /** "café ü" in UTF-8, one char per byte. */
    private static final String CAFE = new String("café ü".getBytes(UTF_8), ISO_8859_1);
    /** Two bytes that are not UTF-8. */
    private static final String BAD = "\u00ff\u00fe";

    @TempDir
    Path dir;

    record Result(int status, byte[] out, String err) {
        String hexOut() {
            return HexFormat.ofDelimiter(" ").formatHex(out);
        }
    }

    /** {@code sh SCRIPT} under LANG=LC_ALL=locale, in {@code dir}, with $SP set. */
    private Result sh(String locale, String script) throws IOException {
        Path file = dir.resolve("script.sh");
        Files.write(file, script.getBytes(ISO_8859_1));
        CompletedProcess r = Subprocess.command("sh", file.toString()).cwd(dir).putEnv("LANG", locale)
                .putEnv("LC_ALL", locale).putEnv("SP", SP.toString()).captureOutput()
                .timeout(Duration.ofSeconds(120)).run();
        String err = new String(r.stderrBytes(), UTF_8);
        assertThat(err).as("./sp started a build of its own").doesNotContain("sp: building");
        return new Result(r.returnCode(), r.stdoutBytes(), err);
    }

    /** Words quoted for sh, bytes unchanged. */
    private static String quote(List<String> words) {
        StringBuilder sb = new StringBuilder();
        for (String w : words) {
            sb.append(" '").append(w.replace("'", "'\\''")).append('\'');
        }
        return sb.toString();
    }

    private static byte[] bytes(String oneBytePerChar) {
        return oneBytePerChar.getBytes(ISO_8859_1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"C", "C.UTF-8"})
    @Timeout(150)
    void runHandsTheCommandTheBytesItWasGiven(String locale) throws IOException {
        Result r = sh(locale, "exec \"$SP\" run -- printf '%s\\n' '" + CAFE + "' '" + BAD + "' 'a" + BAD + "b'\n");
        assertThat(r.status()).as(r.err()).isZero();
        assertThat(r.hexOut()).isEqualTo(HexFormat.ofDelimiter(" ")
                .formatHex(bytes(CAFE + "\n" + BAD + "\n" + "a" + BAD + "b\n")));
        // --shell: the script and its $1 too
        Result shell = sh(locale, "exec \"$SP\" run --shell -- 'printf \"%s|%s\\n\" \"" + CAFE + "\" \"$1\"' _ '" + BAD + "'\n");
        assertThat(shell.status()).as(shell.err()).isZero();
        assertThat(shell.out()).isEqualTo(bytes(CAFE + "|" + BAD + "\n"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"C", "C.UTF-8"})
    @Timeout(150)
    void runSetsEnvironmentValuesAsTheBytesItWasGiven(String locale) throws IOException {
        Result r = sh(locale, "exec \"$SP\" run --env 'V=" + CAFE + BAD + "' --env=W=" + BAD
                + " -- sh -c 'printf \"%s|%s\\n\" \"$V\" \"$W\"'\n");
        assertThat(r.status()).as(r.err()).isZero();
        assertThat(r.hexOut()).isEqualTo(HexFormat.ofDelimiter(" ").formatHex(bytes(CAFE + BAD + "|" + BAD + "\n")));
    }

    /** GNU parallel's and sp's cases; COMMAND's words are joined as shell text (quotes in them count). */
    static Stream<Arguments> parallelCases() {
        String in = CAFE + "\n" + BAD + ".x/y" + BAD + ".z\n" + "p" + BAD + "\n";
        Stream<List<String>> cases = Stream.of(
                // ::: values through the replacement strings
                List.of("-k", "printf", "'%s=%s=%s=%s=%s\\n'", "{}", "{.}", "{/}", "{//}", "{/.}", ":::",
                        CAFE, "d" + BAD + "/f" + BAD + ".t" + BAD, BAD),
                // the command template itself
                List.of("-k", "echo", CAFE + "{}" + BAD, ":::", "1", "2"),
                // a job file, and -a/--arg-file (GNU parallel's and xargs' name for it)
                List.of("-k", "echo", "={}=", "::::", "in.txt"),
                List.of("-k", "-a", "in.txt", "echo", "={}="),
                List.of("-k", "-0", "-a", "nul.txt", "echo", "={}="),
                List.of("-k", "--arg-file", "in.txt", "echo", "[{}]", ":::", "1", BAD),
                // stdin
                List.of("-k", "echo", "x{}y"),
                List.of("-k", "-n", "2", "echo", "{2}", "{1}"),
                List.of("-k", "-j1", "-X", "echo", "pre{}post"),
                // columns split at a byte that is not UTF-8 (the first of BAD)
                List.of("-k", "--colsep", BAD.substring(0, 1), "echo", "{2}", "{1}", "::::", "cols.txt"),
                // lines mode: each line a command
                List.of("-k", "::::", "cmds.txt"),
                // what sp prints itself
                List.of("-k", "--tagstring", "<" + BAD + "{}>", "echo", "o" + BAD, ":::", CAFE, BAD),
                List.of("-k", "--tag", "echo", "o", ":::", CAFE, BAD),
                List.of("-k", "--dry-run", "echo", "{}", ":::", CAFE, BAD),
                List.of("-k", "--line-buffer", "printf", "'%s\\n'", ":::", CAFE, BAD));
        return cases.flatMap(c -> Stream.of(Arguments.of("C", c, in), Arguments.of("C.UTF-8", c, in)));
    }

    @ParameterizedTest
    @MethodSource("parallelCases")
    @Timeout(150)
    void parallelKeepsEveryByteAsGnuParallel(String locale, List<String> args, String stdin) throws IOException {
        Files.write(dir.resolve("in.txt"), bytes("l1" + BAD + "\n" + CAFE + "\n"));
        Files.write(dir.resolve("cols.txt"), bytes("a" + BAD + "b\n" + CAFE + BAD + "c\n"));
        Files.write(dir.resolve("cmds.txt"), bytes("echo " + CAFE + "\nprintf '%s\\n' '" + BAD + "'\n"));
        Files.write(dir.resolve("stdin.txt"), bytes(stdin));
        Files.write(dir.resolve("nul.txt"), bytes(CAFE + "\0" + BAD + "\n" + BAD + "\0"));
        Result gnu = sh(locale, "exec parallel --will-cite" + quote(args) + " <stdin.txt\n");
        Result sp = sh(locale, "exec \"$SP\" parallel --progress never" + quote(args) + " <stdin.txt\n");
        assertThat(gnu.status()).as("GNU parallel: %s", gnu.err()).isZero();
        assertThat(sp.status()).as(sp.err()).isZero();
        assertThat(sp.hexOut()).as("stdout of sp parallel %s (GNU's as text: %s)", args,
                new String(gnu.out(), ISO_8859_1)).isEqualTo(gnu.hexOut());
    }

    @ParameterizedTest
    @ValueSource(strings = {"C", "C.UTF-8"})
    @Timeout(150)
    void joblogAndJobFileBytesAsGnuParallel(String locale) throws IOException {
        Files.write(dir.resolve("in.txt"), bytes(CAFE + "\n" + BAD + "\n"));
        String args = quote(List.of("-k", "-j1", "echo", "{}" + BAD, "::::", "in.txt"));
        Result gnu = sh(locale, "exec parallel --will-cite --joblog gnu.log" + args + "\n");
        Result sp = sh(locale, "exec \"$SP\" parallel --progress never --joblog sp.log" + args + "\n");
        assertThat(sp.status()).as(sp.err()).isZero();
        assertThat(sp.out()).isEqualTo(gnu.out()).isEqualTo(bytes(CAFE + BAD + "\n" + BAD + BAD + "\n"));
        List<String> column = commandColumn(dir.resolve("sp.log"));
        assertThat(column).isEqualTo(commandColumn(dir.resolve("gnu.log"))).hasSize(2);
        assertThat(column.get(0)).contains(CAFE).endsWith(BAD);
        assertThat(column.get(1)).contains(BAD).endsWith(BAD);
    }

    @ParameterizedTest
    @ValueSource(strings = {"C", "C.UTF-8"})
    @Timeout(150)
    void resultsFilesHoldTheBytesAsGnuParallels(String locale) throws IOException {
        String args = quote(List.of("-k", "echo", CAFE + " " + BAD + "{}", ":::", "1", "2"));
        Result gnu = sh(locale, "exec parallel --will-cite --results gnu" + args + "\n");
        Result sp = sh(locale, "exec \"$SP\" parallel --progress never --results sp" + args + "\n");
        assertThat(sp.status()).as(sp.err()).isZero();
        assertThat(sp.out()).isEqualTo(gnu.out()).isEmpty();
        for (String job : List.of("1/1", "1/2")) {
            assertThat(Files.readAllBytes(dir.resolve("sp/" + job + "/stdout")))
                    .isEqualTo(Files.readAllBytes(dir.resolve("gnu/" + job + "/stdout")))
                    .isEqualTo(bytes(CAFE + " " + BAD + job.substring(2) + "\n"));
        }
    }

    /** The Command column of a joblog, one byte per char. */
    private static List<String> commandColumn(Path joblog) throws IOException {
        return new String(Files.readAllBytes(joblog), ISO_8859_1).lines().skip(1)
                .map(l -> l.split("\t", 9)[8]).toList();
    }
}
