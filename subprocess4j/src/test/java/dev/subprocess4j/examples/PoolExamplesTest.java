package dev.subprocess4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subprocess4j.Command;
import dev.subprocess4j.CompletedProcess;
import dev.subprocess4j.ProcessPool;
import dev.subprocess4j.ResourceUsage;
import dev.subprocess4j.Subprocess;
import dev.subprocess4j.fixtures.LeakCheckExtension;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** docs/guide.md: process pools, and what a spawn costs. */
@ExtendWith(LeakCheckExtension.class)
@Timeout(30)
class PoolExamplesTest {

    @Test
    void aProcessPoolRunsAtMostNChildren() throws Exception {
        // tag::pool[]
        List<Command> jobs = IntStream.rangeClosed(1, 6)
                .mapToObj(i -> Subprocess.command("sh", "-c", "sleep 0.2; echo job " + i).captureOutput())
                .toList();

        long start = System.nanoTime();
        try (ProcessPool pool = ProcessPool.withMaxConcurrency(3)) {
            List<CompletableFuture<CompletedProcess>> results = pool.invokeAll(jobs); // waits; in order
            assertThat(results).extracting(f -> f.join().stdout())
                    .containsExactly("job 1\n", "job 2\n", "job 3\n", "job 4\n", "job 5\n", "job 6\n");
        }
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThan(Duration.ofMillis(400)); // 2 rounds of 3

        // The same with a thread pool: each running child holds a platform thread in run().
        try (ExecutorService threads = Executors.newFixedThreadPool(3)) {
            List<Callable<CompletedProcess>> tasks = jobs.stream().<Callable<CompletedProcess>>map(c -> c::run).toList();
            List<Future<CompletedProcess>> results = threads.invokeAll(tasks);
            assertThat(results).extracting(f -> f.get().stdout()).contains("job 1\n", "job 6\n");
        }
        // end::pool[]
    }

    @Test
    void whatAChildCostAndUsed() {
        // tag::overhead[]
        CompletedProcess r = Subprocess.command("/bin/true").run();
        assertThat(r.elapsed()).isPositive();             // from just before the spawn to the reap
        ResourceUsage usage = r.usage().orElseThrow();    // the child's rusage (linux-native)
        assertThat(usage.minorFaults()).isPositive();
        assertThat(usage.maxRssBytes()).isEmpty();      // its own peak, below the JVM's: unknown
        assertThat(usage.userCpu().plus(usage.systemCpu())).isLessThan(Duration.ofSeconds(1));
        // end::overhead[]
    }
}
