package dev.subprocess4j.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.subprocess4j.CompletedProcess;
import dev.subprocess4j.Redirect;
import dev.subprocess4j.Shlex;
import dev.subprocess4j.Subprocess;
import dev.subprocess4j.cli.SpRunTest.Sp;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sp parallel} in-process through {@link Main#execute}, with the job list in a file (the
 * jobs' stdin is /dev/null and their output is captured, so Surefire's streams are not touched).
 */
class SpParallelTest {
    @TempDir
    Path dir;

    /** A shell loop that waits until the file {@code name} exists in the test's directory, then 0.2 s more. */
    private String awaitMarker(String name) {
        return "while [ ! -e " + dir.resolve(name) + " ]; do sleep 0.02; done; sleep 0.2";
    }

    private Path jobs(String... lines) throws IOException {
        Path f = dir.resolve("jobs-" + System.nanoTime() + ".txt");
        Files.writeString(f, String.join("\n", lines) + "\n");
        return f;
    }

    private static Sp sp(String... args) {
        return SpRunTest.sp(args);
    }

    /** {@code sp parallel --progress never ARGS... FILE}. */
    private Sp parallel(Path file, String... options) {
        List<String> args = new ArrayList<>(List.of("parallel", "--progress", "never"));
        args.addAll(List.of(options));
        args.add(file.toString());
        return sp(args.toArray(String[]::new));
    }

    // ---- exit status --------------------------------------------------------------------------

    @Test
    @Timeout(60)
    void exitStatusIsTheNumberOfFailedJobs() throws IOException {
        assertThat(parallel(jobs("true", "true"), "-j", "2").status()).isZero();
        Sp two = parallel(jobs("true", "false", "sh -c 'exit 3'", "# a comment", "", "   ", "true"), "-j", "2");
        assertThat(two.status()).isEqualTo(2);
        assertThat(two.err()).contains("sp: 4 jobs, 2 succeeded, 2 failed, 0 retries used, 0 not run\n");
    }

    @Test
    @Timeout(120)
    void exitStatusIsCappedAt101() throws IOException {
        String[] lines = Collections.nCopies(102, "false").toArray(String[]::new);
        Sp many = parallel(jobs(lines), "-j", "2");
        assertThat(many.status()).isEqualTo(101);
        assertThat(many.err()).contains("102 jobs, 0 succeeded, 102 failed");
    }

    // ---- output -------------------------------------------------------------------------------

    @Test
    @Timeout(60)
    void outputOfEachJobIsPrintedWholeNotInterleaved() throws IOException {
        // Each job's lines come in pieces; c ends after b, a after c (marker files, not sleeps: a
        // loaded machine may start the three shells far apart).
        Sp r = parallel(jobs(
                "sh -c 'echo a1; sleep 0.1; echo a2; " + awaitMarker("c") + "; echo a3; echo ea >&2'",
                "sh -c 'echo b1; sleep 0.1; echo b2; sleep 0.1; echo b3; echo eb >&2; touch " + dir.resolve("b") + "'",
                "sh -c 'echo c1; sleep 0.1; echo c2; " + awaitMarker("b") + "; echo c3; echo ec >&2; touch "
                        + dir.resolve("c") + "'"), "-j", "3");
        assertThat(r.status()).isZero();
        assertThat(r.out()).contains("a1\na2\na3\n", "b1\nb2\nb3\n", "c1\nc2\nc3\n").hasLineCount(9);
        // Completion order: b, c, a.
        assertThat(r.out()).isEqualTo("b1\nb2\nb3\nc1\nc2\nc3\na1\na2\na3\n");
        assertThat(r.err()).startsWith("eb\nec\nea\n");
    }

    @Test
    @Timeout(60)
    void lineBufferWithKeepOrderHoldsALaterJobsLinesUntilTheEarlierJobsAreDone() throws IOException {
        // As GNU parallel: the first job's lines at once, a later job's once every job before it is done.
        // a2 only once b is done (a marker file: a loaded machine may start the shells far apart)
        Path f = jobs("sh -c 'echo a1; " + awaitMarker("b") + "; echo a2'",
                "sh -c 'echo b1; sleep 0.1; echo b2; touch " + dir.resolve("b") + "'", "echo c1");
        assertThat(parallel(f, "-j", "3", "--line-buffer", "--keep-order").out()).isEqualTo("a1\na2\nb1\nb2\nc1\n");
        Files.delete(dir.resolve("b"));
        String out = parallel(f, "-j", "3", "--line-buffer").out();
        assertThat(out).contains("a1\n", "a2\n", "b1\n", "b2\n", "c1\n").hasLineCount(5);
        assertThat(out.indexOf("b2\n")).as("b's lines as they come, before a is done").isLessThan(out.indexOf("a2\n"));
    }

    /**
     * {@code {%}}, the job's slot, is never the same for two jobs running at once: each job holds
     * its slot's directory while it runs (mkdir fails when another running job has it).
     */
    @Test
    @Timeout(60)
    void aSlotIsNeverTheSameForTwoRunningJobs() {
        String slot = dir.resolve("slot-").toString() + "{%}";
        List<String> args = new java.util.ArrayList<>(List.of("parallel", "--progress", "never", "-j", "3", "sh", "-c",
                "'mkdir " + slot + " && sleep 0.02 && rmdir " + slot + " && echo {%}'", ":::")); // (one shell word, as GNU parallel)
        for (int i = 0; i < 40; i++) {
            args.add(Integer.toString(i));
        }
        Sp r = sp(args.toArray(String[]::new));
        assertThat(r.status()).as(r.err()).isZero();
        assertThat(r.out().lines().toList()).hasSize(40).allMatch(s -> s.equals("1") || s.equals("2") || s.equals("3"));
    }

    /** Above the workers' cap (-j 65 and more) every job is read by the library's reactor: the same output. */
    @Test
    @Timeout(60)
    void beyondTheWorkersCapTheReactorRunsTheJobsAlike() throws IOException {
        int n = 65; // one more than Runner.Local.MAX_WORKERS (RunnerTest checks that 65 gets no workers)
        String[] lines = new String[2 * n];
        StringBuilder expected = new StringBuilder();
        for (int i = 0; i < lines.length; i++) {
            lines[i] = "sh -c 'echo out" + i + "; echo err" + i + " >&2; exit " + (i % 7 == 0 ? 1 : 0) + "'";
            expected.append("out").append(i).append('\n');
        }
        Sp r = parallel(jobs(lines), "-j", Integer.toString(n), "--keep-order");
        assertThat(r.status()).isEqualTo((lines.length + 6) / 7);
        assertThat(r.out()).isEqualTo(expected.toString());
        assertThat(r.err()).contains("err0\n", "err" + (lines.length - 1) + "\n");
    }

    @Test
    @Timeout(60)
    void keepOrderPrintsInTheOrderOfTheLines() throws IOException {
        // they end third, second, first (marker files: a loaded machine may start them far apart)
        Path f = jobs("sh -c '" + awaitMarker("2") + "; echo first'",
                "sh -c '" + awaitMarker("3") + "; echo second; touch " + dir.resolve("2") + "'",
                "sh -c 'echo third; touch " + dir.resolve("3") + "'");
        assertThat(parallel(f, "-j", "3").out()).isEqualTo("third\nsecond\nfirst\n");
        Files.delete(dir.resolve("2"));
        Files.delete(dir.resolve("3"));
        assertThat(parallel(f, "-j", "3", "--keep-order").out()).isEqualTo("first\nsecond\nthird\n");
    }

    @Test
    @Timeout(60)
    void tagPrefixesEachLineWithTheCommandLine() throws IOException {
        Sp r = parallel(jobs("printf 'x\\ny\\n'", "sh -c 'echo oops >&2'", "printf 'no newline'"), "-j", "1", "--tag");
        assertThat(r.out()).isEqualTo("printf 'x\\ny\\n'\tx\nprintf 'x\\ny\\n'\ty\nprintf 'no newline'\tno newline\n");
        assertThat(r.err()).startsWith("sh -c 'echo oops >&2'\toops\n");
        assertThat(parallel(jobs("echo plain"), "-j", "1").out()).isEqualTo("plain\n");
    }

    @Test
    @Timeout(60)
    void shellRunsEachLineWithBinSh() throws IOException {
        Sp r = parallel(jobs("echo one | tr o 0; echo $((1+2))"), "--shell");
        assertThat(r.status()).isZero();
        assertThat(r.out()).isEqualTo("0ne\n3\n");
        // Without --shell the same line is words: echo prints them.
        assertThat(parallel(jobs("echo one | tr o 0")).out()).isEqualTo("one | tr o 0\n");
    }

    // ---- retries, halt, timeout ---------------------------------------------------------------

    @Test
    @Timeout(60)
    void retriesRunAFailedJobAgain() throws IOException {
        Path marker = dir.resolve("marker");
        String flaky = "if [ -e " + marker + " ]; then echo ok; else touch " + marker + "; echo failing; exit 1; fi";
        Sp withoutRetries = parallel(jobs(flaky), "--shell");
        assertThat(withoutRetries.status()).isEqualTo(1);
        Files.delete(marker);

        Sp r = parallel(jobs(flaky), "--shell", "--retries", "2", "--json");
        assertThat(r.status()).isZero();
        Map<String, Object> json = TestJson.object(r.out());
        assertThat(json).containsEntry("attempts", new BigDecimal(2)).containsEntry("stdout", "ok\n");
        assertThat(r.err()).contains("1 succeeded, 0 failed, 1 retries used");

        Sp exhausted = parallel(jobs("false"), "--retries", "2", "--json");
        assertThat(exhausted.status()).isEqualTo(1);
        assertThat(TestJson.object(exhausted.out())).containsEntry("attempts", new BigDecimal(3));
        assertThat(exhausted.err()).contains("2 retries used");
    }

    @Test
    @Timeout(60)
    void haltOnErrorStartsNoNewJobAfterAFailure() throws IOException {
        List<String> lines = new ArrayList<>(List.of("false"));
        for (int i = 1; i <= 4; i++) {
            lines.add("touch " + dir.resolve("ran" + i));
        }
        Sp halted = parallel(jobs(lines.toArray(String[]::new)), "-j", "1", "--halt-on-error");
        assertThat(halted.status()).isEqualTo(1);
        assertThat(halted.err()).contains("5 jobs, 0 succeeded, 1 failed, 0 retries used, 4 not run");
        for (int i = 1; i <= 4; i++) {
            assertThat(dir.resolve("ran" + i)).doesNotExist();
        }

        Sp all = parallel(jobs(lines.toArray(String[]::new)), "-j", "1");
        assertThat(all.status()).isEqualTo(1);
        for (int i = 1; i <= 4; i++) {
            assertThat(dir.resolve("ran" + i)).exists();
        }
    }

    @Test
    @Timeout(60)
    void haltOnErrorLetsRunningJobsFinish() throws IOException {
        Path done = dir.resolve("slow-done");
        // 3 s: `false` fails while the slow job runs, however late a loaded machine starts it
        Sp r = parallel(jobs("sh -c 'sleep 3; touch " + done + "; echo slow'", "false", "touch " + dir.resolve("late")),
                "-j", "2", "--halt-on-error", "--keep-order");
        assertThat(r.status()).isEqualTo(1);
        assertThat(done).exists();
        assertThat(dir.resolve("late")).doesNotExist();
        assertThat(r.out()).isEqualTo("slow\n");
        assertThat(r.err()).contains("1 succeeded, 1 failed, 0 retries used, 1 not run");
    }

    @Test
    @Timeout(60)
    void timeoutKillsASlowJobAndCountsItAsFailed() throws IOException {
        long start = System.nanoTime();
        Sp r = parallel(jobs("sleep 5", "echo quick"), "--timeout", "300ms", "--json");
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(r.status()).isEqualTo(1);
        assertThat(millis).isLessThan(4_000);
        List<Map<String, Object>> lines = r.out().lines().map(TestJson::object).toList();
        Map<String, Object> slow = lines.stream().filter(j -> j.get("line").equals(new BigDecimal(1))).findFirst().orElseThrow();
        assertThat(slow).containsEntry("timed_out", true).containsEntry("returncode", null);
        assertThat((String) slow.get("error")).contains("timed out");
    }

    @Test
    @Timeout(60)
    void timeoutOnTheNativeBackendAlsoKillsTheJobsGrandchildren() throws Exception {
        Path pidFile = dir.resolve("grandchild.pid");
        Sp r = parallel(jobs("sh -c 'sleep 30 & echo $! > " + pidFile + "; wait'"), "--timeout", "500ms");
        assertThat(r.status()).isEqualTo(1);
        long grandchild = Long.parseLong(java.nio.file.Files.readString(pidFile).strip());
        long deadline = System.nanoTime() + 3_000_000_000L;
        while (running(grandchild) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        boolean alive = running(grandchild);
        if (alive) {
            ProcessHandle.of(grandchild).ifPresent(ProcessHandle::destroyForcibly);
        }
        if (dev.subprocess4j.Subprocess.backend().equals("linux-native")) {
            assertThat(alive).as("grandchild %d outlived the job's timeout", grandchild).isFalse();
        }
    }

    /** Gone, or a zombie waiting for whoever reaps orphans here. */
    private static boolean running(long pid) {
        try {
            String stat = java.nio.file.Files.readString(Path.of("/proc/" + pid + "/stat"));
            return !stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
        } catch (IOException e) {
            return false;
        }
    }

    // ---- JSON ---------------------------------------------------------------------------------

    @Test
    @Timeout(60)
    void jsonWritesOneObjectPerJobWithTheFields() throws IOException {
        Sp r = parallel(jobs("sh -c 'echo out; echo err >&2; exit 3'", "echo 'two words'"), "-j", "1", "--json");
        assertThat(r.status()).isEqualTo(1);
        List<String> lines = r.out().lines().toList();
        assertThat(lines).hasSize(2);
        Map<String, Object> first = TestJson.object(lines.get(0));
        assertThat(first).containsKeys("line", "command", "args", "returncode", "signal", "elapsed", "attempts",
                "timed_out", "stdout", "stderr", "cpu", "error", "tag", "host");
        assertThat(first).containsEntry("host", "local");
        assertThat(first).containsEntry("line", new BigDecimal(1))
                .containsEntry("args", List.of("sh", "-c", "echo out; echo err >&2; exit 3"))
                .containsEntry("returncode", new BigDecimal(3)).containsEntry("signal", null)
                .containsEntry("attempts", new BigDecimal(1)).containsEntry("timed_out", false)
                .containsEntry("stdout", "out\n").containsEntry("stderr", "err\n");
        assertThat((BigDecimal) first.get("elapsed")).isNotNegative();
        Map<String, Object> second = TestJson.object(lines.get(1));
        assertThat(second).containsEntry("line", new BigDecimal(2)).containsEntry("args", List.of("echo", "two words"))
                .containsEntry("returncode", BigDecimal.ZERO).containsEntry("stdout", "two words\n");
        // The raw output is not printed besides the JSON; the summary stays on stderr.
        assertThat(r.err()).doesNotContain("err\n").contains("sp: 2 jobs, 1 succeeded, 1 failed");
    }

    @Test
    @Timeout(60)
    void jsonWithTagCarriesTheTagInItsOwnField() throws IOException {
        Sp tagged = parallel(jobs("echo 'two words'"), "--json", "--tag");
        Map<String, Object> j = TestJson.object(tagged.out());
        // The tag is a field; the output itself stays as the job printed it, without the prefix.
        assertThat(j).containsEntry("tag", "echo 'two words'").containsEntry("command", "echo 'two words'")
                .containsEntry("stdout", "two words\n");
        assertThat(TestJson.object(parallel(jobs("true"), "--json").out())).containsEntry("tag", null);
    }

    @Test
    @Timeout(60)
    void jsonReportsASignalDeath() throws IOException {
        Map<String, Object> j = TestJson.object(parallel(jobs("sh -c 'kill -9 $$'"), "--json").out());
        if (j.get("signal") != null) {
            assertThat(j).containsEntry("signal", "SIGKILL").containsEntry("returncode", new BigDecimal(-9));
        } else {
            assertThat(j).containsEntry("returncode", new BigDecimal(137)); // the JDK backend cannot tell
        }
    }

    @Test
    @Timeout(60)
    void aProgramThatCannotStartFailsItsJob() throws IOException {
        Sp r = parallel(jobs("/nonexistent/program", "true"));
        assertThat(r.status()).isEqualTo(1);
        assertThat(r.err()).contains("sp: line 1: ").contains("/nonexistent/program");
    }

    // ---- summary ------------------------------------------------------------------------------

    @Test
    @Timeout(60)
    void summaryNamesTheSlowestThreeJobs() throws IOException {
        // Sleeps far apart, so that a busy machine (which slows every job) cannot swap them.
        Sp r = parallel(jobs("sleep 1", "true", "sleep 0.6", "sleep 0.3"), "-j", "4");
        String err = r.err();
        assertThat(err).containsPattern("wall \\d+\\.\\d{3}s, child CPU (\\d+\\.\\d{3}s|n/a)");
        assertThat(err).containsPattern("(?s)sp: slowest:\nsp: +\\d+\\.\\d{3}s  line 1: sleep 1\n"
                + "sp: +\\d\\.\\d{3}s  line 3: sleep 0.6\nsp: +\\d\\.\\d{3}s  line 4: sleep 0.3\n$");
        assertThat(err).doesNotContain("line 2: true");
    }

    // ---- concurrency --------------------------------------------------------------------------

    @Test
    @Timeout(60)
    void jobsBoundsTheConcurrency() throws IOException {
        Path log = dir.resolve("log");
        String[] lines = IntStream.range(0, 8)
                .mapToObj(i -> "echo start >> " + log + "; sleep 0.2; echo end >> " + log)
                .toArray(String[]::new);
        long start = System.nanoTime();
        assertThat(parallel(jobs(lines), "-j", "3", "--shell").status()).isZero();
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        int now = 0;
        int max = 0;
        for (String event : Files.readAllLines(log)) {
            now += event.equals("start") ? 1 : -1;
            max = Math.max(max, now);
        }
        assertThat(max).isBetween(2, 3);
        assertThat(millis).isGreaterThanOrEqualTo(3 * 200); // 8 jobs of 0.2 s, 3 at a time: 3 rounds
    }

    // ---- progress -----------------------------------------------------------------------------

    @Test
    @Timeout(60)
    void progressAlwaysDrawsALiveBarThenTheSummary() throws IOException {
        Sp r = sp("parallel", "-j", "2", "--progress", "always", "--tag",
                jobs("sleep 0.3", "sleep 0.2", "false", "echo out").toString());
        assertThat(r.status()).isEqualTo(1);
        String err = r.err();
        assertThat(err).contains("\r\u001b[K[").contains("4/4 done, 0 running, 1 failed").contains("jobs/s, ETA");
        assertThat(err).containsPattern("\\[[=> ]+\\] 0/4 done, 2 running");
        // The bar is cleared before the summary, and before any job output.
        assertThat(err).contains("\r\u001b[Ksp: 4 jobs, 3 succeeded, 1 failed");
        assertThat(r.out()).isEqualTo("echo out\tout\n");
        int bars = err.split("\r\u001b\\[K\\[", -1).length - 1;
        assertThat(bars).isGreaterThanOrEqualTo(4);
        List<Integer> barEnds = new ArrayList<>();
        for (String frame : err.split("\r")) {
            if (frame.startsWith("\u001b[K[")) {
                assertThat(frame).hasSizeLessThan(80 + "\u001b[K".length()).doesNotContain("\n");
                barEnds.add(frame.indexOf(']'));
            }
        }
        // The bar keeps one width while the counts change.
        assertThat(barEnds).containsOnly(barEnds.getFirst());
    }

    @Test
    @Timeout(60)
    void progressNeverPrintsOnlyTheSummary() throws IOException {
        Sp r = sp("parallel", "--progress", "never", "--progress-interval", "50ms", jobs("sleep 0.3").toString());
        assertThat(r.err()).doesNotContain("\r").doesNotContain("done,").startsWith("sp: 1 jobs, 1 succeeded");
    }

    @Test
    @Timeout(60)
    void progressAutoWithoutATerminalPrintsPlainLines() throws IOException {
        assertThat(ParallelCommand.stderrMayBeTerminal()).isFalse();
        Sp r = sp("parallel", "--progress-interval", "100ms", "-j", "1", jobs("sleep 0.3", "sleep 0.3").toString());
        assertThat(r.status()).isZero();
        assertThat(r.err()).doesNotContain("\r").doesNotContain("\u001b")
                .containsPattern("(?m)^sp: [0-2]/2 done, 1 running, 0 failed, \\d+\\.\\d jobs/s, ETA \\S+$")
                .contains("sp: 2 jobs, 2 succeeded");
    }

    @Test
    void etaAndDurationsAreShort() {
        assertThat(ParallelCommand.duration(4.6)).isEqualTo("5s");
        assertThat(ParallelCommand.duration(185)).isEqualTo("3m05s");
        assertThat(ParallelCommand.duration(3720)).isEqualTo("1h02m");
    }

    // ---- under a real terminal ----------------------------------------------------------------

    /**
     * Runs sp parallel in its own JVM (this test's class path) under a pseudo-terminal made by
     * util-linux {@code script}, after {@code stty cols COLUMNS} there; returns what the terminal
     * got, with the pty's \r\n turned back into \n. {@code redirects} (shell syntax, may be empty)
     * follow sp's command line.
     */
    private String underATerminal(String term, int ttyColumns, Map<String, String> env, String redirects,
            String... jobLines) throws IOException {
        Path script = Path.of("/usr/bin/script");
        assumeTrue(Files.isExecutable(script), "util-linux script is not installed");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String sp = Shlex.join(List.of(java, "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), Main.class.getName(), "parallel", "-j", "2",
                jobs(jobLines).toString()));
        dev.subprocess4j.Command c = Subprocess.command(script.toString(), "-q", "-e", "-c",
                        "stty cols " + ttyColumns + " rows 24; exec " + sp + redirects, "/dev/null")
                .putEnv("TERM", term).stdin(Redirect.DEVNULL).captureOutput().timeout(Duration.ofSeconds(90));
        for (Map.Entry<String, String> e : env.entrySet()) {
            c = c.putEnv(e.getKey(), e.getValue());
        }
        CompletedProcess r = c.run();
        String tty = new String(r.stdoutBytes(), UTF_8).replace("\r\n", "\n"); // bytes: stdout() would turn \r into \n
        assertThat(r.returnCode()).as(tty).isEqualTo(1);
        return tty;
    }

    /**
     * End to end under a terminal: sp sees a terminal on stderr with {@code --progress auto} and
     * draws the live bar with the terminal's own sequences (xterm's {@code el} is ESC [ K) at the
     * terminal's width, which JLine reads from the pty, not from a stale $COLUMNS; the job output
     * and the summary come out clean between redraws.
     */
    @Test
    @Timeout(120)
    void underATerminalAutoDrawsTheLiveBarAsWideAsTheTerminal() throws IOException {
        String tty = underATerminal("xterm-256color", 66, Map.of("COLUMNS", "120"), "",
                "sleep 0.3", "sleep 0.2", "false", "echo hello");
        assertThat(tty).contains("\r\u001b[K[").containsPattern("\\] 4/4 done, 0 running, 1 failed, \\d+\\.\\d jobs/s")
                .contains("\r\u001b[Khello\n")
                .contains("\r\u001b[Ksp: 4 jobs, 3 succeeded, 1 failed, 0 retries used, 0 not run\n")
                .contains("sp: slowest:\n");
        int widest = 0;
        for (String frame : tty.split("\r")) {
            if (frame.startsWith("\u001b[K[")) {
                widest = Math.max(widest, frame.length() - "\u001b[K".length());
            }
        }
        assertThat(widest).as(tty).isBetween(40, 65);
    }

    /** The bar goes to stderr, so stderr alone decides: stdin and stdout may be files or pipes. */
    @Test
    @Timeout(120)
    void underATerminalTheBarNeedsOnlyStderrToBeATerminal() throws IOException {
        Path out = dir.resolve("out.txt");
        String tty = underATerminal("xterm-256color", 80, Map.of(), " </dev/null >" + out,
                "sleep 0.3", "false", "echo hello");
        assertThat(tty).contains("\r\u001b[K[").contains("\r\u001b[Ksp: 3 jobs, 2 succeeded, 1 failed");
        assertThat(Files.readString(out)).isEqualTo("hello\n");
    }

    /** A terminal that cannot clear a line (TERM=dumb) gets the plain progress lines, no escapes. */
    @Test
    @Timeout(120)
    void underADumbTerminalAutoPrintsPlainLines() throws IOException {
        String tty = underATerminal("dumb", 80, Map.of(), "", "sleep 0.3", "false");
        assertThat(tty).doesNotContain("\r").doesNotContain("\u001b")
                .contains("sp: 2 jobs, 1 succeeded, 1 failed, 0 retries used, 0 not run\n");
    }

    // ---- as GNU parallel and xargs users expect ------------------------------------------------

    @Test
    @Timeout(60)
    void summaryNamesEachFailedJobWithHowItFailed() throws IOException {
        Sp r = parallel(jobs("true", "sh -c 'exit 3'", "sh -c 'kill -9 $$'", "/nonexistent/program", "sleep 30"),
                "-j", "5", "--timeout", "2s");
        assertThat(r.status()).isEqualTo(4);
        assertThat(r.err()).contains("sp: 5 jobs, 1 succeeded, 4 failed")
                .contains("sp: failed:\n"
                        + "sp:   line 2: exit 3: sh -c 'exit 3'\n"
                        + "sp:   line 3: signal SIGKILL: sh -c 'kill -9 $$'\n"
                        + "sp:   line 4: did not start: /nonexistent/program\n"
                        + "sp:   line 5: timed out: sleep 30\n");
    }

    @Test
    @Timeout(60)
    void haltNowKillsEveryRunningJobsWholeGroup() throws Exception {
        Path pidFile = dir.resolve("grandchild.pid");
        long start = System.nanoTime();
        // The job's shell dies of SIGTERM; its child ignores it and holds the job's pipes: only a
        // SIGKILL to the group's remaining members ends it (the shell, its leader, is reaped by then).
        Sp r = parallel(jobs("sh -c 'trap \"\" TERM; sleep 30 & echo $! > " + pidFile + "; trap - TERM; wait'",
                        "sh -c 'sleep 1; exit 4'", "touch " + dir.resolve("late")),
                "-j", "2", "--halt", "now,fail=1", "--kill-grace", "500ms");
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        // GNU parallel's status after fail=1: the failed job's own.
        assertThat(r.status()).as(r.err()).isEqualTo(4);
        assertThat(r.err()).contains("sp: 3 jobs, 0 succeeded, 1 failed, 0 retries used, 1 not run, 1 killed");
        assertThat(dir.resolve("late")).doesNotExist();
        long grandchild = Long.parseLong(Files.readString(pidFile).strip());
        boolean alive = running(grandchild);
        if (alive) {
            ProcessHandle.of(grandchild).ifPresent(ProcessHandle::destroyForcibly);
        }
        if (Subprocess.backend().equals("linux-native")) {
            assertThat(alive).as("the killed job's child %d (it ignores SIGTERM) survived", grandchild).isFalse();
            assertThat(millis).as("sp waited for the job's child").isLessThan(20_000);
        }
    }

    @Test
    @Timeout(60)
    void replacementStringsFillTheCommandFromTheArguments() throws IOException {
        Sp r = sp("parallel", "--progress", "never", "-k", "-j", "2", "echo", "{#}", "{}", "{.}", "{/}", "{//}", "{/.}",
                ":::", "a/b.tar.gz", "two words.txt");
        assertThat(r.status()).isZero();
        assertThat(r.out()).isEqualTo("1 a/b.tar.gz a/b.tar b.tar.gz a b.tar\n"
                + "2 two words.txt two words two words.txt . two words\n");
        assertThat(r.err()).contains("sp:   ").contains("job 1: echo 1 a/b.tar.gz");
    }

    @Test
    @Timeout(60)
    void delaySpacesTheStarts() throws IOException {
        Path log = dir.resolve("joblog");
        Sp r = sp("parallel", "--progress", "never", "-j", "3", "--delay", "300ms", "--joblog", log.toString(),
                "true", ":::", "1", "2", "3");
        assertThat(r.status()).isZero();
        // The starts as sp made them (the joblog's Starttime, in ms), not as the jobs' first instructions ran.
        List<Long> starts = Files.readAllLines(log).stream().skip(1)
                .map(l -> new BigDecimal(l.split("\t")[2]).movePointRight(3).longValueExact()).sorted().toList();
        assertThat(starts).hasSize(3);
        assertThat(starts.get(1) - starts.get(0)).isGreaterThanOrEqualTo(299);
        assertThat(starts.get(2) - starts.get(1)).isGreaterThanOrEqualTo(299);
    }

    @Test
    @Timeout(60)
    void lineBufferPrintsEachLineWhenItComes() throws IOException {
        Sp r = sp("parallel", "--progress", "never", "-j", "2", "--line-buffer", "--tag",
                "echo {}1; sleep {}; echo {}2", ":::", "1", "2");
        assertThat(r.status()).isZero();
        // Whole output at each job's end would give 1 1, 1 2, 2 1, 2 2.
        assertThat(r.out().lines().toList()).containsExactlyInAnyOrder("1\t11", "2\t21", "1\t12", "2\t22");
        assertThat(r.out().lines().toList().subList(0, 2)).containsExactlyInAnyOrder("1\t11", "2\t21");
    }

    @Test
    @Timeout(30)
    void conflictingOptionsAreBadUsage() throws IOException {
        Path ok = jobs("true");
        Sp resume = sp("parallel", "--resume", ok.toString());
        assertThat(resume.status()).isEqualTo(255);
        assertThat(resume.err()).startsWith("sp: --resume and --resume-failed need --joblog FILE");
        Sp json = sp("parallel", "--json", "--line-buffer", ok.toString());
        assertThat(json.status()).isEqualTo(255);
        assertThat(json.err()).startsWith("sp: --json and --line-buffer do not go together");
        Sp halt = sp("parallel", "--halt", "now,fail=0", ok.toString());
        assertThat(halt.status()).isEqualTo(255);
        assertThat(halt.err()).contains("'now,fail=0'");
    }

    // ---- bad usage ----------------------------------------------------------------------------

    @Test
    @Timeout(30)
    void badInputsExitWith255NamingTheBadValue() throws IOException {
        Path ok = jobs("true");
        Sp badJ = sp("parallel", "-j", "0", ok.toString());
        assertThat(badJ.status()).isEqualTo(255);
        assertThat(badJ.err()).startsWith("sp: -j must be 1 or more: '0'\n");
        Sp notNumber = sp("parallel", "-j", "many", ok.toString());
        assertThat(notNumber.status()).isEqualTo(255);
        assertThat(notNumber.err()).contains("'many'");
        Sp badRetries = sp("parallel", "--retries", "-1", ok.toString());
        assertThat(badRetries.status()).isEqualTo(255);
        assertThat(badRetries.err()).contains("'-1'");
        Sp badTimeout = sp("parallel", "--timeout", "soon", ok.toString());
        assertThat(badTimeout.status()).isEqualTo(255);
        assertThat(badTimeout.err()).startsWith("sp: ").contains("'soon' is not a duration");
        Sp badProgress = sp("parallel", "--progress", "sometimes", ok.toString());
        assertThat(badProgress.status()).isEqualTo(255);
        assertThat(badProgress.err()).contains("'sometimes'");
        Sp missing = sp("parallel", dir.resolve("missing.txt").toString());
        assertThat(missing.status()).isEqualTo(255);
        assertThat(missing.err()).isEqualTo("sp: cannot read FILE '" + dir.resolve("missing.txt") + "': no such file\n");
        Path badLine = jobs("true", "# fine", "echo 'unclosed", "true");
        Sp line = sp("parallel", badLine.toString());
        assertThat(line.status()).isEqualTo(255);
        assertThat(line.err()).isEqualTo("sp: line 3: No closing quotation: echo 'unclosed\n");
        assertThat(line.out()).isEmpty();
    }

    @Test
    @Timeout(30)
    void helpHasExamples() {
        Sp help = sp("parallel", "--help");
        assertThat(help.status()).isZero();
        assertThat(help.out()).contains("Examples:", "sp parallel -j 8", "--keep-order", "--halt-on-error", "%p");
        // --retries says that a retry starts at once, and --json names the tag field.
        assertThat(help.out().replaceAll("\\s+", " ")).contains("with no delay (as GNU parallel --retries)")
                .contains("tag (with --tag or --tagstring the text it prefixes to output lines, else null)");
        assertThat(new String(help.outBytes(), UTF_8)).doesNotContain("picocli WARN");
        assertThat(help.err()).isEmpty();
    }

    /**
     * sp looks each job's program up in PATH (as xargs does): here the first job's program (in
     * PATH's first directory) removes itself, and the next jobs run the one in the second directory.
     */
    @Test
    @Timeout(120)
    void aProgramFoundInPathIsLookedUpAgainWhenItsFileIsGone() throws IOException {
        Path first = Files.createDirectories(dir.resolve("first"));
        Path second = Files.createDirectories(dir.resolve("second"));
        Path gone = first.resolve("prog");
        Files.writeString(gone, "#!/bin/sh\necho first $1\nrm -f \"$0\"\n");
        Files.writeString(second.resolve("prog"), "#!/bin/sh\necho second $1\n");
        for (Path p : List.of(gone, second.resolve("prog"))) {
            Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        CompletedProcess r = Subprocess.command(java, "--enable-native-access=ALL-UNNAMED", "-cp",
                        System.getProperty("java.class.path"), Main.class.getName(), "parallel", "--progress", "never",
                        "-j", "1", "-k", "prog", ":::", "1", "2", "3")
                .putEnv("PATH", first + ":" + second + ":/usr/bin:/bin").stdin(Redirect.DEVNULL).captureOutput()
                .timeout(Duration.ofSeconds(90)).run();
        assertThat(r.stdout()).as(r.stderr()).isEqualTo("first 1\nsecond 2\nsecond 3\n");
        assertThat(r.returnCode()).as(r.stderr()).isZero();
        assertThat(Files.exists(gone)).isFalse();
    }
}
