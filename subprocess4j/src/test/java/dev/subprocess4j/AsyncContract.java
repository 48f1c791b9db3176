package dev.subprocess4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.subprocess4j.fixtures.ContractSupport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Asynchronous runs and streamed output on one backend: {@code runAsync}, {@code onExit},
 * cancellation, and {@code Redirect.lines} ordering, back-pressure and failing consumers.
 */
@EveryBackend
class AsyncContract extends BackendContract {
    private static final String REACTOR = "subprocess4j-reactor";

    @TempDir
    Path dir;

    // ---- runAsync and onExit ------------------------------------------------------------------

    @Test
    @Timeout(30)
    void runAsyncAndOnExitCompleteOffTheReactorThread() throws Exception {
        CompletableFuture<String> async = cmd("sleep", "0.2").runAsync().thenApply(r -> Thread.currentThread().getName());
        String onExit;
        try (Popen p = cmd("sleep", "0.2").start()) {
            onExit = p.onExit().thenApply(r -> Thread.currentThread().getName()).get(10, TimeUnit.SECONDS);
        }
        assertThat(async.get(10, TimeUnit.SECONDS)).isNotEqualTo(REACTOR);
        assertThat(onExit).isNotEqualTo(REACTOR);
    }

    @Test
    @Timeout(60)
    void runAsyncWritesTheInputAndCapturesBothStreamsWithoutDeadlock() throws Exception {
        byte[] input = RunContract.randomBytes(4 << 20, 41);
        CompletedProcess r = sh("cat; head -c 3000000 /dev/zero >&2; exit 6").input(input).captureOutput()
                .runAsync().get(60, TimeUnit.SECONDS);
        assertThat(r.returnCode()).isEqualTo(6);
        assertThat(r.stdoutBytes()).isEqualTo(input);
        assertThat(r.stderrBytes()).hasSize(3000000);
    }

    @Test
    @Timeout(30)
    void runAsyncFailsWithWhatRunWouldThrow() throws Exception {
        assertThat(cause(cmd("no-such-program-subprocess4j").runAsync())).isInstanceOf(SpawnException.class);
        assertThat(cause(sh("exit 5").check().runAsync())).isInstanceOfSatisfying(CalledProcessException.class,
                e -> assertThat(e.returnCode()).isEqualTo(5));
        TimeoutExpiredException t = (TimeoutExpiredException) cause(
                sh("echo part; exec sleep 30").stdout(Redirect.PIPE).timeout(Duration.ofSeconds(1)).runAsync());
        assertThat(t.stdout()).isEqualTo("part\n"); // (1 s: the echo comes first on a loaded machine too)
        assertThat(t.timeout()).isEqualTo(Duration.ofSeconds(1));
    }

    private static Throwable cause(CompletableFuture<?> f) throws Exception {
        try {
            f.get(30, TimeUnit.SECONDS);
            throw new AssertionError("expected a failure");
        } catch (ExecutionException e) {
            return e.getCause();
        }
    }

    @Test
    @Timeout(30)
    void cancellingRunAsyncKillsTheChild() throws Exception {
        Path pid = dir.resolve("pid");
        CompletableFuture<CompletedProcess> run = sh("echo $$ > " + pid + "; exec sleep 30").captureOutput().runAsync();
        long child = Long.parseLong(ContractSupport.awaitFile(pid, Duration.ofSeconds(10)).strip());
        assertThat(run.cancel(true)).isTrue();
        ContractSupport.awaitGone(child, Duration.ofSeconds(10));
    }

    @Test
    @Timeout(30)
    void runAsyncAfterATimeoutCompletesThoughAGrandchildHoldsThePipe() throws Exception {
        Path grandchild = dir.resolve("grandchild");
        try {
            long start = System.nanoTime();
            Throwable t = cause(sh("sleep 30 & echo $! > " + grandchild + "; echo before; exec sleep 30")
                    .stdout(Redirect.PIPE).timeout(Duration.ofSeconds(1)).runAsync()); // "before" first, however loaded
            assertThat(t).isInstanceOfSatisfying(TimeoutExpiredException.class,
                    e -> assertThat(e.stdout()).isEqualTo("before\n"));
            assertThat(ContractSupport.since(start)).isLessThan(Duration.ofSeconds(10));
        } finally {
            ContractSupport.killStray(grandchild);
        }
    }

    // ---- lines --------------------------------------------------------------------------------

    @Test
    @Timeout(60)
    void linesArriveInOrderOneAtATimeAndNeverOnTheReactorThread() {
        List<String> lines = new ArrayList<>();
        AtomicInteger inside = new AtomicInteger();
        AtomicBoolean overlapped = new AtomicBoolean();
        AtomicReference<String> reactorSeen = new AtomicReference<>();
        cmd("seq", "1", "100000").stdout(Redirect.lines(line -> {
            if (inside.incrementAndGet() != 1) {
                overlapped.set(true);
            }
            if (Thread.currentThread().getName().equals(REACTOR)) {
                reactorSeen.set(line);
            }
            lines.add(line);
            inside.decrementAndGet();
        })).run();
        assertThat(overlapped).as("two calls of the consumer at once").isFalse();
        assertThat(reactorSeen.get()).as("a line delivered on the reactor thread").isNull();
        assertThat(lines).hasSize(100000);
        for (int i = 0; i < lines.size(); i++) {
            if (!lines.get(i).equals(Integer.toString(i + 1))) {
                throw new AssertionError("line " + (i + 1) + " is '" + lines.get(i) + "'");
            }
        }
    }

    @Test
    @Timeout(60)
    void aSlowLinesConsumerHoldsTheChildBackThroughThePipe() throws Exception {
        // The child records how far it got; while the consumer is stuck on the first line, it can
        // only be as far ahead as the pipe and one read chunk hold (about 130 lines of 1 KB).
        Path progress = dir.resolve("progress");
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger count = new AtomicInteger();
        CompletableFuture<CompletedProcess> run = sh("i=0; while [ $i -lt 3000 ]; do printf '%01000d\\n' $i; echo $i > "
                + progress + "; i=$((i+1)); done").stdout(Redirect.lines(line -> {
                    if (count.getAndIncrement() == 0) {
                        try {
                            release.await();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                })).runAsync();
        try {
            ContractSupport.awaitFile(progress, Duration.ofSeconds(10));
            Thread.sleep(1000);
            int ahead = Integer.parseInt(Files.readString(progress).strip());
            assertThat(ahead).as("lines the child wrote while the consumer was stuck").isLessThan(600);
        } finally {
            release.countDown();
        }
        assertThat(run.get(30, TimeUnit.SECONDS).returnCode()).isZero();
        assertThat(count.get()).isEqualTo(3000);
    }

    @Test
    @Timeout(120)
    void aHundredMebibytesOfLinesThroughASlowConsumerKeepMemoryBounded() {
        Runtime rt = Runtime.getRuntime();
        System.gc();
        long baseline = rt.totalMemory() - rt.freeMemory();
        AtomicLong lines = new AtomicLong();
        AtomicLong chars = new AtomicLong();
        AtomicLong maxLive = new AtomicLong();
        // 100 MiB of 99-character lines, made by a pipeline (no byte through the JVM until the last stage)
        PipelineResult r = Subprocess.pipeline(cmd("head", "-c", "104857600", "/dev/zero"), cmd("tr", "\\0", "x"),
                        cmd("fold", "-w", "99"))
                .stdout(Redirect.lines(line -> {
                    long n = lines.incrementAndGet();
                    chars.addAndGet(line.length());
                    if (n % 10_000 == 0) {
                        try {
                            Thread.sleep(2); // slow: the child waits for us through the pipe
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                    if (n % 250_000 == 0) {
                        System.gc();
                        maxLive.accumulateAndGet(rt.totalMemory() - rt.freeMemory() - baseline, Math::max);
                    }
                })).check().run();
        assertThat(r.returnCode()).isZero();
        long total = 104857600L;
        assertThat(chars.get()).as("every character").isEqualTo(total);
        assertThat(lines.get()).as("lines of 99 characters, the last one shorter").isEqualTo((total + 98) / 99);
        assertThat(maxLive.get()).as("live heap beyond the baseline while streaming").isLessThan(64L << 20);
    }

    @Test
    @Timeout(60)
    void aLinesConsumerThatThrowsDoesNotBlockTheChildAndFailsTheAsyncRunWithItsException() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        IllegalStateException failed = new IllegalStateException("consumer failed");
        CompletableFuture<CompletedProcess> run = cmd("seq", "1", "400000").stdout(Redirect.lines(line -> {
            calls.incrementAndGet();
            throw failed;
        })).timeout(Duration.ofSeconds(30)).runAsync();
        assertThatThrownBy(() -> run.get(30, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(SubprocessException.class).hasCause(failed);
        assertThat(calls.get()).as("the consumer is not called after it failed").isEqualTo(1);
    }

    @Test
    @Timeout(60)
    void linesAndCaptureMixInOneAsyncRun() throws Exception {
        List<String> err = Collections.synchronizedList(new ArrayList<>());
        CompletedProcess r = sh("seq 1 3 >&2; seq 1 50000").stdout(Redirect.PIPE).stderr(Redirect.lines(err::add))
                .runAsync().get(30, TimeUnit.SECONDS);
        assertThat(err).containsExactly("1", "2", "3");
        assertThat(r.stdout().lines().count()).isEqualTo(50000);
        assertThat(r.stderr()).isNull();
    }

    @Test
    @Timeout(30)
    void onExitOfADroppedPopenStillCompletesAndTheChildIsReaped() throws Exception {
        CompletableFuture<CompletedProcess> exit = cmd("sh", "-c", "exit 9").start().onExit();
        CompletedProcess r = exit.get(10, TimeUnit.SECONDS);
        assertThat(r.returnCode()).isEqualTo(9);
        assertThatThrownBy(() -> ProcessHandle.of(r.pid()).orElseThrow().onExit().get(5, TimeUnit.SECONDS))
                .isInstanceOf(java.util.NoSuchElementException.class);
    }
}
