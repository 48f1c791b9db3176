package dev.subprocess4j;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subprocess4j.fixtures.ContractSupport;
import dev.subprocess4j.internal.BackendSelector;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The figures of issue [4]: 10,000 {@code /bin/true} through {@code ProcessPool(64)} on the native
 * backend against the same jobs through {@code ProcessBuilder} on a fixed pool of 64 threads, in
 * one run; wall time and the most platform threads seen. Tagged {@code soak}: run it with
 * {@code -Dtest=PoolComparisonSoakTest -Dtest.excludedGroups=}.
 */
@Tag("soak")
class PoolComparisonSoakTest {
    private static final int JOBS = 10_000;

    /** Samples the platform thread count on a thread of its own until stopped; returns the maximum. */
    private static final class Sampler implements AutoCloseable {
        final AtomicBoolean stop = new AtomicBoolean();
        final AtomicInteger max = new AtomicInteger();
        final Thread thread = Thread.ofPlatform().daemon().start(() -> {
            while (!stop.get()) {
                max.accumulateAndGet(ContractSupport.platformThreads() - 1, Math::max); // not counting itself
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });

        @Override
        public void close() throws InterruptedException {
            stop.set(true);
            thread.join();
        }
    }

    @Test
    @Timeout(600)
    void tenThousandJobsThroughTheNativePoolAndThroughProcessBuilderOnSixtyFourThreads() throws Exception {
        Command truth = Subprocess.command("/bin/true").withBackend(BackendSelector.byName("linux-native"));
        try (ProcessPool warm = ProcessPool.withMaxConcurrency(64)) {
            warm.invokeAll(Collections.nCopies(500, truth));
        }
        int before = ContractSupport.platformThreads();
        long start = System.nanoTime();
        int nativeMax;
        try (Sampler sampler = new Sampler(); ProcessPool pool = ProcessPool.withMaxConcurrency(64)) {
            for (int i = 0; i < JOBS; i++) {
                pool.submit(truth);
            }
            pool.close();
            sampler.close();
            nativeMax = sampler.max.get();
        }
        Duration nativeWall = ContractSupport.since(start);

        ProcessBuilder pb = new ProcessBuilder("/bin/true");
        try (ExecutorService warm = Executors.newFixedThreadPool(64)) {
            for (int i = 0; i < 500; i++) {
                warm.submit(() -> pb.start().waitFor());
            }
        }
        int beforeJdk = ContractSupport.platformThreads();
        start = System.nanoTime();
        int jdkMax;
        try (Sampler sampler = new Sampler()) {
            List<Future<Integer>> results = new ArrayList<>(JOBS);
            try (ExecutorService threads = Executors.newFixedThreadPool(64)) {
                for (int i = 0; i < JOBS; i++) {
                    results.add(threads.submit(() -> pb.start().waitFor()));
                }
            }
            sampler.close();
            jdkMax = sampler.max.get();
            for (Future<Integer> f : results) {
                assertThat(f.get()).isZero();
            }
        }
        Duration jdkWall = ContractSupport.since(start);
        System.out.printf("%,d x /bin/true, 64 at a time:%n"
                        + "  ProcessPool(64), linux-native:          %6d ms, platform threads %d before, %d at most%n"
                        + "  ProcessBuilder, fixed pool of 64 threads: %6d ms, platform threads %d before, %d at most%n",
                JOBS, nativeWall.toMillis(), before, nativeMax, jdkWall.toMillis(), beforeJdk, jdkMax);
    }
}
