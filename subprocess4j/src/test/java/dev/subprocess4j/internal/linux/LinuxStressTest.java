package dev.subprocess4j.internal.linux;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subprocess4j.BackendContract;
import dev.subprocess4j.CompletedProcess;
import dev.subprocess4j.Popen;
import dev.subprocess4j.TimeoutExpiredException;
import dev.subprocess4j.internal.Backend;
import dev.subprocess4j.internal.BackendSelector;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Races of the native backend, looped: a timeout against an exit, a kill against a wait, two
 * waiters and a killer, communicate against a timeout. The seed is printed; replay with
 * {@code -Dsubprocess4j.seed=N}.
 */
@Tag("stress")
class LinuxStressTest extends BackendContract {
    static final long SEED = Long.getLong("subprocess4j.seed", System.nanoTime());

    @Override
    protected Backend backend() {
        return BackendSelector.byName("linux-native");
    }

    @Test
    @Timeout(120)
    void spawnTimeoutKillAndWaitRacesAlwaysEndWithOneConsistentResult() throws Exception {
        System.out.println("LinuxStressTest seed " + SEED);
        Random random = new Random(SEED);
        try (ExecutorService pool = Executors.newFixedThreadPool(3)) {
            for (int i = 0; i < 300; i++) {
                int kind = random.nextInt(4);
                long delayMicros = random.nextInt(3000);
                String seedNote = "seed " + SEED + ", iteration " + i + ", kind " + kind;
                switch (kind) {
                    case 0 -> { // timeout racing a child that exits at about the same time
                        try {
                            CompletedProcess r = cmd("sleep", "0.00" + (1 + random.nextInt(9)))
                                    .timeout(Duration.ofNanos(delayMicros * 1000 + 1_000_000)).run();
                            assertThat(r.returnCode()).as(seedNote).isZero();
                        } catch (TimeoutExpiredException expected) {
                            // the deadline won
                        }
                    }
                    case 1 -> { // two waiters and a killer
                        try (Popen p = cmd("sleep", "5").start()) {
                            Future<Integer> w1 = pool.submit(() -> p.waitFor());
                            Future<Integer> w2 = pool.submit(() -> p.waitFor());
                            Thread.sleep(0, (int) Math.min(999_999, delayMicros * 100));
                            pool.submit(p::kill).get();
                            assertThat(w1.get()).as(seedNote).isEqualTo(-9);
                            assertThat(w2.get()).as(seedNote).isEqualTo(-9);
                        }
                    }
                    case 2 -> { // communicate with output against a timeout
                        try {
                            sh("head -c 200000 /dev/zero; exec sleep 5").captureOutput()
                                    .timeout(Duration.ofNanos(delayMicros * 10_000 + 5_000_000)).run();
                            throw new AssertionError("sleep 5 cannot finish first: " + seedNote);
                        } catch (TimeoutExpiredException e) {
                            if (e.stdoutBytes() != null) {
                                assertThat(e.stdoutBytes().length).as(seedNote).isLessThanOrEqualTo(200000);
                            }
                        }
                    }
                    default -> { // an async watcher, a poller and a terminate racing the exit
                        Popen p = cmd("sleep", "0.001").start();
                        CompletableFuture<CompletedProcess> exit = p.onExit();
                        Thread.sleep(0, (int) Math.min(999_999, delayMicros * 300));
                        p.terminate();
                        int rc = p.waitFor();
                        assertThat(rc).as(seedNote).isIn(0, -15);
                        assertThat(exit.get().returnCode()).as(seedNote).isEqualTo(rc);
                        assertThat(p.poll()).as(seedNote).hasValue(rc);
                        p.close();
                    }
                }
            }
        }
    }

    @Test
    @Timeout(120)
    void manyVirtualThreadsSpawnAndCaptureConcurrently() throws Exception {
        List<Future<String>> results = new ArrayList<>();
        try (ExecutorService vts = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 400; i++) {
                String word = "w" + i;
                results.add(vts.submit(() -> cmd("echo", word).captureOutput().run().stdout()));
            }
            for (int i = 0; i < results.size(); i++) {
                assertThat(results.get(i).get()).isEqualTo("w" + i + "\n");
            }
        }
    }
}
