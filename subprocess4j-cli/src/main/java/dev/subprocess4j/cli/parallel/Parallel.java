package dev.subprocess4j.cli.parallel;

import dev.subprocess4j.Launcher;
import dev.subprocess4j.cli.Main;
import dev.subprocess4j.cli.RawArgs;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;

/**
 * sp parallel's run: checks the options, reads the jobs, skips those a joblog says are done
 * (--resume), then runs them ({@link Scheduler}) or prints them (--dry-run).
 *
 * <h2>Exit status (GNU parallel's)</h2>
 * 0 when every job succeeded; 1-100 that many failed; 101 more than 100 failed; after a --halt,
 * what {@link Halt#exitStatus} says; {@link #EXIT_ERROR} (255) for bad usage or input, or an error.
 */
public final class Parallel {
    /** GNU parallel's status for bad usage and errors of its own. */
    public static final int EXIT_ERROR = 255;

    private final ParallelOptions o;
    private final PrintStream out;
    private final PrintStream err;
    private final InputStream in;

    /**
     * @param raw sp's arguments as the bytes it was given: ARGS, --colsep and --tagstring are
     *     taken from them, unchanged whatever the locale
     */
    public Parallel(ParallelOptions o, PrintStream out, PrintStream err, InputStream in, RawArgs raw) {
        this.o = o;
        this.out = out;
        this.err = err;
        this.in = in;
        RawArgs own = raw.beforeTail(o.args.size());
        o.args = new java.util.ArrayList<>(raw.tail(o.args));
        o.colsep = own.option(o.colsep, "--colsep");
        o.tagString = own.option(o.tagString, "--tagstring");
    }

    /**
     * Runs sp parallel and returns its exit status.
     *
     * @throws IllegalArgumentException for bad usage (a bad value or a conflict), naming it
     */
    public int run() throws InterruptedException {
        int n = o.jobs == null ? Runtime.getRuntime().availableProcessors() : o.jobs;
        check(n);
        Map<Launcher, Integer> launchers = Launchers.of(o, n);
        int slots = launchers == null ? n : launchers.values().stream().mapToInt(Integer::intValue).sum();
        // The jobs' list is left to the scheduler and the output, which let each job go once it is
        // done and printed: no local variable here holds it while they run (memory stays flat).
        Prepared p = prepare(slots, launchers);
        if (p.scheduler() == null) {
            return p.status();
        }
        try (JobLog log = o.joblog == null ? JobLog.none() : JobLog.open(o.joblog, o.resume || o.resumeFailed)) {
            Scheduler s = p.scheduler();
            Output output = p.output();
            p = null;
            ProgressDisplay progress = new ProgressDisplay(s, err);
            output.progress(progress);
            var events = s.events;
            Runner runner = launchers == null ? new Runner.Local(events, o.lineBuffer, slots)
                    : new Runner.Pooled(events, o.lineBuffer, launchers);
            return s.run(runner, output, progress, log);
        } catch (IOException e) {
            err.println("sp: cannot write --joblog '" + Main.oneLine(o.joblog.toString()) + "': "
                    + Main.oneLine(String.valueOf(e.getMessage())));
            return EXIT_ERROR;
        }
    }

    /** The scheduler and output of the jobs to run; or, with no scheduler, the exit status to return now. */
    private record Prepared(Scheduler scheduler, Output output, int status) {}

    /** Reads the jobs, skips those --resume says are done, and prints them instead with --dry-run. */
    private Prepared prepare(int slots, Map<Launcher, Integer> launchers) {
        JobSource.Jobs jobs;
        try {
            jobs = new JobSource(o, in).read(slots);
        } catch (JobSource.Failure f) {
            err.println("sp: " + f.getMessage());
            return new Prepared(null, null, EXIT_ERROR);
        }
        Output output = new Output(o, jobs.jobs(), jobs.template(), out, err);
        List<Job> toRun = jobs.jobs();
        if (o.resume || o.resumeFailed) {
            Map<Integer, Boolean> done;
            try {
                done = JobLog.read(o.joblog);
            } catch (IOException e) {
                err.println("sp: cannot read --joblog '" + Main.oneLine(o.joblog.toString()) + "': "
                        + Main.oneLine(String.valueOf(e.getMessage())));
                return new Prepared(null, null, EXIT_ERROR);
            }
            toRun = toRun.stream().filter(j -> !done.containsKey(j.seq) || (o.resumeFailed && !done.get(j.seq)))
                    .toList();
        }
        if (o.dryRun) {
            output.dryRun(toRun);
            return new Prepared(null, null, 0);
        }
        return new Prepared(new Scheduler(o, jobs.jobs(), toRun, slots, launchers), output, 0);
    }

    private void check(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("-j must be 1 or more: '" + o.jobs + "'");
        }
        if (o.retries < 0) {
            throw new IllegalArgumentException("--retries must be 0 or more: '" + o.retries + "'");
        }
        if (o.maxArgs != null && o.maxArgs < 1) {
            throw new IllegalArgumentException("-n must be 1 or more: '" + o.maxArgs + "'");
        }
        if ((o.resume || o.resumeFailed) && o.joblog == null) {
            throw new IllegalArgumentException("--resume and --resume-failed need --joblog FILE");
        }
        if (o.json && o.lineBuffer) {
            throw new IllegalArgumentException("--json and --line-buffer do not go together: JSON holds the whole output");
        }
        if (o.halt != null && o.haltOnError) {
            throw new IllegalArgumentException("--halt and --halt-on-error do not go together: give one");
        }
    }

    /** Whether fd 2 may be a terminal (see {@link ProgressDisplay#stderrMayBeTerminal()}). */
    public static boolean stderrMayBeTerminal() {
        return ProgressDisplay.stderrMayBeTerminal();
    }

    /** Seconds as {@code 42s}, {@code 3m05s} or {@code 1h02m}. */
    public static String duration(double seconds) {
        return ProgressDisplay.duration(seconds);
    }
}
