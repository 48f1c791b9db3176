package dev.subprocess4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.subprocess4j.fixtures.ContractSupport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** ProcessPool on one backend: the limit, ordering, failures per future, close and shutdownNow. */
@EveryBackend
class PoolContract extends BackendContract {
    @TempDir
    Path dir;

    private static Throwable failure(CompletableFuture<?> f) throws InterruptedException, java.util.concurrent.TimeoutException {
        try {
            f.get(30, TimeUnit.SECONDS);
            throw new AssertionError("expected a failure, got " + f.join());
        } catch (ExecutionException e) {
            return e.getCause();
        }
    }

    /** Each job writes its start and end times (ns) to its own files: the children themselves say when they lived. */
    private Command recording(int i, String work) {
        return sh("date +%s%N > " + dir.resolve(i + ".start") + "; " + work + "; date +%s%N > " + dir.resolve(i + ".end"));
    }

    private long readNanos(String name) throws IOException {
        return Long.parseLong(Files.readString(dir.resolve(name)).strip());
    }

    /** The most intervals that overlap at any instant. */
    private static int maxOverlap(List<long[]> intervals) {
        List<long[]> events = new ArrayList<>();
        for (long[] in : intervals) {
            events.add(new long[] {in[0], 1});
            events.add(new long[] {in[1], -1});
        }
        events.sort((a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1])); // ends first
        int now = 0;
        int max = 0;
        for (long[] e : events) {
            now += (int) e[1];
            max = Math.max(max, now);
        }
        return max;
    }

    @Test
    @Timeout(60)
    void neverMoreThanTheLimitAreAliveAtOnce() throws Exception {
        int jobs = 16;
        List<Integer> sampled = new ArrayList<>();
        try (ProcessPool pool = ProcessPool.withMaxConcurrency(3)) {
            List<CompletableFuture<CompletedProcess>> futures = new ArrayList<>();
            for (int i = 0; i < jobs; i++) {
                futures.add(pool.submit(recording(i, "sleep 0.1")));
            }
            while (!futures.stream().allMatch(CompletableFuture::isDone)) {
                sampled.add(pool.active());
                assertThat(pool.queued()).isBetween(0, jobs);
                Thread.sleep(5);
            }
            assertThat(futures).allSatisfy(f -> assertThat(f.join().returnCode()).isZero());
        }
        List<long[]> lives = new ArrayList<>();
        for (int i = 0; i < jobs; i++) {
            lives.add(new long[] {readNanos(i + ".start"), readNanos(i + ".end")});
        }
        assertThat(maxOverlap(lives)).as("children alive at once").isBetween(2, 3);
        assertThat(sampled).allSatisfy(a -> assertThat(a).isBetween(0, 3)).contains(3);
    }

    @Test
    @Timeout(60)
    void invokeAllWaitsAndKeepsTheSubmissionOrder() {
        List<Command> commands = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            // later commands finish first
            commands.add(sh("sleep 0.0" + (8 - i) + "; echo " + i).stdout(Redirect.PIPE));
        }
        try (ProcessPool pool = ProcessPool.withMaxConcurrency(4)) {
            List<CompletableFuture<CompletedProcess>> done = pool.invokeAll(commands);
            assertThat(done).hasSize(8).allSatisfy(f -> assertThat(f).isDone());
            for (int i = 0; i < 8; i++) {
                assertThat(done.get(i).join().stdout()).isEqualTo(i + "\n");
                assertThat(done.get(i).join().args()).isEqualTo(commands.get(i).argv());
            }
            assertThat(pool.active()).isZero();
            assertThat(pool.queued()).isZero();
        }
    }

    @Test
    @Timeout(60)
    void eachFutureFailsOnItsOwn() throws Exception {
        try (ProcessPool pool = ProcessPool.withMaxConcurrency(2)) {
            CompletableFuture<CompletedProcess> ok = pool.submit(cmd("echo", "fine").stdout(Redirect.PIPE));
            CompletableFuture<CompletedProcess> missing = pool.submit(cmd("no-such-program-subprocess4j"));
            CompletableFuture<CompletedProcess> checked = pool.submit(sh("exit 3").check());
            CompletableFuture<CompletedProcess> unchecked = pool.submit(sh("exit 4"));
            CompletableFuture<CompletedProcess> late = pool.submit(cmd("sleep", "30").timeout(Duration.ofMillis(300)));
            CompletableFuture<CompletedProcess> input = pool.submit(cmd("cat").input("fed").stdout(Redirect.PIPE));

            assertThat(ok.get(30, TimeUnit.SECONDS).stdout()).isEqualTo("fine\n");
            assertThat(failure(missing)).isInstanceOfSatisfying(SpawnException.class,
                    e -> assertThat(e.errnoName()).isEqualTo("ENOENT"));
            assertThat(failure(checked)).isInstanceOfSatisfying(CalledProcessException.class,
                    e -> assertThat(e.returnCode()).isEqualTo(3));
            assertThat(unchecked.get(30, TimeUnit.SECONDS).returnCode()).isEqualTo(4);
            assertThat(failure(late)).isInstanceOfSatisfying(TimeoutExpiredException.class,
                    e -> assertThat(e.timeout()).isEqualTo(Duration.ofMillis(300)));
            assertThat(input.get(30, TimeUnit.SECONDS).stdout()).isEqualTo("fed");
        }
    }

    @Test
    @Timeout(60)
    void activeAndQueuedCountWhatRunsAndWhatWaits() throws Exception {
        try (ProcessPool pool = ProcessPool.withMaxConcurrency(1)) {
            List<CompletableFuture<CompletedProcess>> futures = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                futures.add(pool.submit(cmd("sleep", "30"))); // still running when counted, however slow the machine
            }
            assertThat(pool.active()).isEqualTo(1);
            assertThat(pool.queued()).isEqualTo(2);
            assertThat(pool.maxConcurrency()).isEqualTo(1);
            pool.shutdownNow();
            futures.getFirst().exceptionally(killed -> null).get(30, TimeUnit.SECONDS); // ended, not after 30 s
        }
    }

    @Test
    @Timeout(60)
    void closeWaitsForEveryJobAndThenRejectsNewOnes() {
        ProcessPool pool = ProcessPool.withMaxConcurrency(2);
        List<CompletableFuture<CompletedProcess>> futures = new ArrayList<>();
        long start = System.nanoTime();
        for (int i = 0; i < 4; i++) {
            futures.add(pool.submit(cmd("sleep", "0.2")));
        }
        pool.close();
        assertThat(ContractSupport.since(start)).isGreaterThanOrEqualTo(Duration.ofMillis(400));
        assertThat(futures).allSatisfy(f -> assertThat(f.join().returnCode()).isZero());
        assertThatThrownBy(() -> pool.submit(cmd("true"))).isInstanceOf(RejectedExecutionException.class);
        pool.close(); // again: nothing
    }

    @Test
    @Timeout(60)
    void shutdownNowKillsTheRunningCancelsTheQueuedAndReturnsThem() throws Exception {
        ProcessPool pool = ProcessPool.withMaxConcurrency(2);
        List<Command> commands = new ArrayList<>();
        List<CompletableFuture<CompletedProcess>> futures = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            Command c = sh("echo $$ > " + dir.resolve("pid" + i) + "; exec sleep 30");
            commands.add(c);
            futures.add(pool.submit(c));
        }
        ContractSupport.awaitFile(dir.resolve("pid0"), Duration.ofSeconds(10));
        ContractSupport.awaitFile(dir.resolve("pid1"), Duration.ofSeconds(10));
        long start = System.nanoTime();
        List<Command> never = pool.shutdownNow();
        assertThat(never).containsExactlyElementsOf(commands.subList(2, 5));
        for (int i = 0; i < 2; i++) {
            CompletedProcess killed = futures.get(i).get(10, TimeUnit.SECONDS);
            assertThat(killed.returnCode()).isEqualTo(-9);
            ContractSupport.assertGone(killed.pid());
        }
        for (int i = 2; i < 5; i++) {
            CompletableFuture<CompletedProcess> f = futures.get(i);
            assertThat(f).isCancelled();
            assertThatThrownBy(f::join).isInstanceOf(CancellationException.class);
            assertThat(Files.exists(dir.resolve("pid" + i))).as("never started").isFalse();
        }
        assertThat(ContractSupport.since(start)).isLessThan(Duration.ofSeconds(10));
        assertThatThrownBy(() -> pool.submit(cmd("true"))).isInstanceOf(RejectedExecutionException.class);
        pool.close();
        assertThat(pool.active()).isZero();
        assertThat(pool.queued()).isZero();
    }

    @Test
    @Timeout(60)
    void cancellingAFutureDropsAQueuedCommandOrKillsARunningChild() throws Exception {
        try (ProcessPool pool = ProcessPool.withMaxConcurrency(1)) {
            CompletableFuture<CompletedProcess> running = pool.submit(sh("echo $$ > " + dir.resolve("pid") + "; exec sleep 30"));
            CompletableFuture<CompletedProcess> queued = pool.submit(sh("touch " + dir.resolve("ran")));
            CompletableFuture<CompletedProcess> after = pool.submit(cmd("true"));
            long pid = Long.parseLong(ContractSupport.awaitFile(dir.resolve("pid"), Duration.ofSeconds(10)).strip());
            assertThat(queued.cancel(false)).isTrue();
            assertThat(running.cancel(false)).isTrue();
            assertThat(after.get(10, TimeUnit.SECONDS).returnCode()).isZero();
            ContractSupport.awaitGone(pid, Duration.ofSeconds(10));
            assertThat(Files.exists(dir.resolve("ran"))).isFalse();
        }
    }

    @Test
    void theLimitMustBePositive() {
        assertThatThrownBy(() -> ProcessPool.withMaxConcurrency(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("0");
        assertThatThrownBy(() -> ProcessPool.withMaxConcurrency(-3)).isInstanceOf(IllegalArgumentException.class);
    }
}
