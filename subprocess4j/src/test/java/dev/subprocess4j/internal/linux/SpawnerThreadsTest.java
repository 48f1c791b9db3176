package dev.subprocess4j.internal.linux;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subprocess4j.Command;
import dev.subprocess4j.Subprocess;
import dev.subprocess4j.TimeoutExpiredException;
import dev.subprocess4j.fixtures.LeakCheckExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code killOnParentExit} children are made by the library's spawner threads; a command's timeout
 * counts from its spawn, so waiting for a spawner thread is not part of it (issue [13]: 377 of
 * 1,000 such commands with a 300 ms timeout timed out, 291 of them before they printed anything,
 * where the same commands without it had none).
 */
@ExtendWith(LeakCheckExtension.class)
@Timeout(300)
class SpawnerThreadsTest {
    private static final int CALLS = 1_000;

    /** How many of {@link #CALLS} concurrent runs on virtual threads timed out; fails on any other outcome. */
    private static int timeouts(Command c) throws Exception {
        AtomicInteger timedOut = new AtomicInteger();
        List<Future<?>> all = new ArrayList<>();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < CALLS; i++) {
                all.add(threads.submit(() -> {
                    try {
                        assertThat(c.run().stdout()).isEqualTo("x\n");
                    } catch (TimeoutExpiredException e) {
                        timedOut.incrementAndGet();
                    }
                    return null;
                }));
            }
            for (Future<?> f : all) {
                f.get();
            }
        }
        return timedOut.get();
    }

    @Test
    void aThousandConcurrentKillOnParentExitRunsDoNotTimeOutWhileQueuedForASpawnerThread() throws Exception {
        Command plain = Subprocess.command("echo", "x").captureOutput().timeout(Duration.ofMillis(300));
        int plainTimeouts = timeouts(plain);
        int withSpawner = timeouts(plain.killOnParentExit());
        System.out.printf("timeouts of %d concurrent runs with 300 ms: plain %d, killOnParentExit %d, spawner threads %d%n",
                CALLS, plainTimeouts, withSpawner, SpawnerThreads.started());
        // Counting the queue made 377 of 1,000 time out (issue [13]). The machine's own load times
        // out some of either, and not evenly: a CI run had 41 here against at most 2 plain, so the
        // bound is a tenth of the calls, or twice the plain count when the machine is slower still.
        assertThat(withSpawner).isLessThanOrEqualTo(Math.max(CALLS / 10, 2 * plainTimeouts));
    }
}
