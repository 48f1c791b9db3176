package dev.subprocess4j.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sp run} in-process through {@link Main#execute}: exit status, messages, capture and the
 * JSON report.
 *
 * <p>The command inherits the test JVM's real file descriptors 0–2, which Surefire uses to talk
 * to its forked JVM: a command that writes without {@code --capture} or reads stdin would
 * disturb it, so those tests run only silent commands that do not read.
 */
class SpRunTest {

    /** What one {@code sp} invocation gave. */
    record Sp(int status, byte[] outBytes, String err) {
        String out() {
            return new String(outBytes, UTF_8);
        }

        Map<String, Object> json() {
            assertThat(out()).endsWith("\n").containsOnlyOnce("\n");
            return TestJson.object(out());
        }
    }

    static Sp sp(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.execute(args, new PrintStream(out, false, UTF_8), new PrintStream(err, false, UTF_8));
        return new Sp(status, out.toByteArray(), err.toString(UTF_8));
    }

    // ---- exit status --------------------------------------------------------------------------

    @Test
    @Timeout(30)
    void exitStatusOfTheCommandPassesThrough() {
        assertThat(sp("run", "--", "sh", "-c", "exit 3").status()).isEqualTo(3);
        assertThat(sp("run", "--", "sh", "-c", "exit 0").status()).isZero();
        assertThat(sp("run", "--", "sh", "-c", "exit 255").status()).isEqualTo(255);
    }

    @Test
    @Timeout(30)
    void deathBySignalExitsWith128PlusTheSignal() {
        Sp killed = sp("run", "--", "sh", "-c", "kill -9 $$");
        assertThat(killed.status()).isEqualTo(128 + 9);
        assertThat(killed.err()).isEmpty();
        assertThat(sp("run", "--", "sh", "-c", "kill -TERM $$").status()).isEqualTo(128 + 15);
    }

    @Test
    @Timeout(30)
    void deathBySignalInJsonDependsOnWhatTheBackendCanKnow() {
        Sp killed = sp("run", "--json", "--", "sh", "-c", "kill -9 $$");
        assertThat(killed.status()).isEqualTo(137);
        Map<String, Object> json = killed.json();
        if (json.get("backend").equals("jdk")) {
            // The JDK reports a death by a signal it did not send as 128+N: it cannot tell it from exit(137).
            assertThat(json).containsEntry("returncode", new BigDecimal(137)).containsEntry("signal", null);
        } else {
            assertThat(json).containsEntry("returncode", new BigDecimal(-9)).containsEntry("signal", "SIGKILL");
        }
    }

    @Test
    void negativeReturnCodesMapToTheShellConvention() {
        assertThat(RunCommand.exitStatus(0)).isZero();
        assertThat(RunCommand.exitStatus(3)).isEqualTo(3);
        assertThat(RunCommand.exitStatus(-9)).isEqualTo(137);
        assertThat(RunCommand.exitStatus(-15)).isEqualTo(143);
        assertThat(RunCommand.exitStatus(-2)).isEqualTo(130);
    }

    // ---- timeout ------------------------------------------------------------------------------

    @Test
    @Timeout(30)
    void timeoutKillsTheCommandAndExitsWith124() {
        long start = System.nanoTime();
        Sp timedOut = sp("run", "--timeout", "300ms", "--", "sleep", "10");
        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

        assertThat(timedOut.status()).isEqualTo(124);
        assertThat(timedOut.err()).isEqualTo("sp: Command sleep 10 timed out after 0.3 seconds\n");
        assertThat(timedOut.out()).isEmpty();
        assertThat(tookMillis).isBetween(250L, 8_000L);
    }

    @Test
    @Timeout(30)
    void commandEndingBeforeTheTimeoutKeepsItsStatus() {
        Sp fast = sp("run", "--timeout", "20s", "--json", "--capture", "--", "sh", "-c", "echo done; exit 4");
        assertThat(fast.status()).isEqualTo(4);
        assertThat(fast.json()).containsEntry("timed_out", false).containsEntry("returncode", new BigDecimal(4))
                .containsEntry("stdout", "done\n");
        assertThat(fast.err()).isEmpty();
    }

    @Test
    @Timeout(30)
    void timeoutWithJsonReportsThePartialOutputAndTheKill() {
        Sp timedOut = sp("run", "--timeout", "500ms", "--json", "--capture", "--",
                "sh", "-c", "echo partial; echo warn >&2; exec sleep 10");

        assertThat(timedOut.status()).isEqualTo(124);
        Map<String, Object> json = timedOut.json();
        assertThat(json)
                .containsEntry("timed_out", true)
                .containsEntry("returncode", new BigDecimal(-9))
                .containsEntry("signal", "SIGKILL")
                .containsEntry("stdout", "partial\n")
                .containsEntry("stderr", "warn\n");
        assertThat((BigDecimal) json.get("elapsed")).isBetween(new BigDecimal("0.4"), new BigDecimal("8"));
        assertThat(timedOut.err()).isEqualTo("sp: Command sh -c 'echo partial; echo warn >&2; exec sleep 10'"
                + " timed out after 0.5 seconds\n");
    }

    @Test
    @Timeout(30)
    void timeoutReturnsPromptlyWhenAGrandchildHoldsThePipes() {
        // sh forks the sleep (it is not the last command): killing sh leaves the sleep holding stdout.
        long start = System.nanoTime();
        // 1 s: "started" comes before the deadline however slowly a loaded machine starts sh
        Sp timedOut = sp("run", "--timeout", "1s", "--capture", "--",
                "sh", "-c", "echo started; sleep 12; echo never");
        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

        assertThat(timedOut.status()).isEqualTo(124);
        assertThat(timedOut.out()).isEqualTo("started\n");
        assertThat(timedOut.err()).startsWith("sp: Command sh -c 'echo started; sleep 12; echo never' timed out");
        assertThat(tookMillis).as("the deadline and the drain grace, not the sleep's 12 s").isLessThan(8_000L);
    }

    @Test
    @Timeout(30)
    void timeoutWithJsonReportsTheUsageOfTheReapedChildWhenAGrandchildHoldsThePipes() {
        // The child exits at once; the sleep it started keeps the pipes until it is killed below.
        Sp timedOut = sp("run", "--timeout", "300ms", "--json", "--capture", "--", "sh", "-c", "sleep 6 & echo $!; exit 0");
        Map<String, Object> json = timedOut.json();
        ProcessHandle.of(Long.parseLong(((String) json.get("stdout")).strip())).ifPresent(ProcessHandle::destroyForcibly);

        assertThat(timedOut.status()).isEqualTo(124);
        assertThat(json).containsEntry("timed_out", true).containsEntry("returncode", BigDecimal.ZERO);
        assertThat(json.get("rusage")).as("the child was reaped: its usage is known").isNotNull();
    }

    @Test
    @Timeout(30)
    void timeoutAcceptsABareNumberOfSeconds() {
        Sp timedOut = sp("run", "--timeout", "0.2", "--", "sleep", "10");
        assertThat(timedOut.status()).isEqualTo(124);
        assertThat(timedOut.err()).contains("timed out after 0.2 seconds");
    }

    // ---- cannot start -------------------------------------------------------------------------

    @Test
    @Timeout(30)
    void missingProgramExitsWith127AndSaysWhy() {
        Sp missing = sp("run", "--", "nosuchprog-sp-test");
        assertThat(missing.status()).isEqualTo(127);
        assertThat(missing.err()).isEqualTo("sp: No such file or directory: 'nosuchprog-sp-test'\n");
        assertThat(missing.out()).isEmpty();
    }

    @Test
    @Timeout(30)
    void missingProgramWithJsonPrintsTheError() {
        Sp missing = sp("run", "--json", "--", "nosuchprog-sp-test", "x");
        assertThat(missing.status()).isEqualTo(127);
        assertThat(missing.json())
                .containsEntry("args", List.of("nosuchprog-sp-test", "x"))
                .containsEntry("error", "No such file or directory: 'nosuchprog-sp-test'")
                .containsEntry("errno", "ENOENT")
                .containsEntry("step", "exec")
                .containsKey("backend");
        assertThat(missing.err()).isEqualTo("sp: No such file or directory: 'nosuchprog-sp-test'\n");
    }

    @Test
    @Timeout(30)
    void aProgramFoundButNotRunnableExitsWith126(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws java.io.IOException {
        java.nio.file.Path notExecutable = java.nio.file.Files.writeString(dir.resolve("script"), "#!/bin/sh\ntrue\n");
        Sp r = sp("run", "--", notExecutable.toString());
        assertThat(r.status()).isEqualTo(126);
        assertThat(r.err()).isEqualTo("sp: Permission denied: '" + notExecutable + "'\n");
        assertThat(sp("run", "--", dir.toString()).status()).as("a directory").isEqualTo(126);
    }

    @Test
    @Timeout(30)
    void badWorkingDirectoryExitsWith125() {
        Sp notADirectory = sp("run", "--cwd", "/etc/passwd", "--", "true");
        assertThat(notADirectory.status()).isEqualTo(125);
        assertThat(notADirectory.err()).isEqualTo("sp: Not a directory (chdir): '/etc/passwd'\n");

        Sp missing = sp("run", "--json", "--cwd", "/nonexistent-sp-test", "--", "true");
        assertThat(missing.status()).isEqualTo(125);
        assertThat(missing.json()).containsEntry("errno", "ENOENT").containsEntry("step", "chdir");
    }

    // ---- usage --------------------------------------------------------------------------------

    @Test
    @Timeout(30)
    void unknownOptionExitsWith125AndPrintsOneLineAndWhereTheHelpIs() {
        Sp bogus = sp("run", "--bogus", "--", "true");
        assertThat(bogus.status()).isEqualTo(125);
        assertThat(bogus.err()).isEqualTo("sp: Unknown option: '--bogus'\nTry 'sp run --help' for more information.\n");
        assertThat(bogus.out()).isEmpty();

        assertThat(sp("run", "--bogus").err()).startsWith("sp: Unknown option: '--bogus'\n");
    }

    @Test
    @Timeout(30)
    void missingCommandExitsWith125() {
        for (String[] args : List.of(new String[] {"run"}, new String[] {"run", "--"}, new String[] {"run", "--capture"})) {
            Sp none = sp(args);
            assertThat(none.status()).as(String.join(" ", args)).isEqualTo(125);
            assertThat(none.err()).isEqualTo("sp: Missing required parameter: 'COMMAND'\n"
                    + "Try 'sp run --help' for more information.\n");
        }
    }

    @Test
    @Timeout(30)
    void badDurationExitsWith125() {
        Sp bad = sp("run", "--timeout", "5x", "--", "true");
        assertThat(bad.status()).isEqualTo(125);
        assertThat(bad.err()).startsWith("sp: Invalid value for option '--timeout': '5x' is not a duration")
                .doesNotContain("Usage:");
        assertThat(sp("run", "--timeout", "0", "--", "true").status()).isEqualTo(125);
        assertThat(sp("run", "--timeout", "-1s", "--", "true").status()).isEqualTo(125);
    }

    @Test
    @Timeout(30)
    void envWithoutEqualsExitsWith125WithoutEchoingIt() {
        Sp bad = sp("run", "--env", "hunter2", "--", "true");
        assertThat(bad.status()).isEqualTo(125);
        assertThat(bad.err()).startsWith("sp: Invalid value for option '--env'").contains("no '='")
                .doesNotContain("hunter2");

        Sp emptyKey = sp("run", "--env", "=hunter2", "--", "true");
        assertThat(emptyKey.status()).isEqualTo(125);
        assertThat(emptyKey.err()).contains("KEY before '=' is empty").doesNotContain("hunter2");
    }

    @Test
    @Timeout(30)
    void valueTheLibraryRejectsIsBadUsage() {
        Sp emptyProgram = sp("run", "--", "");
        assertThat(emptyProgram.status()).isEqualTo(125);
        assertThat(emptyProgram.err()).isEqualTo("sp: the program (argument 0) must not be empty\n"
                + "Try 'sp run --help' for more information.\n");
    }

    @Test
    @Timeout(30)
    void spAloneIsBadUsage() {
        Sp alone = sp();
        assertThat(alone.status()).isEqualTo(2);
        assertThat(alone.err()).startsWith("sp: Missing required subcommand")
                .endsWith("\nTry 'sp --help' for more information.\n").doesNotContain("Usage:");
        assertThat(sp("nosuchcommand").status()).isEqualTo(2);
    }

    @Test
    @Timeout(30)
    void helpAndVersionGoToStdoutWithStatus0() {
        Sp help = sp("--help");
        assertThat(help.status()).isZero();
        assertThat(help.out()).startsWith("Usage: sp ").contains("run");

        Sp runHelp = sp("run", "--help");
        assertThat(runHelp.status()).isZero();
        assertThat(runHelp.out()).startsWith("Usage: sp run ")
                .contains("--timeout=DURATION", "--cwd=DIR", "--env=KEY=VALUE", "--capture", "--json", "Exit status:", "124", "125", "126", "127", "--preserve-status", "--foreground");
        assertThat(runHelp.err()).isEmpty();

        Sp version = sp("--version");
        assertThat(version.status()).isZero();
        assertThat(version.out()).startsWith("sp ").contains("subprocess4j backend: ");
    }

    @Test
    @Timeout(30)
    void everythingFromTheCommandOnIsTheCommandsOwn() {
        String script = "printf '%s|' \"$@\"";
        Sp withSeparator = sp("run", "--capture", "--", "sh", "-c", script, "sh", "--json", "--timeout", "@file");
        assertThat(withSeparator.out()).isEqualTo("--json|--timeout|@file|");
        Sp withoutSeparator = sp("run", "--capture", "sh", "-c", script, "sh", "--json", "--", "-x");
        assertThat(withoutSeparator.status()).isZero();
        assertThat(withoutSeparator.out()).isEqualTo("--json|--|-x|");
    }

    // ---- capture, env, cwd --------------------------------------------------------------------

    @Test
    @Timeout(30)
    void captureWritesTheOutputToSpsOwnStreamsAfterTheRun() {
        Sp captured = sp("run", "--capture", "--", "sh", "-c", "echo out; echo err >&2; exit 3");
        assertThat(captured.status()).isEqualTo(3);
        assertThat(captured.out()).isEqualTo("out\n");
        assertThat(captured.err()).isEqualTo("err\n");
    }

    @Test
    @Timeout(30)
    void captureWritesTheBytesUnchanged() {
        Sp captured = sp("run", "--capture", "--", "printf", "\\377\\r\\n\\000");
        assertThat(captured.outBytes()).containsExactly(0xff, '\r', '\n', 0);
    }

    @Test
    @Timeout(30)
    void envSetsVariablesAndKeepsEverythingAfterTheFirstEquals() {
        Sp env = sp("run", "--capture", "--env", "SP_A=1", "--env", "SP_B=x=y==z", "--env", "SP_EMPTY=",
                "--env", "SP_A=2", "--", "sh", "-c", "printf '%s|%s|%s|%s' \"$SP_A\" \"$SP_B\" \"${SP_EMPTY-unset}\" \"$HOME\"");
        assertThat(env.status()).isZero();
        assertThat(env.out()).isEqualTo("2|x=y==z||" + System.getenv("HOME")); // on top of sp's own environment
    }

    @Test
    @Timeout(30)
    void envValuesNeverAppearInTheReport() {
        Sp missing = sp("run", "--json", "--env", "SP_TOKEN=hunter2", "--", "nosuchprog-sp-test");
        assertThat(missing.status()).isEqualTo(127);
        assertThat(missing.out()).doesNotContain("hunter2");
        assertThat(missing.err()).doesNotContain("hunter2");

        Sp ran = sp("run", "--json", "--capture", "--env", "SP_TOKEN=hunter2", "--", "true");
        assertThat(ran.status()).isZero();
        assertThat(ran.out()).doesNotContain("hunter2");
    }

    @Test
    @Timeout(30)
    void cwdSetsTheWorkingDirectory(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("marker"), "x");
        Sp pwd = sp("run", "--capture", "--cwd", dir.toString(), "--", "sh", "-c", "pwd -P; ls");
        assertThat(pwd.status()).isZero();
        assertThat(pwd.out()).isEqualTo(dir.toRealPath() + "\nmarker\n");
    }

    // ---- JSON ---------------------------------------------------------------------------------

    @Test
    @Timeout(30)
    void jsonReportsTheRun() {
        Sp run = sp("run", "--json", "--capture", "--", "sh", "-c", "echo out; echo err >&2; exit 3");
        assertThat(run.status()).isEqualTo(3);
        assertThat(run.err()).isEmpty();
        // One compact line (JSON Lines), as jq -c prints it.
        assertThat(run.out()).startsWith("{\"args\":[\"sh\",\"-c\",\"echo out; echo err >&2; exit 3\"],\"returncode\":3,")
                .contains("\"signal\":null", "\"timed_out\":false", "\"stdout\":\"out\\n\"", "\"stderr\":\"err\\n\"");

        Map<String, Object> json = run.json();
        assertThat(json.keySet()).containsExactly(
                "args", "returncode", "signal", "pid", "elapsed", "timed_out", "stdout", "stderr", "rusage", "backend");
        assertThat(json)
                .containsEntry("args", List.of("sh", "-c", "echo out; echo err >&2; exit 3"))
                .containsEntry("returncode", new BigDecimal(3))
                .containsEntry("signal", null)
                .containsEntry("timed_out", false)
                .containsEntry("stdout", "out\n")
                .containsEntry("stderr", "err\n");
        assertThat((BigDecimal) json.get("pid")).isPositive();
        assertThat((BigDecimal) json.get("elapsed")).isPositive().isLessThan(new BigDecimal(20));
        assertThat(run.out()).containsPattern("\"elapsed\":\\d+\\.\\d{6},");
        assertThat(json.get("backend")).isIn("jdk", "linux-native");
    }

    @Test
    @Timeout(30)
    void jsonWithoutCaptureHasNullOutput() {
        Sp run = sp("run", "--json", "--", "sh", "-c", "exit 0");
        assertThat(run.status()).isZero();
        assertThat(run.json()).containsEntry("stdout", null).containsEntry("stderr", null)
                .containsEntry("returncode", BigDecimal.ZERO);
    }

    @Test
    @Timeout(30)
    void jsonEscapesQuotesBackslashesControlCharactersAndKeepsUnicode() {
        String tricky = "quote\" back\\slash\nnew\ttab\rcr\u0001\u001f\u007f é ☃ 😀 \u2028";
        Sp run = sp("run", "--json", "--capture", "--", "sh", "-c", "printf '%s' \"$1\"; printf '%s' \"$1\" >&2", "sh", tricky);

        assertThat(run.status()).isZero();
        String line = run.out();
        assertThat(line).contains("quote\\\" back\\\\slash\\nnew\\ttab\\rcr\\u0001\\u001f\u007f é ☃ 😀 \\u2028");
        assertThat(line.substring(0, line.length() - 1).chars()).allMatch(c -> c >= 0x20);
        Map<String, Object> json = run.json();
        assertThat(json).containsEntry("stdout", tricky).containsEntry("stderr", tricky);
        assertThat(json.get("args")).isEqualTo(List.of("sh", "-c", "printf '%s' \"$1\"; printf '%s' \"$1\" >&2", "sh", tricky));
    }

    @Test
    @Timeout(30)
    void jsonShowsMalformedUtf8AsReplacementCharacters() {
        Sp run = sp("run", "--json", "--capture", "--", "printf", "a\\377b\\r\\n");
        assertThat(run.json()).containsEntry("stdout", "a\ufffdb\r\n");
    }
}
