package dev.subprocess4j.cli.parallel;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The local runner, driven as the scheduler's thread drives it. */
@Timeout(60)
class RunnerTest {
    /**
     * A job that ended while its end still waits in the scheduler's queue is not killed for its
     * timeout, nor reported as timed out: its deadline may pass before the scheduler reads the end.
     */
    @Test
    void aJobWhoseEndWaitsInTheQueueIsNotKilledForItsTimeout() throws Exception {
        BlockingQueue<Runner.Event> events = new LinkedBlockingQueue<>();
        try (Runner.Local runner = new Runner.Local(events, false)) {
            Job job = new Job(0, 1, "true", List.of());
            job.argv = List.of("true");
            runner.start(job, Duration.ofMinutes(1));
            Runner.Event first = events.poll(30, TimeUnit.SECONDS);
            assertThat(first).as("the job's end, handed to the scheduler's thread").isInstanceOf(Runner.Task.class);
            // the deadline passes now, before the scheduler has run the end
            assertThat(runner.killForTimeout(job)).as("killed for its timeout after it ended").isFalse();
            ((Runner.Task) first).run().run();
            Runner.Event second = events.poll(30, TimeUnit.SECONDS);
            assertThat(second).isInstanceOfSatisfying(Runner.Done.class, d -> {
                assertThat(d.failure()).isNull();
                assertThat(d.result().returnCode()).isZero();
            });
        }
    }

    /**
     * With workers, a job's attempt runs on a worker thread, which hands its end to the scheduler
     * around the post: before it every end (a failed one, a failure to start included, is held
     * against any start until settled: --halt and --retries decide first), after it a success
     * (the scheduler starts the next job on that same thread: no other thread between a job's end
     * and the next job's start).
     */
    @Test
    void aWorkerRunsTheJobAndHandsItsEndToTheSchedulerAroundThePost() throws Exception {
        BlockingQueue<Runner.Event> events = new LinkedBlockingQueue<>();
        try (Runner.Local runner = new Runner.Local(events, false, 2)) {
            assertThat(runner.workers()).isTrue();
            List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
            java.util.concurrent.Semaphore hooked = new java.util.concurrent.Semaphore(0);
            runner.onEnd(new Runner.Local.Ends() {
                @Override
                public boolean ending(Job j, boolean exitedZero) {
                    seen.add(Thread.currentThread().getName().replaceAll("\\d+$", "N") + " ending " + j.index + " "
                            + exitedZero + " posted " + !events.isEmpty());
                    if (!exitedZero) {
                        hooked.release();
                    }
                    return exitedZero;
                }

                @Override
                public void ended(Job j, int attempt) {
                    seen.add(Thread.currentThread().getName().replaceAll("\\d+$", "N") + " ended " + j.index
                            + " attempt " + attempt + " posted " + !events.isEmpty());
                    hooked.release();
                }
            });
            Job ok = new Job(0, 1, "echo", List.of());
            ok.argv = List.of("sh", "-c", "echo out; echo err >&2");
            runner.start(ok, null);
            assertThat(hooked.tryAcquire(30, TimeUnit.SECONDS)).isTrue();
            assertThat(events.poll(30, TimeUnit.SECONDS)).isInstanceOfSatisfying(Runner.Done.class, d -> {
                assertThat(d.failure()).isNull();
                assertThat(d.result().returnCode()).isZero();
            });
            assertThat(new String(ok.stdout, java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("out\n");
            assertThat(new String(ok.stderr, java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("err\n");
            Job bad = new Job(1, 2, "exit 3", List.of());
            bad.argv = List.of("sh", "-c", "exit 3");
            runner.start(bad, null);
            assertThat(hooked.tryAcquire(30, TimeUnit.SECONDS)).isTrue();
            assertThat(events.poll(30, TimeUnit.SECONDS)).isInstanceOfSatisfying(Runner.Done.class,
                    d -> assertThat(d.result().returnCode()).isEqualTo(3));
            Job missing = new Job(2, 3, "no-such-program", List.of());
            missing.argv = List.of("no-such-program-subprocess4j");
            runner.start(missing, null);
            assertThat(hooked.tryAcquire(30, TimeUnit.SECONDS)).isTrue();
            assertThat(events.poll(30, TimeUnit.SECONDS)).isInstanceOfSatisfying(Runner.Done.class,
                    d -> assertThat(d.failure()).isInstanceOf(dev.subprocess4j.SpawnException.class));
            assertThat(seen).containsExactly("sp-job-N ending 0 true posted false", "sp-job-N ended 0 attempt 0 posted true",
                    "sp-job-N ending 1 false posted false", "sp-job-N ending 2 false posted false");
        }
        assertThat(new Runner.Local(events(), false, 65).workers())
                .as("beyond the cap, the library's reactor reads every job (SpParallelTest runs -j 65 so)").isFalse();
        assertThat(new Runner.Local(events(), false, 64).workers()).isTrue();
        assertThat(new Runner.Local(events(), true, 2).workers()).as("--line-buffer: the reactor").isFalse();
    }

    private static BlockingQueue<Runner.Event> events() {
        return new LinkedBlockingQueue<>();
    }

    /** After killAll (--halt now, a signal to sp), a job still waiting for a worker is not started. */
    @Test
    void aJobWaitingForAWorkerIsNotStartedOnceTheJobsAreKilled(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        BlockingQueue<Runner.Event> events = new LinkedBlockingQueue<>();
        java.nio.file.Path ran = dir.resolve("ran");
        try (Runner.Local runner = new Runner.Local(events, false, 1)) {
            Job running = new Job(0, 1, "sleep", List.of());
            java.nio.file.Path up = dir.resolve("up");
            running.argv = List.of("sh", "-c", "touch \"$1\"; exec sleep 30", "sh", up.toString());
            Job waiting = new Job(1, 2, "touch", List.of());
            waiting.argv = List.of("touch", ran.toString());
            runner.start(running, null);
            runner.start(waiting, null); // the one worker is busy: it waits
            for (long end = System.nanoTime() + 20_000_000_000L; !java.nio.file.Files.exists(up) && System.nanoTime() < end; ) {
                Thread.sleep(10);
            }
            runner.killAll(Duration.ZERO);
            List<Runner.Done> ends = new java.util.ArrayList<>();
            for (int i = 0; i < 2; i++) {
                ends.add((Runner.Done) events.poll(30, TimeUnit.SECONDS));
            }
            assertThat(ends).extracting(Runner.Done::job).containsExactlyInAnyOrder(running, waiting);
            Runner.Done killed = ends.stream().filter(d -> d.job() == running).findFirst().orElseThrow();
            assertThat(killed.result().returnCode()).isIn(-15, -9);
            Runner.Done notStarted = ends.stream().filter(d -> d.job() == waiting).findFirst().orElseThrow();
            assertThat(notStarted.failure()).hasMessageContaining("not started");
        }
        assertThat(ran).doesNotExist();
    }

    /** A job that never started (or ended long ago) is not killed either. */
    @Test
    void aJobThatIsNotRunningIsNotKilledForItsTimeout() throws Exception {
        try (Runner.Local runner = new Runner.Local(new LinkedBlockingQueue<>(), false)) {
            Job job = new Job(0, 1, "true", List.of());
            job.argv = List.of("true");
            assertThat(runner.killForTimeout(job)).isFalse();
        }
    }
}
