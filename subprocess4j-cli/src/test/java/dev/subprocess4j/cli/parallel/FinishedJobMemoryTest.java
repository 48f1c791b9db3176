package dev.subprocess4j.cli.parallel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * sp parallel's memory is flat: a finished job keeps only what the summary needs, and its captured
 * output is let go once printed. Runs 200 jobs in this JVM with the scheduler itself still
 * reachable, then counts how many of their {@link Job}s a full collection leaves (weak references):
 * at most the summary's slowest three, and with failing jobs its twenty listed failures.
 */
class FinishedJobMemoryTest {
    private static final int JOBS = 200;

    /** What a run leaves reachable: the scheduler and what it printed through. */
    private record Run(Scheduler scheduler, Output output, Runner runner, String out, String err, int status) {}

    @Test
    void finishedJobsAreLetGoExceptTheSlowestThree() throws Exception {
        List<WeakReference<Job>> jobs = new ArrayList<>();
        Run run = run(jobs, false, "echo", "out");
        assertEquals(0, run.status(), run.err());
        assertEquals(JOBS, run.out().lines().count(), "every job's output was printed");
        assertTrue(run.err().contains("sp: " + JOBS + " jobs, " + JOBS + " succeeded"), run.err());
        assertKept(jobs, 3, run);
    }

    @Test
    void withKeepOrderFinishedJobsAreLetGoOncePrinted() throws Exception {
        List<WeakReference<Job>> jobs = new ArrayList<>();
        Run run = run(jobs, true, "echo", "out");
        assertEquals(0, run.status(), run.err());
        List<String> lines = run.out().lines().toList();
        assertEquals(JOBS, lines.size());
        for (int i = 0; i < JOBS; i++) {
            assertEquals("out " + (i + 1), lines.get(i), "--keep-order prints in the input's order");
        }
        assertKept(jobs, 3, run);
    }

    @Test
    void failedJobsKeepOnlyTheListedOnes() throws Exception {
        List<WeakReference<Job>> jobs = new ArrayList<>();
        Run run = run(jobs, false, "sh", "-c", "echo out; exit 3", "sh");
        assertEquals(Summary.MAX_EXIT, run.status(), run.err());
        // the first twenty failures by input order, then the count of the others
        assertTrue(run.err().contains("sp:   job 1: exit 3: sh -c echo out; exit 3 sh 1\n"), run.err());
        assertTrue(run.err().contains("sp:   job 20: exit 3: "), run.err());
        assertTrue(!run.err().contains("sp:   job 21: exit 3: "), run.err());
        assertTrue(run.err().contains("sp:   ... and " + (JOBS - Summary.MAX_FAILED_LISTED) + " more\n"), run.err());
        assertKept(jobs, Summary.MAX_FAILED_LISTED + 3, run);
    }

    /** After a full collection at most {@code max} of the jobs are left, none holding its output. */
    private static void assertKept(List<WeakReference<Job>> jobs, int max, Run stillReachable) throws InterruptedException {
        // A collection or two, a moment apart: a thread that just finished its last job may still be
        // on its way out (a CI run once saw 4 of 200 at the first collection, 3 expected)
        List<Job> left = List.of();
        for (int i = 0; i < 20; i++) {
            left = null;
            System.gc();
            left = jobs.stream().map(WeakReference::get).filter(j -> j != null).toList();
            if (left.size() <= max) {
                break;
            }
            Thread.sleep(50);
        }
        System.out.println("jobs left reachable after " + JOBS + " finished: " + left.size());
        assertTrue(left.size() <= max, left.size() + " of " + JOBS + " finished jobs still reachable (at most "
                + max + " expected) from " + stillReachable.scheduler());
        for (Job j : left) {
            assertEquals(0, j.stdout.length, "the captured output of " + j.name() + " was let go");
            assertEquals(null, j.outBuffer, j.name());
            assertEquals(null, j.errBuffer, j.name());
        }
    }

    /** Runs JOBS jobs (COMMAND with 1..JOBS) at -j 4; the jobs are referenced weakly only. */
    private static Run run(List<WeakReference<Job>> refs, boolean keepOrder, String... command) throws Exception {
        ParallelOptions o = new ParallelOptions();
        o.jobs = 4;
        o.keepOrder = keepOrder;
        o.progress = ParallelOptions.Progress.NEVER;
        o.args = new ArrayList<>(List.of(command));
        o.args.add(":::");
        for (int i = 1; i <= JOBS; i++) {
            o.args.add(Integer.toString(i));
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream errStream = new PrintStream(err, true);
        Run prepared = prepare(o, refs, new PrintStream(out, true), errStream);
        Scheduler s = prepared.scheduler();
        Output output = prepared.output();
        Runner runner = new Runner.Local(s.events, false);
        ProgressDisplay progress = new ProgressDisplay(s, errStream);
        output.progress(progress);
        int status = s.run(runner, output, progress, JobLog.none());
        return new Run(s, output, runner, out.toString(), err.toString(), status);
    }

    /** The scheduler and output of the jobs, as sp parallel makes them; the jobs are left only to these. */
    private static Run prepare(ParallelOptions o, List<WeakReference<Job>> refs, PrintStream out, PrintStream err)
            throws Exception {
        JobSource.Jobs jobs = new JobSource(o, InputStream.nullInputStream()).read(o.jobs);
        jobs.jobs().forEach(j -> refs.add(new WeakReference<>(j)));
        assertEquals(JOBS, refs.size());
        Scheduler s = new Scheduler(o, jobs.jobs(), jobs.jobs(), o.jobs, null);
        Output output = new Output(o, jobs.jobs(), jobs.template(), out, err);
        return new Run(s, output, null, null, null, 0);
    }
}
