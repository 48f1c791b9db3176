package dev.subprocess4j.internal.linux;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subprocess4j.BackendContract;
import dev.subprocess4j.CalledProcessException;
import dev.subprocess4j.Command;
import dev.subprocess4j.CompletedProcess;
import dev.subprocess4j.Pipeline;
import dev.subprocess4j.PipelineResult;
import dev.subprocess4j.ProcessPool;
import dev.subprocess4j.Redirect;
import dev.subprocess4j.SpawnException;
import dev.subprocess4j.Subprocess;
import dev.subprocess4j.TimeoutExpiredException;
import dev.subprocess4j.fixtures.ContractSupport;
import dev.subprocess4j.internal.Backend;
import dev.subprocess4j.internal.BackendSelector;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Races of pools and pipelines on the native backend, looped: completions against submissions,
 * shutdownNow and cancellations against starts, pipeline timeouts against exits, and a 10,000-job
 * run with the platform thread count sampled. The seed is printed; replay with
 * {@code -Dsubprocess4j.seed=N}.
 */
@Tag("stress")
class LinuxPoolPipelineStressTest extends BackendContract {
    static final long SEED = Long.getLong("subprocess4j.seed", System.nanoTime());

    @Override
    protected Backend backend() {
        return BackendSelector.byName("linux-native");
    }

    private Command randomJob(Random random) {
        return switch (random.nextInt(7)) {
            case 0 -> cmd("true");
            case 1 -> cmd("false");
            case 2 -> cmd("sleep", "0.00" + (1 + random.nextInt(9)));
            case 3 -> cmd("sleep", "0.01").timeout(Duration.ofNanos(1_000_000 + random.nextInt(15_000_000)));
            case 4 -> cmd("no-such-program-subprocess4j");
            case 5 -> sh("echo out; echo err >&2; exit 2").captureOutput().check();
            default -> cmd("cat").input("x".repeat(random.nextInt(100_000))).stdout(Redirect.PIPE);
        };
    }

    @Test
    @Timeout(300)
    void poolSubmissionsCompletionsCancellationsAndShutdownsRaceToAConsistentEnd() throws Exception {
        System.out.println("LinuxPoolPipelineStressTest seed " + SEED);
        Random random = new Random(SEED);
        for (int i = 0; i < 300; i++) {
            String note = "seed " + SEED + ", iteration " + i;
            int limit = 1 + random.nextInt(4);
            ProcessPool pool = ProcessPool.withMaxConcurrency(limit);
            List<Command> commands = new ArrayList<>();
            List<CompletableFuture<CompletedProcess>> futures = new ArrayList<>();
            int jobs = 1 + random.nextInt(8);
            for (int j = 0; j < jobs; j++) {
                Command c = randomJob(random);
                commands.add(c);
                futures.add(pool.submit(c));
                assertThat(pool.active()).as(note).isLessThanOrEqualTo(limit);
            }
            int ending = random.nextInt(3);
            List<Command> never = List.of();
            if (ending == 0) {
                Thread.sleep(0, random.nextInt(999_999));
                never = pool.shutdownNow();
            } else if (ending == 1) {
                futures.get(random.nextInt(jobs)).cancel(false);
            }
            pool.close();
            assertThat(pool.active()).as(note).isZero();
            assertThat(pool.queued()).as(note).isZero();
            Set<Command> cancelledCommands = new HashSet<>();
            for (int j = 0; j < jobs; j++) {
                CompletableFuture<CompletedProcess> f = futures.get(j);
                assertThat(f.isDone()).as(note + ": job " + j + " done after close()").isTrue();
                try {
                    CompletedProcess r = f.join();
                    assertThat(r.args()).as(note).isEqualTo(commands.get(j).argv());
                } catch (CancellationException e) {
                    cancelledCommands.add(commands.get(j));
                } catch (CompletionException e) {
                    assertThat(e.getCause()).as(note).isInstanceOfAny(SpawnException.class, CalledProcessException.class,
                            TimeoutExpiredException.class);
                }
            }
            assertThat(cancelledCommands).as(note).containsAll(never);
        }
    }

    @Test
    @Timeout(300)
    void pipelineTimeoutsExitsAndSigpipesRaceToOneConsistentResult() {
        Random random = new Random(SEED + 1);
        for (int i = 0; i < 200; i++) {
            String note = "seed " + SEED + ", iteration " + i;
            int stages = 2 + random.nextInt(4);
            Command[] chain = new Command[stages];
            for (int s = 0; s < stages; s++) {
                chain[s] = switch (random.nextInt(5)) {
                    case 0 -> cmd("yes");
                    case 1 -> cmd("head", "-n", Integer.toString(random.nextInt(3)));
                    case 2 -> cmd("sleep", "0.00" + (1 + random.nextInt(9)));
                    case 3 -> sh("cat > /dev/null; exit " + random.nextInt(3));
                    default -> cmd("cat");
                };
            }
            // a yes that nothing ends must be ended by the timeout
            Pipeline p = Subprocess.pipeline(chain).stdout(Redirect.PIPE)
                    .timeout(Duration.ofNanos(2_000_000 + random.nextInt(50_000_000)));
            try {
                PipelineResult r = p.run();
                assertThat(r.stages()).as(note).hasSize(stages);
                assertThat(r.returnCode()).as(note).isBetween(-15, 255);
            } catch (TimeoutExpiredException e) {
                assertThat(e.command()).as(note).contains("|");
            }
        }
    }

    @Test
    @Timeout(300)
    void tenThousandJobsThroughAPoolOfSixtyFourOnAFlatThreadCount() throws Exception {
        try (ProcessPool warm = ProcessPool.withMaxConcurrency(64)) {
            warm.invokeAll(java.util.Collections.nCopies(256, cmd("true")));
        }
        int before = ContractSupport.platformThreads();
        int max = before;
        long start = System.nanoTime();
        List<CompletableFuture<CompletedProcess>> futures = new ArrayList<>(10_000);
        try (ProcessPool pool = ProcessPool.withMaxConcurrency(64)) {
            for (int i = 0; i < 10_000; i++) {
                futures.add(pool.submit(cmd("true")));
                if (i % 100 == 0) {
                    max = Math.max(max, ContractSupport.platformThreads());
                }
            }
            while (!futures.stream().allMatch(CompletableFuture::isDone)) {
                max = Math.max(max, ContractSupport.platformThreads());
                Thread.sleep(10);
            }
        }
        Duration wall = ContractSupport.since(start);
        System.out.printf("10,000 /bin/true through ProcessPool(64), linux-native: %d ms, platform threads %d before, %d at most%n",
                wall.toMillis(), before, max);
        assertThat(futures).allSatisfy(f -> assertThat(f.get(1, TimeUnit.SECONDS).returnCode()).isZero());
        assertThat(max - before).as("platform threads added (before: %d)", before).isLessThanOrEqualTo(2);
    }
}
