package dev.subprocess4j.internal.linux;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subprocess4j.CompletedProcess;
import dev.subprocess4j.fixtures.LeakCheckExtension;
import dev.subprocess4j.Subprocess;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The clone's child stack is kept for the next spawns (issue [17]: per-call cost): a spawn maps no
 * new stack while an idle one is kept, so a run of spawns maps a bounded number of stacks instead
 * of one each (an mmap, page faults and an munmap with its TLB shoot-down per call). Children still
 * run right when spawns overlap and share the kept stacks.
 */
@ExtendWith(LeakCheckExtension.class)
@Timeout(120)
class ChildStackPoolTest {

    @Test
    void oneThreadsSpawnsReuseOneStack() {
        assertThat(Subprocess.run("/bin/true").returnCode()).isZero(); // the library is loaded, the probe done
        long before = ChildSetupSpawner.library().stacksMapped();
        assertThat(before).as("stacks mapped so far: the spawns take the library's clone, not posix_spawn").isPositive();
        for (int i = 0; i < 200; i++) {
            assertThat(Subprocess.run("/bin/true").returnCode()).isZero();
            CompletedProcess r = Subprocess.command("/bin/echo", "test " + i).captureOutput().run();
            assertThat(r.stdout()).isEqualTo("test " + i + "\n");
        }
        assertThat(ChildSetupSpawner.library().stacksMapped() - before)
                .as("child stacks mapped for 400 spawns, one after the other").isLessThanOrEqualTo(1);
    }

    @Test
    void overlappingSpawnsShareABoundedNumberOfStacks() throws Exception {
        assertThat(Subprocess.run("/bin/true").returnCode()).isZero();
        long before = ChildSetupSpawner.library().stacksMapped();
        assertThat(before).as("stacks mapped so far: the spawns take the library's clone, not posix_spawn").isPositive();
        int threads = 8;
        int calls = 60;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int id = t;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < calls; i++) {
                        String word = id + "-" + i;
                        CompletedProcess r = Subprocess.command("/bin/echo", word).captureOutput().run();
                        assertThat(r.stdout()).isEqualTo(word + "\n");
                        assertThat(r.returnCode()).isZero();
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        // 8 spawning threads need at most 8 stacks at once; a take that races a return may map one
        // more now and then (and a return to the full pool unmaps it), far below one per spawn.
        assertThat(ChildSetupSpawner.library().stacksMapped() - before)
                .as("child stacks mapped for %d spawns on %d threads", threads * calls, threads)
                .isLessThanOrEqualTo(threads * calls / 4);
    }
}
