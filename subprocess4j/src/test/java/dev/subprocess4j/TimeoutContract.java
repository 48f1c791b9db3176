package dev.subprocess4j;

import static dev.subprocess4j.fixtures.ContractSupport.assertGone;
import static dev.subprocess4j.fixtures.ContractSupport.awaitGone;
import static dev.subprocess4j.fixtures.ContractSupport.awaitFile;
import static dev.subprocess4j.fixtures.ContractSupport.killStray;
import static dev.subprocess4j.fixtures.ContractSupport.since;
import static dev.subprocess4j.fixtures.ContractSupport.thrown;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.subprocess4j.fixtures.ContractSupport;
import dev.subprocess4j.internal.Backend;
import dev.subprocess4j.internal.lifecycle.DrainGrace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Deadlines: {@code Command.timeout} kills the child (with {@code run()} and after
 * {@code start()}), {@code killSignal}/{@code killGrace} escalate, and the per-call timeouts of
 * {@code waitFor}/{@code communicate} only stop waiting.
 */
@EveryBackend
public class TimeoutContract extends BackendContract {
    private static final Duration SHORT = Duration.ofMillis(300);
    /**
     * For scripts that must get past their first lines (a trap, an echo) before the deadline: a
     * loaded CI machine can take more than {@link #SHORT} to start a shell.
     */
    private static final Duration SETTLED = Duration.ofSeconds(1);

    @TempDir
    Path dir;

    @Test
    void runKillsTheChildAtTheTimeoutAndRaisesWithPythonsMessage() {
        long start = System.nanoTime();
        TimeoutExpiredException e = thrown(TimeoutExpiredException.class,
                () -> cmd("sleep", "10").timeout(SHORT).check().run());

        assertThat(e).hasMessage("Command sleep 10 timed out after 0.3 seconds");
        assertThat(e.command()).containsExactly("sleep", "10");
        assertThat(e.timeout()).isEqualTo(SHORT);
        assertThat(e.stdoutBytes()).as("stdout was not captured").isNull();
        assertThat(e.stderrBytes()).as("stderr was not captured").isNull();
        assertThat(e.stdout()).isNull();
        assertThat(e.stderr()).isNull();
        assertThat(since(start)).as("run() returns at the deadline, not when sleep 10 ends").isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void timeoutKeepsThePartialOutputOfBothStreamsAndTheChildIsGone() {
        TimeoutExpiredException e = thrown(TimeoutExpiredException.class,
                () -> sh("echo $$; printf 'half a line' >&2; exec sleep 10").captureOutput().timeout(SETTLED).run());

        long pid = Long.parseLong(e.stdout().strip());
        assertThat(e.stdoutBytes()).isEqualTo((pid + "\n").getBytes(UTF_8));
        assertThat(e.stderr()).isEqualTo("half a line");
        assertThat(e.stderrBytes()).isEqualTo("half a line".getBytes(UTF_8));
        assertGone(pid);
    }

    @Test
    void partialOutputIsNullWhenTheChildWroteNothing() {
        TimeoutExpiredException e = thrown(TimeoutExpiredException.class,
                () -> cmd("sleep", "10").captureOutput().timeout(SHORT).run());

        assertThat(e.stdoutBytes()).isNull();
        assertThat(e.stderrBytes()).isNull();
        assertThat(e.stdout()).isNull();
        assertThat(e.stderr()).isNull();
    }

    @Test
    void aZeroTimeoutKillsAtOnce() {
        TimeoutExpiredException e = thrown(TimeoutExpiredException.class,
                () -> cmd("sleep", "10").timeout(Duration.ZERO).run());

        assertThat(e).hasMessage("Command sleep 10 timed out after 0.0 seconds");
    }

    @Test
    void theTimeoutAlsoKillsAChildStartedWithStart() {
        long start = System.nanoTime();
        try (Popen p = cmd("sleep", "30").timeout(SHORT).start()) {
            assertThat(p.waitFor()).as("-9: the library sent SIGKILL").isEqualTo(-9);
            assertThat(p.returnCode()).isEqualTo(OptionalInt.of(-9));
            assertThat(since(start)).isLessThan(Duration.ofSeconds(5));
            assertGone(p.pid());
        }
    }

    @Test
    void killSignalIsSentFirstAndAChildThatExitsOnItStillTimesOut() throws Exception {
        Path marker = dir.resolve("got-term");
        // wait (not a foreground sleep) so that the trap runs as soon as TERM arrives
        Command trapsTerm = cmd("/bin/sh", "-c",
                "trap 'echo term > \"$1\"; kill $!; exit 7' TERM; sleep 30 & wait", "sh", marker.toString())
                .timeout(SETTLED).killSignal(Signal.SIGTERM).killGrace(Duration.ofSeconds(20));

        long start = System.nanoTime();
        TimeoutExpiredException e = thrown(TimeoutExpiredException.class, trapsTerm::run);

        assertThat(e.timeout()).isEqualTo(SETTLED);
        assertThat(Files.readString(marker)).isEqualTo("term\n");
        assertThat(since(start)).as("the child exited on TERM: no wait for the 20 s grace").isLessThan(Duration.ofSeconds(10));
    }

    @Test
    void aChildThatExitsOnTheKillSignalKeepsItsOwnExitStatus() throws Exception {
        Path marker = dir.resolve("got-term");
        Command trapsTerm = cmd("/bin/sh", "-c",
                "trap 'echo term > \"$1\"; kill $!; exit 7' TERM; sleep 30 & wait", "sh", marker.toString())
                .timeout(SETTLED).killSignal(Signal.SIGTERM).killGrace(Duration.ofSeconds(20));

        try (Popen p = trapsTerm.start()) {
            assertThat(p.waitFor()).isEqualTo(7);
        }
        assertThat(Files.readString(marker)).isEqualTo("term\n");
    }

    @Test
    void aChildThatIgnoresTheKillSignalGetsSigkillAfterTheGrace() {
        Duration grace = Duration.ofMillis(700);
        // an ignored signal stays ignored across exec: sleep ignores TERM too
        Command ignoresTerm = sh("trap '' TERM; exec sleep 30")
                .timeout(SETTLED).killSignal(Signal.SIGTERM).killGrace(grace);

        long start = System.nanoTime();
        try (Popen p = ignoresTerm.start()) {
            assertThat(p.waitFor()).as("SIGKILL after the grace").isEqualTo(-9);
            assertThat(since(start)).isGreaterThanOrEqualTo(SETTLED.plus(grace)).isLessThan(Duration.ofSeconds(10));
            assertGone(p.pid());
        }

        start = System.nanoTime();
        assertThatThrownBy(ignoresTerm::run).isInstanceOf(TimeoutExpiredException.class);
        assertThat(since(start)).isGreaterThanOrEqualTo(SETTLED.plus(grace)).isLessThan(Duration.ofSeconds(10));
    }

    @Test
    void waitForWithATimeoutOnlyStopsWaitingAndCanBeRepeated() throws Exception {
        try (Popen p = cmd("cat").stdin(Redirect.PIPE).start()) {
            long start = System.nanoTime();
            TimeoutExpiredException e = thrown(TimeoutExpiredException.class, () -> p.waitFor(Duration.ofMillis(100)));
            assertThat(since(start)).isGreaterThanOrEqualTo(Duration.ofMillis(100));
            assertThat(e).hasMessage("Command cat timed out after 0.1 seconds");
            assertThat(e.command()).containsExactly("cat");
            assertThat(e.timeout()).isEqualTo(Duration.ofMillis(100));
            assertThat(p.poll()).as("the child keeps running").isEmpty();
            assertThat(p.toHandle().isAlive()).isTrue();

            assertThatThrownBy(() -> p.waitFor(Duration.ofMillis(50))).isInstanceOf(TimeoutExpiredException.class);
            assertThat(p.poll()).isEmpty();

            p.stdin().close();
            assertThat(p.waitFor(Duration.ofSeconds(20))).isZero();
        }
    }

    @Test
    void waitForAcceptsAnEffectivelyInfiniteTimeout() {
        try (Popen p = sh("exit 4").start()) {
            assertThat(p.waitFor(ChronoUnit.FOREVER.getDuration())).isEqualTo(4);
        }
        try (Popen p = sh("echo hi").stdout(Redirect.PIPE).start()) {
            assertThat(p.communicate((byte[]) null, ChronoUnit.FOREVER.getDuration()).stdout()).isEqualTo("hi\n");
        }
        assertThat(sh("echo ok").captureOutput().timeout(ChronoUnit.FOREVER.getDuration()).run().stdout())
                .isEqualTo("ok\n");
    }

    @Test
    void aNegativeWaitTimeoutIsRejected() {
        try (Popen p = cmd("true").start()) {
            assertThatThrownBy(() -> p.waitFor(Duration.ofMillis(-1)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PT-0.001S");
            assertThatThrownBy(() -> p.communicate((byte[]) null, Duration.ofMillis(-1)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PT-0.001S");
        }
    }

    @Test
    void communicateTimeoutKeepsPartialOutputAndTheNextCallReturnsAllOutputFromTheStart() throws Exception {
        Path ready = dir.resolve("ready");
        Command twoHalves = cmd("/bin/sh", "-c",
                "echo first; echo err1 >&2; echo > \"$1\"; sleep 1; echo second; echo err2 >&2; exit 3",
                "sh", ready.toString())
                .stdout(Redirect.PIPE).stderr(Redirect.PIPE);

        try (Popen p = twoHalves.start()) {
            awaitFile(ready, Duration.ofSeconds(20)); // the first half is in the pipes
            TimeoutExpiredException e = thrown(TimeoutExpiredException.class,
                    () -> p.communicate((byte[]) null, Duration.ofMillis(200)));
            assertThat(e.command()).isEqualTo(twoHalves.argv());
            assertThat(e.timeout()).isEqualTo(Duration.ofMillis(200));
            assertThat(e.stdout()).isEqualTo("first\n");
            assertThat(e.stderr()).isEqualTo("err1\n");
            assertThat(p.poll()).as("the child keeps running").isEmpty();

            assertThatThrownBy(() -> p.communicate("late".getBytes(UTF_8), Duration.ofSeconds(20)))
                    .isInstanceOf(IllegalStateException.class);

            CompletedProcess r = p.communicate((byte[]) null, Duration.ofSeconds(20));
            assertThat(r.returnCode()).isEqualTo(3);
            assertThat(r.stdout()).as("nothing lost, nothing twice").isEqualTo("first\nsecond\n");
            assertThat(r.stderr()).isEqualTo("err1\nerr2\n");
        }
    }

    @Test
    void aGrandchildHoldingThePipesDoesNotKeepRunFromReturning() throws Exception {
        Path pidFile = dir.resolve("grandchild.pid");
        Command leavesGrandchild = cmd("/bin/sh", "-c",
                "sleep 30 & echo $! > \"$1\"; echo started; exec sleep 30", "sh", pidFile.toString())
                .captureOutput().timeout(SETTLED);
        try {
            long start = System.nanoTime();
            TimeoutExpiredException e = thrown(TimeoutExpiredException.class, leavesGrandchild::run);
            assertThat(since(start)).as("returns within the drain grace after the timeout, not the grandchild's 30 s")
                    .isLessThan(bound(SETTLED));
            assertThat(e.stdout()).isEqualTo("started\n");
            assertThat(ProcessHandle.of(Long.parseLong(Files.readString(pidFile).strip())))
                    .as("the grandchild is not the library's to kill (no group kill asked)")
                    .hasValueSatisfying(h -> assertThat(h.isAlive()).isTrue());
        } finally {
            killStray(pidFile);
        }
    }

    // ---- a timeout bounds the call, also when the child exits first and a descendant keeps its pipes

    /** The most a call with a timeout may take: the deadline, the drain grace, and slack for a shared CPU. */
    private static Duration bound(Duration timeout) {
        return timeout.plus(DrainGrace.DURATION).plus(Duration.ofSeconds(2));
    }

    /**
     * {@code sh -c} that starts a grandchild ({@code sleep}, holding the pipes), writes its pid to
     * {@code $1}, says "started" and exits 0 at once: the child is gone long before the deadline.
     */
    private Command exitsLeavingAGrandchild(Path pidFile) {
        return cmd("/bin/sh", "-c", "sleep 8 & echo $! > \"$1\"; echo started; exit 0", "sh", pidFile.toString());
    }

    /**
     * Runs {@code call} (a run, or a future's get) and asserts that it ended within the bound with
     * {@link TimeoutExpiredException} holding {@code stdout}. The one other outcome allowed is the
     * JDK backend's: the JDK reads what is left in a child's pipes when it reaps it and closes them,
     * unless a read is under way at that moment, so there the call may instead end at the child's
     * exit, before the deadline (docs/semantics.md).
     */
    private void assertEndsAsATimeoutWithin(Duration timeout, String stdout, java.util.concurrent.Callable<?> call) {
        long start = System.nanoTime();
        Throwable t = catchThrowable(call::call);
        assertThat(since(start)).as("the deadline + the drain grace, not the grandchild's 8 s").isLessThan(bound(timeout));
        if (t instanceof ExecutionException) {
            t = t.getCause();
        }
        if (t == null && backend().name().equals("jdk")) {
            return;
        }
        assertThat(t).isInstanceOf(TimeoutExpiredException.class);
        TimeoutExpiredException e = (TimeoutExpiredException) t;
        assertThat(e.timeout()).isEqualTo(timeout);
        assertThat(e.stdout()).as("everything read until then").isEqualTo(stdout);
        assertThat(e.stderrBytes()).isNull();
    }

    @Test
    void runRaisesAtTheDeadlineWhenTheChildExitedFirstAndAGrandchildHoldsThePipes() throws Exception {
        Path pidFile = dir.resolve("grandchild.pid");
        try {
            assertEndsAsATimeoutWithin(SETTLED, "started\n", () -> exitsLeavingAGrandchild(pidFile).captureOutput().timeout(SETTLED).run());
            assertThat(ProcessHandle.of(Long.parseLong(awaitFile(pidFile, Duration.ofSeconds(5)).strip())))
                    .as("as Python's run(): only the child is the library's to kill, not a grandchild outside its group")
                    .hasValueSatisfying(h -> assertThat(h.isAlive()).isTrue());
        } finally {
            killStray(pidFile);
        }
    }

    @Test
    void runAsyncFailsAtTheDeadlineWhenTheChildExitedFirstAndAGrandchildHoldsThePipes() throws Exception {
        Path pidFile = dir.resolve("grandchild.pid");
        try {
            assertEndsAsATimeoutWithin(SETTLED, "started\n",
                    () -> exitsLeavingAGrandchild(pidFile).captureOutput().timeout(SETTLED).runAsync().get(30, TimeUnit.SECONDS));
        } finally {
            killStray(pidFile);
        }
    }

    @Test
    void aToOrLinesRedirectHeldByAGrandchildEndsAtTheDeadlineToo() throws Exception {
        Path pidFile = dir.resolve("grandchild.pid");
        List<String> lines = new CopyOnWriteArrayList<>();
        try {
            assertEndsAsATimeoutWithin(SETTLED, null,
                    () -> exitsLeavingAGrandchild(pidFile).stdout(Redirect.lines(lines::add)).timeout(SETTLED).run());
            assertThat(lines).containsExactly("started");
        } finally {
            killStray(pidFile);
        }
    }

    @Test
    void communicateWithATimeoutReturnsAtItsTimeoutWhenTheChildExitedFirst() throws Exception {
        Path pidFile = dir.resolve("grandchild.pid");
        try (Popen p = exitsLeavingAGrandchild(pidFile).stdin(Redirect.PIPE).stdout(Redirect.PIPE).start()) {
            // The jdk backend may end it early, at the child's exit (docs/semantics.md: the JDK drains
            // and closes a pipe when it reaps the child, unless a read is under way then).
            assertEndsAsATimeoutWithin(SETTLED, "started\n", () -> p.communicate("ignored".getBytes(UTF_8), SETTLED));
            assertThat(p.waitFor()).as("the child itself had exited").isZero();
        } finally {
            killStray(pidFile);
        }
    }

    @Test
    void aPipelineWhoseLastStageExitedFirstRaisesAtTheDeadline() throws Exception {
        Path pidFile = dir.resolve("grandchild.pid");
        try {
            assertEndsAsATimeoutWithin(SETTLED, "started\n", () -> Subprocess.pipeline(cmd("true"), exitsLeavingAGrandchild(pidFile))
                    .stdout(Redirect.PIPE).timeout(SETTLED).run());
        } finally {
            killStray(pidFile);
        }
    }

    @Test
    void aPoolJobWhoseChildExitedFirstFailsAtTheDeadline() throws Exception {
        Path pidFile = dir.resolve("grandchild.pid");
        try (ProcessPool pool = ProcessPool.withMaxConcurrency(2)) {
            assertEndsAsATimeoutWithin(SETTLED, "started\n",
                    () -> pool.submit(exitsLeavingAGrandchild(pidFile).captureOutput().timeout(SETTLED)).get(30, TimeUnit.SECONDS));
        } finally {
            killStray(pidFile);
        }
    }

    @Test
    void withItsOwnGroupTheGrandchildThatKeptThePipesIsKilledAtTheDeadline() throws Exception {
        Path pidFile = dir.resolve("grandchild.pid");
        Command own = exitsLeavingAGrandchild(pidFile).processGroup(0).captureOutput().timeout(SETTLED);
        if (!supports(Backend.Feature.PROCESS_GROUPS)) {
            assertThatThrownBy(own::run).isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("processGroup");
            return;
        }
        try {
            long start = System.nanoTime();
            TimeoutExpiredException e = thrown(TimeoutExpiredException.class, own::run);
            assertThat(since(start)).isLessThan(bound(SETTLED));
            assertThat(e.stdout()).isEqualTo("started\n");
            awaitGone(Long.parseLong(Files.readString(pidFile).strip()), Duration.ofSeconds(10));
        } finally {
            killStray(pidFile);
        }
    }

    @Test
    void aChildWhosePipesEndBeforeTheDeadlineIsNotATimeout() {
        // the grandchild does not hold the pipes: they end with the child, before the deadline
        CompletedProcess r = sh("sleep 5 >/dev/null 2>&1 & echo $!; exit 0").captureOutput().timeout(SETTLED).run();
        assertThat(r.returnCode()).isZero();
        ProcessHandle.of(Long.parseLong(r.stdout().strip())).ifPresent(ProcessHandle::destroyForcibly);
    }

    // ---- killGroupOnTimeout is never a silent no-op

    @Test
    void killGroupOnTimeoutWithoutAGroupOfItsOwnIsRejectedNamingTheConflict() {
        Command groupKill = cmd("sleep", "10").timeout(SHORT).killGroupOnTimeout(true);
        for (var attempt : List.<Runnable>of(groupKill::run, () -> groupKill.start().close(),
                () -> groupKill.runAsync().join())) {
            Throwable t = catchThrowable(attempt::run);
            if (t instanceof java.util.concurrent.CompletionException) {
                t = t.getCause();
            }
            assertThat(t).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("killGroupOnTimeout(true)")
                    .hasMessageContaining("startNewSession()")
                    .hasMessageContaining("processGroup(0)");
        }
        assertThat(ProcessHandle.current().children().count()).as("nothing was started").isZero();
    }

    @Test
    void killGroupOnTimeoutNeedsTheKillGroupFeature() throws Exception {
        Command groupKill = cmd("sleep", "10").timeout(SHORT).processGroup(0).killGroupOnTimeout(true);
        if (!supports(Backend.Feature.KILL_GROUP)) {
            for (var attempt : List.<Runnable>of(groupKill::run, () -> groupKill.start().close())) {
                assertThatThrownBy(attempt::run)
                        .isInstanceOf(UnsupportedOperationException.class)
                        .as("the group it needs is refused first")
                        .hasMessageContaining("processGroup(0)")
                        .hasMessageContaining(backend().name());
            }
            return;
        }
        Path pidFile = dir.resolve("grandchild.pid");
        Command leavesGrandchild = cmd("/bin/sh", "-c",
                "sleep 30 & echo $! > \"$1\"; echo started; exec sleep 30", "sh", pidFile.toString())
                .processGroup(0).killGroupOnTimeout(true).captureOutput().timeout(SETTLED);
        try {
            TimeoutExpiredException e = thrown(TimeoutExpiredException.class, leavesGrandchild::run);
            assertThat(e.stdout()).isEqualTo("started\n");
            awaitGone(Long.parseLong(Files.readString(pidFile).strip()), Duration.ofSeconds(10));
        } finally {
            killStray(pidFile);
        }
    }
}
