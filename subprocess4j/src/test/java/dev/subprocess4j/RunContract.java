package dev.subprocess4j;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.subprocess4j.internal.Backend;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Running commands to completion and waiting on started ones: return codes, capture, input, text. */
@EveryBackend
public class RunContract extends BackendContract {
    private static final Duration LONG = Duration.ofSeconds(30);
    private static final String PYTHON3 = Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";

    @Test
    void runReturnsTheExitStatusAndCapturesBothStreams() {
        CompletedProcess r = sh("echo out; echo err >&2; exit 3").captureOutput().run();
        assertThat(r.returnCode()).isEqualTo(3);
        assertThat(r.stdout()).isEqualTo("out\n");
        assertThat(r.stderr()).isEqualTo("err\n");
        assertThat(r.args()).containsExactly("/bin/sh", "-c", "echo out; echo err >&2; exit 3");
        assertThat(r.pid()).isPositive();
    }

    @Test
    void runWithoutCaptureReturnsNullOutput() {
        CompletedProcess r = cmd("true").run();
        assertThat(r.returnCode()).isZero();
        assertThat(r.stdout()).isNull();
        assertThat(r.stderr()).isNull();
        assertThat(r.stdoutBytes()).isNull();
        assertThat(r.stderrBytes()).isNull();
    }

    @Test
    void runCapturingOnlyStdoutLeavesStderrNull() {
        CompletedProcess r = sh("echo out").stdout(Redirect.PIPE).run();
        assertThat(r.stdout()).isEqualTo("out\n");
        assertThat(r.stderr()).isNull();
    }

    @Test
    void returnCodeIsTheExitStatusForEveryValueFrom0To255() {
        for (int status = 0; status <= 255; status++) {
            CompletedProcess r = sh("exit " + status).run();
            assertThat(r.returnCode()).as("exit %d", status).isEqualTo(status);
            assertThat(r.killedBySignal()).as("exit %d", status).isFalse();
            assertThat(r.signal()).as("exit %d", status).isEmpty();
        }
    }

    @Test
    void childThatKillsItselfReportsTheSignalByTheBackendsDocumentedRule() {
        CompletedProcess r = sh("kill -9 $$").run();
        int expected = returnCodeForSignalNotSentByTheLibrary(Signal.SIGKILL);
        assertThat(r.returnCode()).isEqualTo(expected);
        assertThat(r.killedBySignal()).isEqualTo(expected < 0);
        if (expected < 0) {
            assertThat(r.signal()).contains(Signal.SIGKILL);
        }
    }

    @Test
    void childKilledByTheLibraryReportsMinusTheSignalNumber() {
        try (Popen p = cmd("sleep", "30").start()) {
            p.kill();
            assertThat(p.waitFor()).isEqualTo(-9);
            assertThat(p.returnCode()).hasValue(-9);
            assertThat(p.poll()).hasValue(-9);
        }
        try (Popen p = cmd("sleep", "30").start()) {
            p.terminate();
            assertThat(p.waitFor()).isEqualTo(-15);
        }
    }

    @Test
    void checkRaisesCalledProcessExceptionWithPythonsMessage() {
        CalledProcessException e = catchThrowableOfType(CalledProcessException.class,
                () -> cmd("false", "-x").check().run());
        assertThat(e).hasMessage("Command false -x returned non-zero exit status 1.");
        assertThat(e.returnCode()).isEqualTo(1);
        assertThat(e.command()).containsExactly("false", "-x");
        assertThat(e.stdout()).isNull();
        assertThat(e.stderr()).isNull();
        assertThat(e.stdoutBytes()).isNull();
        assertThat(e.result().pid()).isPositive();
    }

    @Test
    void checkRaisesCalledProcessExceptionCarryingTheCapturedOutput() {
        CalledProcessException e = catchThrowableOfType(CalledProcessException.class,
                () -> sh("echo partial; echo oops >&2; exit 2").captureOutput().check().run());
        assertThat(e.returnCode()).isEqualTo(2);
        assertThat(e.stdout()).isEqualTo("partial\n");
        assertThat(e.stderr()).isEqualTo("oops\n");
        assertThat(e.stdoutBytes()).isEqualTo("partial\n".getBytes(UTF_8));
        assertThat(e.stderrBytes()).isEqualTo("oops\n".getBytes(UTF_8));
    }

    @Test
    void checkPassesAZeroExitThrough() {
        CompletedProcess r = sh("echo fine").stdout(Redirect.PIPE).check().run();
        assertThat(r.stdout()).isEqualTo("fine\n");
        assertThat(r.checkReturnCode()).isSameAs(r);
    }

    @Test
    void checkReturnCodeNamesTheSignalTheLibrarySent() {
        try (Popen p = cmd("sleep", "30").start()) {
            p.kill();
            CompletedProcess r = p.communicate();
            assertThat(r.killedBySignal()).isTrue();
            assertThat(r.signal()).contains(Signal.SIGKILL);
            assertThatThrownBy(r::checkReturnCode)
                    .isInstanceOf(CalledProcessException.class)
                    .hasMessage("Command sleep 30 died with SIGKILL.");
        }
    }

    @Test
    void inputBytesReachStdinUnchanged() {
        byte[] every = new byte[256 * 4];
        for (int i = 0; i < every.length; i++) {
            every[i] = (byte) i;
        }
        CompletedProcess r = cmd("cat").input(every).stdout(Redirect.PIPE).run();
        assertThat(r.stdoutBytes()).isEqualTo(every);
    }

    @Test
    void inputTextIsEncodedWithTheCommandsEncoding() {
        CompletedProcess utf8 = cmd("cat").input("héllo €😀\n").stdout(Redirect.PIPE).run();
        assertThat(utf8.stdoutBytes()).isEqualTo("héllo €😀\n".getBytes(UTF_8));
        assertThat(utf8.stdout()).isEqualTo("héllo €😀\n");

        CompletedProcess latin1 = cmd("cat").input("é").encoding(ISO_8859_1).stdout(Redirect.PIPE).run();
        assertThat(latin1.stdoutBytes()).containsExactly((byte) 0xe9);
        assertThat(latin1.stdout()).isEqualTo("é");
    }

    @Test
    void emptyInputClosesStdinAtOnce() {
        CompletedProcess r = cmd("wc", "-c").input(new byte[0]).stdout(Redirect.PIPE).run();
        assertThat(r.stdout().strip()).isEqualTo("0");
    }

    @Test
    void stdinPipeWithoutInputIsClosedByRun() {
        CompletedProcess r = cmd("cat").stdin(Redirect.PIPE).stdout(Redirect.PIPE).run();
        assertThat(r.returnCode()).isZero();
        assertThat(r.stdoutBytes()).isEmpty();
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void interleavedLargeOutputOnBothStreamsWhileInputIsWrittenDoesNotDeadlock() {
        // The child writes a 64 KiB block to stderr before each 64 KiB it reads from stdin, and
        // echoes what it read to stdout: 5 MiB each way. Any order of pumping but a concurrent one
        // fills a pipe and blocks both sides (invariant 3).
        String script = """
                import sys
                i, o, e = sys.stdin.buffer, sys.stdout.buffer, sys.stderr.buffer
                block = bytes(range(256)) * 256
                for n in range(80):
                    e.write(block); e.flush()
                    data = i.read(65536)
                    o.write(data); o.flush()
                o.write(i.read())
                """;
        byte[] input = randomBytes(5 << 20, 1);
        CompletedProcess r = cmd(PYTHON3, "-c", script).input(input).captureOutput().run();
        assertThat(r.returnCode()).as(r::stderr).isZero();
        assertThat(r.stdoutBytes()).isEqualTo(input);
        byte[] block = new byte[65536];
        for (int i = 0; i < block.length; i++) {
            block[i] = (byte) i;
        }
        byte[] expectedErr = new byte[80 * block.length];
        for (int n = 0; n < 80; n++) {
            System.arraycopy(block, 0, expectedErr, n * block.length, block.length);
        }
        assertThat(r.stderrBytes()).isEqualTo(expectedErr);
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void childWritingAllItsOutputBeforeReadingLargeInputDoesNotDeadlock() {
        int size = 5 << 20;
        byte[] input = randomBytes(size, 2);
        CompletedProcess r = sh("head -c " + size + " /dev/zero; head -c " + size + " /dev/zero >&2; cat")
                .input(input).captureOutput().run();
        assertThat(r.returnCode()).isZero();
        byte[] out = r.stdoutBytes();
        assertThat(out).hasSize(2 * size);
        assertThat(Arrays.copyOfRange(out, 0, size)).isEqualTo(new byte[size]);
        assertThat(Arrays.copyOfRange(out, size, 2 * size)).isEqualTo(input);
        assertThat(r.stderrBytes()).isEqualTo(new byte[size]);
    }

    @Test
    void inputTheChildDoesNotReadIsDroppedWithoutError() {
        CompletedProcess r = sh("exit 3").input(new byte[8 << 20]).captureOutput().run();
        assertThat(r.returnCode()).isEqualTo(3);
        assertThat(r.stdoutBytes()).isEmpty();
        CompletedProcess partial = cmd("head", "-c", "5").input("0123456789".repeat(500_000)).stdout(Redirect.PIPE).run();
        assertThat(partial.stdout()).isEqualTo("01234");
    }

    @Test
    void aCommandCanBeRunManyTimesAndFromSeveralThreadsAtOnce() throws Exception {
        Command c = sh("read x; echo \"$x $$\"").input("same input\n").stdout(Redirect.PIPE);
        List<CompletableFuture<CompletedProcess>> runs = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            runs.add(c.runAsync());
        }
        runs.add(CompletableFuture.completedFuture(c.run()));
        Set<Long> pids = new HashSet<>();
        for (CompletableFuture<CompletedProcess> f : runs) {
            CompletedProcess r = f.get(LONG.toSeconds(), TimeUnit.SECONDS);
            assertThat(r.stdout()).isEqualTo("same input " + r.pid() + "\n");
            pids.add(r.pid());
        }
        assertThat(pids).hasSize(runs.size());
    }

    @Test
    void communicateAfterWaitForStillReadsTheOutput() {
        try (Popen p = sh("echo out; echo err >&2; exit 2").captureOutput().start()) {
            assertThat(p.waitFor()).isEqualTo(2);
            CompletedProcess r = p.communicate();
            assertThat(r.returnCode()).isEqualTo(2);
            assertThat(r.stdout()).isEqualTo("out\n");
            assertThat(r.stderr()).isEqualTo("err\n");
        }
    }

    @Test
    void communicateSendsInputReadsBothStreamsAndWaits() {
        try (Popen p = sh("cat; echo err >&2; exit 4")
                .stdin(Redirect.PIPE).stdout(Redirect.PIPE).stderr(Redirect.PIPE).start()) {
            CompletedProcess r = p.communicate("hi".getBytes(UTF_8), LONG);
            assertThat(r.returnCode()).isEqualTo(4);
            assertThat(r.stdout()).isEqualTo("hi");
            assertThat(r.stderr()).isEqualTo("err\n");
            assertThat(r.pid()).isEqualTo(p.pid());
            assertThat(p.returnCode()).hasValue(4);
        }
    }

    @Test
    void communicateWithoutArgumentsSendsTheCommandsInput() {
        try (Popen p = cmd("cat").input("from the command").stdout(Redirect.PIPE).start()) {
            CompletedProcess r = p.communicate();
            assertThat(r.stdout()).isEqualTo("from the command");
            assertThat(r.stderr()).isNull();
        }
    }

    @Test
    void pollAndReturnCodeAreEmptyWhileRunningThenHoldTheStatus() throws Exception {
        try (Popen p = sh("cat >/dev/null; exit 6").stdin(Redirect.PIPE).start()) {
            assertThat(p.poll()).isEmpty();
            assertThat(p.returnCode()).isEmpty();
            assertThat(p.toString()).contains("running");
            Thread.sleep(100);
            assertThat(p.poll()).as("still blocked reading stdin").isEmpty();
            p.stdin().close();
            assertThat(p.waitFor()).isEqualTo(6);
            assertThat(p.poll()).hasValue(6);
            assertThat(p.returnCode()).hasValue(6);
        }
    }

    @Test
    void pollTurnsPresentOnceTheChildExitsWithoutAnyWait() throws Exception {
        try (Popen p = sh("exit 9").start()) {
            long deadline = System.nanoTime() + LONG.toNanos();
            while (p.poll().isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(p.poll()).hasValue(9);
        }
    }

    @Test
    void waitForReturnsTheStatusAndCanBeRepeated() {
        try (Popen p = sh("exit 7").start()) {
            assertThat(p.waitFor()).isEqualTo(7);
            assertThat(p.waitFor()).isEqualTo(7);
            assertThat(p.waitFor(Duration.ofSeconds(1))).isEqualTo(7);
        }
    }

    @Test
    void waitForWithATimeoutLeavesTheChildRunning() throws Exception {
        try (Popen p = cmd("cat").stdin(Redirect.PIPE).start()) {
            TimeoutExpiredException e = catchThrowableOfType(TimeoutExpiredException.class,
                    () -> p.waitFor(Duration.ofMillis(200)));
            assertThat(e.command()).containsExactly("cat");
            assertThat(e.timeout()).isEqualTo(Duration.ofMillis(200));
            assertThat(p.poll()).isEmpty();
            p.stdin().close();
            assertThat(p.waitFor(LONG)).isZero();
        }
    }

    @Test
    void onExitCompletesWithTheReturnCodeOnceTheChildExits() throws Exception {
        try (Popen p = sh("cat >/dev/null; exit 5").stdin(Redirect.PIPE).start()) {
            CompletableFuture<CompletedProcess> exit = p.onExit();
            Thread.sleep(100);
            assertThat(exit).isNotDone();
            p.stdin().close();
            CompletedProcess r = exit.get(LONG.toSeconds(), TimeUnit.SECONDS);
            assertThat(r.returnCode()).isEqualTo(5);
            assertThat(r.pid()).isEqualTo(p.pid());
            assertThat(r.args()).containsExactly("/bin/sh", "-c", "cat >/dev/null; exit 5");
            assertThat(p.poll()).hasValue(5);
        }
    }

    @Test
    void onExitOfAFinishedChildIsCompleted() throws Exception {
        try (Popen p = sh("exit 3").start()) {
            p.waitFor();
            assertThat(p.onExit().get(LONG.toSeconds(), TimeUnit.SECONDS).returnCode()).isEqualTo(3);
        }
    }

    @Test
    void runAsyncCompletesWithWhatRunReturns() throws Exception {
        CompletedProcess r = sh("echo async; exit 3").captureOutput().runAsync().get(LONG.toSeconds(), TimeUnit.SECONDS);
        assertThat(r.returnCode()).isEqualTo(3);
        assertThat(r.stdout()).isEqualTo("async\n");
    }

    @Test
    void runAsyncCompletesExceptionallyWithWhatRunThrows() {
        CompletableFuture<CompletedProcess> f = sh("exit 2").check().runAsync();
        assertThatThrownBy(() -> f.get(LONG.toSeconds(), TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(CalledProcessException.class)
                .hasMessage("Command /bin/sh -c 'exit 2' returned non-zero exit status 2.");
    }

    @Test
    void runAsyncReturnsBeforeTheChildExits(@TempDir Path dir) throws Exception {
        // The child waits for a file that this thread creates only after runAsync returned.
        Path go = dir.resolve("go");
        CompletableFuture<CompletedProcess> f = sh("while [ ! -e " + Shlex.quote(go.toString()) + " ]; do sleep 0.02; done; echo done")
                .stdout(Redirect.PIPE).runAsync();
        Thread.sleep(100);
        assertThat(f).isNotDone();
        Files.createFile(go);
        assertThat(f.get(LONG.toSeconds(), TimeUnit.SECONDS).stdout()).isEqualTo("done\n");
    }

    @Test
    void completedProcessCarriesTheChildsPidItsArgsAndThePositiveElapsedTime() {
        CompletedProcess r = sh("echo $$; sleep 0.2").stdout(Redirect.PIPE).run();
        assertThat(r.pid()).isEqualTo(Long.parseLong(r.stdout().strip()));
        assertThat(r.args()).containsExactly("/bin/sh", "-c", "echo $$; sleep 0.2");
        assertThat(r.elapsed()).isGreaterThanOrEqualTo(Duration.ofMillis(200)).isLessThan(LONG);
        assertThat(r.usage().isPresent()).isEqualTo(supports(Backend.Feature.RESOURCE_USAGE));
    }

    @Test
    void popenPidAndHandleAreTheChilds() {
        try (Popen p = sh("read go; echo $$").input("go\n").stdout(Redirect.PIPE).start()) {
            // The child waits for its input, so it is alive while its handle is taken.
            ProcessHandle handle = p.toHandle();
            assertThat(handle.pid()).isEqualTo(p.pid());
            assertThat(handle.isAlive()).isTrue();
            CompletedProcess r = p.communicate();
            assertThat(Long.parseLong(r.stdout().strip())).isEqualTo(p.pid());
        }
    }

    // ---- text ---------------------------------------------------------------------------------

    @Test
    void outputIsDecodedWithTheCommandsEncoding() {
        CompletedProcess latin1 = sh("printf '\\351t\\351'").stdout(Redirect.PIPE).encoding(ISO_8859_1).run();
        assertThat(latin1.stdout()).isEqualTo("été");
        assertThat(latin1.stdoutBytes()).containsExactly(0xe9, 't', 0xe9);

        CompletedProcess utf8 = sh("printf '\\351t\\351'").stdout(Redirect.PIPE).run();
        assertThat(utf8.stdout()).as("UTF-8 with replacement by default").isEqualTo("\ufffdt\ufffd");
    }

    @Test
    void errorsReportMakesTextAccessorsThrowWhileTheBytesStay() {
        CompletedProcess r = sh("printf 'a\\377b'; printf 'c\\376' >&2").captureOutput()
                .errors(CodingErrorAction.REPORT).run();
        assertThatThrownBy(r::stdout)
                .isInstanceOf(UncheckedIOException.class)
                .cause().isInstanceOf(CharacterCodingException.class);
        assertThatThrownBy(r::stderr)
                .isInstanceOf(UncheckedIOException.class)
                .cause().isInstanceOf(CharacterCodingException.class);
        assertThat(r.stdoutBytes()).containsExactly('a', 0xff, 'b');
        assertThat(r.stderrBytes()).containsExactly('c', 0xfe);
    }

    @Test
    void errorsReportAcceptsWellFormedOutput() {
        CompletedProcess r = sh("printf 'ok \\303\\251'").stdout(Redirect.PIPE).errors(CodingErrorAction.REPORT).run();
        assertThat(r.stdout()).isEqualTo("ok é");
    }

    @Test
    void universalNewlinesTranslateCrLfAndCrInTextButNeverInBytes() {
        byte[] raw = "a\r\nb\rc\n".getBytes(UTF_8);
        CompletedProcess on = sh("printf 'a\\r\\nb\\rc\\n'").captureOutput().run();
        assertThat(on.stdout()).isEqualTo("a\nb\nc\n");
        assertThat(on.stdoutBytes()).isEqualTo(raw);

        CompletedProcess off = sh("printf 'a\\r\\nb\\rc\\n'").captureOutput().universalNewlines(false).run();
        assertThat(off.stdout()).isEqualTo("a\r\nb\rc\n");
        assertThat(off.stdoutBytes()).isEqualTo(raw);
    }

    @Test
    void universalNewlinesApplyToStderrToo() {
        CompletedProcess r = sh("printf 'x\\r\\ny\\r' >&2").captureOutput().run();
        assertThat(r.stderr()).isEqualTo("x\ny\n");
        assertThat(r.stdout()).isEmpty();
    }

    static byte[] randomBytes(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void aChildWhosePopenIsDroppedUnwaitedIsStillReaped() throws Exception {
        long pid = cmd("/bin/true").start().pid(); // dropped at once, never waited for
        java.nio.file.Path stat = java.nio.file.Path.of("/proc/" + pid + "/stat");
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (java.nio.file.Files.exists(stat) && System.nanoTime() < deadline) {
            System.gc();
            Thread.sleep(20);
        }
        assertThat(stat).as("pid %d was never reaped (a zombie)", pid).doesNotExist();
    }
}
