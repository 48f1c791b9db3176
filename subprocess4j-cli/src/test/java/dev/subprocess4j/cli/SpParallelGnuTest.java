package dev.subprocess4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subprocess4j.cli.GnuParallel.Result;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * sp parallel as GNU parallel and xargs users type it, checked against GNU parallel's own output
 * (exit status, stdout) on the same arguments and input: replacement strings, input sources,
 * -0, -n, -X, --colsep, --halt, exit codes, --dry-run, --tagstring.
 */
class SpParallelGnuTest {
    @TempDir
    Path dir;

    /** Both give the same exit status and stdout; returns sp's result. */
    private Result same(String stdin, String... args) {
        Result gnu = GnuParallel.gnu(dir, stdin, args);
        Result sp = GnuParallel.sp(dir, stdin, args);
        assertThat(sp.out()).as("stdout of sp parallel %s (stderr: %s)", List.of(args), sp.err()).isEqualTo(gnu.out());
        assertThat(sp.status()).as("status of sp parallel %s (stderr: %s)", List.of(args), sp.err())
                .isEqualTo(gnu.status());
        return sp;
    }

    static Stream<List<String>> replacementStrings() {
        return Stream.of(
                List.of("-k", "echo", "{}", "{.}", "{/}", "{//}", "{/.}", ":::", "a/b.c/d.tar.gz", "x.y", "/r", "plain"),
                List.of("-k", "echo", "{.}+{/}+{//}+{/.}", ":::", ".hidden", "dir/", "a.b/c", "x..", "a/.b", "/", "a//b"),
                List.of("-k", "-j1", "echo", "{#}-{%}", ":::", "a", "b", "c"),
                List.of("-k", "echo", "{}", ":::", "a b", "c'd", "", "$HOME", "*", "tab\there"),
                List.of("-k", "echo", "pre", ":::", "no replacement string: appended"),
                List.of("-k", "echo", "{2}", "{1}", "{1/}", "{2.}", ":::", "a/x.1", "b", ":::", "1.tar", "2"),
                List.of("-k", "echo", "{}", "|", "tr", "a-z", "A-Z", ":::", "shell syntax", "runs by sh"));
    }

    @ParameterizedTest
    @MethodSource("replacementStrings")
    @Timeout(120)
    void replacementStringsAsGnuParallel(List<String> args) {
        same("", args.toArray(String[]::new));
    }

    @Test
    @Timeout(120)
    void inputSourcesAsGnuParallel() throws IOException {
        Files.writeString(dir.resolve("nums"), "1\n2\n3\n");
        Files.writeString(dir.resolve("cmds"), "echo one\necho two\n");
        same("", "-k", "echo", ":::", "a", "b", ":::", "1", "2");
        same("", "-k", "echo", "{2}", "{1}", ":::", "a", "b", ":::+", "1", "2");
        same("", "-k", "echo", "{1}-{2}", ":::", "a", "b", "::::", "nums");
        same("", "-k", "echo", "{1}-{2}", "::::", "nums", "::::+", "nums");
        same("x\ny y\n\nz\n", "-k", "echo", "[{}]");
        same("x\0y y\0z\n\0", "-k", "-0", "echo", "[{}]");
        same("x\0y y\0", "-k", "--null", "echo");
        same("", "-k", "::::", "cmds");
        same("echo from stdin\necho again\n", "-k");
        same("a\tb\nc\td\n", "-k", "--colsep", "\t", "echo", "{2}", "{1}");
    }

    @Test
    @Timeout(120)
    void maxArgsAndContextReplaceAsGnuParallel() {
        same("", "-k", "-n", "2", "echo", ":::", "a", "b", "c", "d", "e");
        same("", "-k", "-n", "2", "echo", "{2}/{1}", ":::", "a", "b", "c", "d");
        same("", "-k", "-X", "-j1", "echo", "pre-{}-post", ":::", "a", "b", "c");
        same("", "-k", "-X", "-j3", "echo", ":::", "1", "2", "3", "4", "5", "6", "7");
        same("", "-k", "-X", "-j8", "echo", ":::", "1", "2", "3");
    }

    @Test
    @Timeout(180)
    void exitStatusIsTheNumberOfFailedJobsCappedAt101And255ForBadUsage() {
        same("", "-k", "sh -c 'exit $1'", "_", ":::", "0", "3", "0", "4");
        same("", "-k", "true", ":::", "0", "1");
        String[] many = Stream.concat(Stream.of("-j4", "false", ":::"),
                java.util.stream.IntStream.rangeClosed(1, 105).mapToObj(Integer::toString)).toArray(String[]::new);
        assertThat(same("", many).status()).isEqualTo(101);
        // Bad usage: GNU parallel prints its usage on stdout, sp one line on stderr; both exit 255.
        for (List<String> bad : List.of(List.of("--halt", "bogus", "echo", ":::", "1"),
                List.of("--no-such-option", "echo", ":::", "1"))) {
            String[] args = bad.toArray(String[]::new);
            assertThat(GnuParallel.gnu(dir, "", args).status()).isEqualTo(255);
            Result sp = GnuParallel.sp(dir, "", args);
            assertThat(sp.status()).as(sp.err()).isEqualTo(255);
            assertThat(sp.err()).startsWith("sp: ");
        }
        // GNU parallel takes -j 0 as "as many as possible"; sp refuses it (bad usage all the same: 255).
        assertThat(GnuParallel.sp(dir, "", "-j", "0", "echo", ":::", "1").status()).isEqualTo(255);
    }

    @Test
    @Timeout(180)
    void haltAsGnuParallel() {
        String job = "echo {}; exit {}";
        same("", "-k", "-j1", "--halt", "now,fail=1", job, ":::", "0", "3", "4", "0");
        same("", "-k", "-j1", "--halt", "soon,fail=1", job, ":::", "0", "3", "4", "0");
        same("", "-k", "-j1", "--halt", "now,fail=2", job, ":::", "0", "3", "4", "0", "5");
        same("", "-k", "-j1", "--halt", "now,fail=50%", job, ":::", "0", "3", "4", "0", "5", "6");
        same("", "-k", "-j1", "--halt", "now,success=1", job, ":::", "3", "0", "4", "0");
        same("", "-k", "-j1", "--halt", "2", job, ":::", "0", "5", "4");
        same("", "-k", "-j1", "--halt", "never", job, ":::", "0", "5", "4");
    }

    @Test
    @Timeout(120)
    void dryRunAndTagstringAsGnuParallel() {
        same("", "-k", "--dry-run", "echo", "{}", "{#}", ":::", "a b", "c'd", "plain");
        same("", "-k", "--tagstring", "<{}:{#}>", "echo", "x{}", ":::", "1", "2");
        same("", "-k", "--tag", "echo", "x{}", ":::", "1", "2");
    }

    /** A joblog with the times (Starttime, JobRuntime) checked for their format and then blanked. */
    private List<String> joblog(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file);
        assertThat(lines.getFirst()).isEqualTo("Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand");
        return lines.stream().map(l -> {
            String[] f = l.split("\t", -1);
            if (!f[0].equals("Seq")) {
                assertThat(f[2]).matches("\\d{10}\\.\\d{3}");
                assertThat(f[3]).matches(" *\\d+\\.\\d{3}").hasSizeGreaterThanOrEqualTo(10);
                f[2] = "T";
                f[3] = "R";
            }
            return String.join("\t", f);
        }).toList();
    }

    @Test
    @Timeout(180)
    void joblogAndResumeAsGnuParallel() throws IOException {
        String job = "echo {}; exit {}";
        for (String[] step : List.of(new String[] {}, new String[] {"--resume-failed"}, new String[] {"--resume"})) {
            List<String> common = new java.util.ArrayList<>(List.of(step));
            common.addAll(List.of("-k", "-j1", job, ":::", "0", "3", "1", "0"));
            List<String> gnuArgs = new java.util.ArrayList<>(List.of("--joblog", "gnu.log"));
            gnuArgs.addAll(common);
            List<String> spArgs = new java.util.ArrayList<>(List.of("--joblog", "sp.log"));
            spArgs.addAll(common);
            Result gnu = GnuParallel.gnu(dir, "", gnuArgs.toArray(String[]::new));
            Result sp = GnuParallel.sp(dir, "", spArgs.toArray(String[]::new));
            assertThat(sp.out()).as("%s: %s", common, sp.err()).isEqualTo(gnu.out());
            assertThat(sp.status()).as("%s: %s", common, sp.err()).isEqualTo(gnu.status());
            assertThat(joblog(dir.resolve("sp.log"))).as("%s", common).isEqualTo(joblog(dir.resolve("gnu.log")));
        }
    }

    @Test
    @Timeout(120)
    void resultsAsGnuParallel() throws IOException {
        String[] args = {"-k", "echo out {1} {2}; echo err {2} >&2", ":::", "a", "b/c", ":::", "1", "2"};
        List<String> gnuArgs = new java.util.ArrayList<>(List.of("--results", "gnu"));
        gnuArgs.addAll(List.of(args));
        List<String> spArgs = new java.util.ArrayList<>(List.of("--results", "sp"));
        spArgs.addAll(List.of(args));
        Result gnu = GnuParallel.gnu(dir, "", gnuArgs.toArray(String[]::new));
        Result sp = GnuParallel.sp(dir, "", spArgs.toArray(String[]::new));
        assertThat(sp.out()).isEqualTo(gnu.out());
        assertThat(tree(dir.resolve("sp"))).isEqualTo(tree(dir.resolve("gnu"))).hasSize(4 * 3);
    }

    /** Each file under {@code root}: its relative path and contents. */
    private static List<String> tree(Path root) throws IOException {
        try (Stream<Path> all = Files.walk(root)) {
            return all.filter(Files::isRegularFile).sorted().map(p -> {
                try {
                    return root.relativize(p) + "=" + Files.readString(p);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).toList();
        }
    }
}
