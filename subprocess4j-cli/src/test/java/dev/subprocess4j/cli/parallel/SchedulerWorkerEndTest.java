package dev.subprocess4j.cli.parallel;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What the scheduler does when a worker hands it a job's end ({@link Scheduler#startAfter}). */
@Timeout(60)
class SchedulerWorkerEndTest {
    /**
     * A job killed for its --timeout that still exited 0 is settled by the scheduling thread
     * (failed, retried, started again) before its worker takes the lock: the worker's late start
     * must leave the new attempt alone (its slot, its place among the running, nothing started in
     * its stead).
     */
    @Test
    void aLateWorkerLeavesTheNextAttemptOfItsJobAlone() throws Exception {
        ParallelOptions o = new ParallelOptions();
        o.jobs = 2;
        o.progress = ParallelOptions.Progress.NEVER;
        o.args = new ArrayList<>(List.of("true", ":::", "1", "2", "3"));
        JobSource.Jobs jobs = new JobSource(o, InputStream.nullInputStream()).read(o.jobs);
        Scheduler s = new Scheduler(o, jobs.jobs(), jobs.jobs(), o.jobs, null);
        PrintStream sink = new PrintStream(new ByteArrayOutputStream(), true);
        Output output = new Output(o, jobs.jobs(), jobs.template(), sink, sink);
        try (Runner.Local runner = new Runner.Local(s.events, false, o.jobs)) {
            Job job = s.pending.removeFirst();
            job.slot = 1;
            job.attempts = 2; // attempt 1 ended and was settled and retried: attempt 2 runs
            s.running.add(job);
            s.startAfter(job, 1, runner, output);
            assertThat(s.running).as("attempt 2 still counts as running").containsExactly(job);
            assertThat(job.released).isFalse();
            assertThat(s.pending).as("nothing started in its stead").hasSize(2);
        }
    }
}
