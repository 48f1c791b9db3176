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
