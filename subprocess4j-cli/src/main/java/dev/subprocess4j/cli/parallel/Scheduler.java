package dev.subprocess4j.cli.parallel;

import dev.subprocess4j.CompletedProcess;
import dev.subprocess4j.SpawnException;
import dev.subprocess4j.TimeoutExpiredException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Runs the jobs: at most {@code maxJobs} at once, retries, --delay, --timeout, --halt, and a stop
 * by SIGINT, SIGTERM or SIGHUP (a shutdown hook posts it; the running jobs' groups are killed,
 * the summary printed, then the hook lets the JVM exit with 128+N).
 *
 * <p>One thread (the caller's) does all the printing and the scheduling: the jobs' callbacks
 * only post events to a queue (a local job's end is built on this thread too, from a
 * {@link Runner.Task} the library's reactor posts). The one exception: a local worker whose job
 * succeeded posts its end and then starts the next job itself ({@link #startAfter}), under the
 * same lock, unless a failed end waits to be settled ({@link #failing}: --halt and --retries
 * decide first). Jobs are started only when a slot is free, so a job's start is its submission,
 * and halting simply stops starting.
 *
 * <p>Memory is flat: a job done for good is let go once printed, except the few the summary names
 * ({@link #slowest}, {@link #failedListed}); the rest of the summary is counters.
 */
final class Scheduler {
    final ParallelOptions o;
    /** How many jobs there are (those --resume skips included). */
    final int total;
    final int maxJobs;
    /** --sshlogin/--slurm launchers with their slots, or {@code null}. */
    final java.util.Map<dev.subprocess4j.Launcher, Integer> launchers;
    final Halt halt;
    final ArrayDeque<Job> pending;
    final LinkedBlockingQueue<Runner.Event> events = new LinkedBlockingQueue<>();
    final Set<Job> running = new LinkedHashSet<>();
    final long startNanos = System.nanoTime();
    private final BitSet slots = new BitSet();
    private final CountDownLatch ended = new CountDownLatch(1);
    int finished;
    int failed;
    int killed;
    int retriesUsed;
    int skipped;
    /** The CPU time (user+sys) of every attempt, when the backend reported it. */
    Duration cpu = Duration.ZERO;
    boolean cpuKnown;
    boolean halted;
    /** Stopped by a signal to sp. */
    boolean stopped;
    /** The exit status a reached --halt gives, or -1. */
    int haltStatus = -1;
    private long lastStartNanos;
    /**
     * Held by whichever thread changes the state above: the scheduler's own, or a worker starting
     * the next job ({@link #startAfter}). Each does all of its work under it, so it is as if one
     * thread did everything.
     */
    private final ReentrantLock lock = new ReentrantLock();
    /** Jobs whose slot {@link #startAfter} let go, whose {@code Done} is not settled yet. */
    private int released;
    /** Failed attempts posted by workers, not settled yet: {@link #startAfter} waits for them. */
    private int failing;
    // What the summary lists, kept as jobs finish (a finished job is let go unless listed here):
    /** The slowest finished jobs, slowest first (ties: in input order), at most {@link Summary#SLOWEST}. */
    final List<Job> slowest = new ArrayList<>(Summary.SLOWEST + 1);
    /** The failed jobs listed, the first by input order, at most {@link Summary#MAX_FAILED_LISTED}; last first. */
    final PriorityQueue<Job> failedListed =
            new PriorityQueue<>(Summary.MAX_FAILED_LISTED + 1, Comparator.comparingInt((Job j) -> j.index).reversed());
    /** With launchers: how many jobs each host ran, in the launchers' order. */
    final Map<String, Long> perHost = new LinkedHashMap<>();

    Scheduler(ParallelOptions o, List<Job> all, List<Job> toRun, int maxJobs,
              java.util.Map<dev.subprocess4j.Launcher, Integer> launchers) {
        this.o = o;
        this.launchers = launchers;
        this.total = all.size();
        this.maxJobs = maxJobs;
        this.halt = o.halt != null ? o.halt : o.haltOnError ? Halt.SOON_FAIL_1 : Halt.NEVER;
        this.pending = new ArrayDeque<>(toRun);
        this.skipped = all.size() - toRun.size();
        if (launchers != null) {
            launchers.keySet().forEach(l -> perHost.put(l.name(), 0L));
        }
    }

    /**
     * How long the scheduling thread lets the ends of workers' jobs gather after it settled one,
     * before it waits for the next: a wake per several ends rather than per end.
     */
    static final long GATHER_MILLIS = 5;

    /** The thread in {@link #run}, which {@link #wake()} unparks. */
    private volatile Thread scheduling;

    /**
     * Ends the scheduling thread's gathering pause (if it is in one): an end was posted that it must
     * settle before the next job can start, or sp is asked to stop. Called after the post: a wake
     * the thread used up meanwhile (waiting for the lock, say) leaves the end in the queue, which
     * it checks before pausing.
     */
    private void wake() {
        LockSupport.unpark(scheduling);
    }

    /** Runs every job through {@code runner}, reporting through {@code output}; returns the exit status. */
    int run(Runner runner, Output output, ProgressDisplay progress, JobLog log) throws InterruptedException {
        scheduling = Thread.currentThread();
        boolean gatherEnds = false;
        Thread hook = new Thread(this::stopFromSignal, "sp-parallel-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        if (runner instanceof Runner.Local local && local.workers()) {
            gatherEnds = true;
            local.onEnd(new Runner.Local.Ends() {
                @Override
                public boolean ending(Job job, boolean exitedZero) {
                    return Scheduler.this.ending(job, exitedZero);
                }

                @Override
                public void ended(Job job, int attempt) {
                    startAfter(job, attempt, runner, output);
                }

                @Override
                public void held(Job job) {
                    wake(); // no worker starts anything until this thread settled it
                }
            });
        }
        try {
            lock.lock();
            try {
                startWhatFits(runner, output);
                progress.draw(true);
            } finally {
                lock.unlock();
            }
            boolean gather = false;
            while (true) {
                long wait;
                lock.lock();
                try {
                    if (running.isEmpty() && released == 0 && (halted || pending.isEmpty())) {
                        break;
                    }
                    wait = waitMillis(progress.bar() ? 100 : 250);
                } finally {
                    lock.unlock();
                }
                if (gather && wait > GATHER_MILLIS && events.isEmpty()) {
                    // Workers start the next jobs themselves: the ends can wait a moment, and this
                    // thread then settles those that came meanwhile after one wake, not one each.
                    // An end after which no worker starts the next job wakes it at once (wake(),
                    // called after that end is posted), and no deadline or --delay falls in the pause.
                    long pause = System.nanoTime();
                    LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(GATHER_MILLIS));
                    wait = Math.max(0, wait - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - pause));
                }
                Runner.Event e = events.poll(wait, TimeUnit.MILLISECONDS);
                gather = e instanceof Runner.Done && gatherEnds;
                lock.lock();
                try {
                    switch (e) {
                        case Runner.Done d -> {
                            settle(d, runner, output, log);
                            progress.draw(true);
                        }
                        case Runner.Line l -> output.line(l);
                        case Runner.Task t -> t.run().run();
                        case Runner.Stop s -> {
                            stopped = true;
                            haltNow(runner);
                        }
                        case null -> progress.draw(false);
                    }
                    killOverdue(runner);
                    startWhatFits(runner, output);
                    progress.plainLine(false);
                } finally {
                    lock.unlock();
                }
            }
            runner.close();
            progress.close();
            output.flushInOrder(true);
            new Summary(this, output.err).print();
            output.flushAll();
            return exitStatus();
        } catch (RuntimeException | Error e) {
            // sp fails (a bug, or out of memory): no job is left running behind it, none starts
            try {
                lock.lock();
                try {
                    halted = true; // (a worker's startAfter starts nothing more)
                } finally {
                    lock.unlock();
                }
                runner.killAll(Duration.ZERO);
            } catch (RuntimeException | Error suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        } finally {
            runner.stopWorkers(); // (after close(), nothing; when sp fails, the workers end with their jobs)
            ended.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs: it waits for `ended`, then the JVM exits with 128+N
            }
        }
    }

    int exitStatus() {
        if (haltStatus >= 0) {
            return haltStatus;
        }
        return Math.min(failed, Summary.MAX_EXIT);
    }

    /** The shutdown hook: asks the scheduler to stop, and waits until it has printed the summary. */
    private void stopFromSignal() {
        events.add(new Runner.Stop());
        wake();
        try {
            ended.await(o.killGrace.toMillis() + 15_000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** How long to wait for an event: until the next deadline or --delay, at most {@code max} ms. */
    private long waitMillis(long max) {
        long now = System.nanoTime();
        long wait = TimeUnit.MILLISECONDS.toNanos(max);
        for (Job j : running) {
            if (j.deadlineNanos != 0 && !j.killedForTimeout) {
                wait = Math.min(wait, j.deadlineNanos - now);
            }
        }
        if (o.delay != null && !pending.isEmpty() && running.size() < maxJobs) {
            wait = Math.min(wait, lastStartNanos + o.delay.toNanos() - now);
        }
        return Math.max(1, TimeUnit.NANOSECONDS.toMillis(wait + 999_999));
    }

    private void killOverdue(Runner runner) {
        long now = System.nanoTime();
        for (Job j : running) {
            if (j.deadlineNanos != 0 && !j.killedForTimeout && now - j.deadlineNanos >= 0) {
                j.killedForTimeout = runner.killForTimeout(j);
            }
        }
    }

    private void startWhatFits(Runner runner, Output output) {
        while (!halted && running.size() < maxJobs && !pending.isEmpty()) {
            long now = System.nanoTime();
            if (o.delay != null && lastStartNanos != 0 && now - lastStartNanos < o.delay.toNanos()) {
                return;
            }
            Job job = pending.removeFirst();
            job.slot = slots.nextClearBit(1);
            slots.set(job.slot);
            output.prepare(job);
            job.attempts++;
            job.startNanos = now;
            job.startEpochMillis = System.currentTimeMillis();
            job.killedForTimeout = false;
            job.deadlineNanos = o.timeout == null ? 0 : now + Math.max(1, o.timeout.toNanos());
            lastStartNanos = now;
            running.add(job);
            runner.start(job, o.timeout);
        }
    }

    /**
     * On a worker of {@link Runner.Local}, once {@code job}'s attempt succeeded and its
     * {@link Runner.Done} was posted: lets its slot go and starts what fits now, on that thread, so
     * that the next job does not wait for the scheduling thread to wake up. Nothing when the
     * scheduling thread settled this end already, when the success could end the run (--halt on
     * success or done), when sp is halting, the job timed out, or a failed end waits to be settled:
     * then the {@code Done} decides, as for every other end.
     */
    void startAfter(Job job, int attempt, Runner runner, Output output) { // (package-private: SchedulerWorkerEndTest)
        lock.lock();
        try {
            // (settled already and started again, for a --retries after a --timeout: not this attempt)
            if (job.attempts != attempt || job.finished || halted || failing > 0 || job.killed || job.killedForTimeout
                    || halt.when() != Halt.When.NEVER && halt.why() != Halt.Why.FAIL || !running.remove(job)) {
                wake(); // the scheduling thread settles this end, then starts what fits
                return;
            }
            slots.clear(job.slot);
            job.released = true;
            released++;
            startWhatFits(runner, output);
        } finally {
            lock.unlock();
        }
    }

    /**
     * On a worker, before an attempt's end is posted: whether the worker may then start the next
     * job ({@link #startAfter}). An end that will count as failed (a start that failed, an exit
     * other than 0, a --timeout kill, sp's own kill) is held against any start on a worker until
     * the scheduling thread has settled it: --halt and --retries decide first.
     */
    private boolean ending(Job job, boolean exitedZero) {
        lock.lock();
        try {
            if (exitedZero && !job.killedForTimeout && !job.killed) {
                return true;
            }
            job.failing = true;
            failing++;
            return false; // (the worker wakes the scheduling thread once it posted the end: held())
        } finally {
            lock.unlock();
        }
    }

    private void settle(Runner.Done d, Runner runner, Output output, JobLog log) {
        Job job = d.job();
        if (job.failing) {
            job.failing = false;
            failing--;
        }
        if (job.released) { // its slot went to the next job already (startAfter)
            job.released = false;
            released--;
        } else {
            running.remove(job);
            slots.clear(job.slot);
        }
        record(job, d);
        if (job.cpu != null) {
            cpu = cpu.plus(job.cpu);
            cpuKnown = true;
        }
        if (job.failed && !job.killed && job.attempts <= o.retries && !halted) {
            retriesUsed++;
            pending.addFirst(job);
            return;
        }
        job.finished = true;
        finished++;
        if (job.killed) {
            killed++;
        } else if (job.failed) {
            failed++;
        }
        listForSummary(job);
        log.write(job);
        output.finished(job);
        if (!halted && !job.killed && halt.reached(failed, finished - failed - killed, total)) {
            halted = true;
            haltStatus = halt.exitStatus(failed, total, job.failed ? job.exitValue() : 0);
            if (halt.when() == Halt.When.NOW) {
                haltNow(runner);
            }
        }
    }

    /** Keeps what the summary says of a job done for good: among the slowest, the failed listed, its host. */
    private void listForSummary(Job job) {
        int at = 0;
        while (at < slowest.size() && SLOWEST_FIRST.compare(slowest.get(at), job) <= 0) {
            at++;
        }
        if (at < Summary.SLOWEST) {
            slowest.add(at, job);
            job.listed = true;
            if (slowest.size() > Summary.SLOWEST) {
                unlisted(slowest.removeLast());
            }
        }
        if (job.failed && !job.killed) {
            failedListed.add(job);
            job.listed = true;
            if (failedListed.size() > Summary.MAX_FAILED_LISTED) {
                unlisted(failedListed.poll());
            }
        }
        if (launchers != null && job.host != null) {
            perHost.merge(job.host, 1L, Long::sum);
        }
    }

    /** A job no longer among the slowest or the failed listed: still listed when in the other list. */
    private void unlisted(Job job) {
        job.listed = slowest.contains(job) || failedListed.contains(job);
    }

    /** The summary's order of the slowest jobs: the longest first, equal ones in input order. */
    private static final Comparator<Job> SLOWEST_FIRST =
            Comparator.comparing((Job j) -> j.elapsed).reversed().thenComparingInt(j -> j.index);

    /** Starts nothing more and kills every running job (they count as killed). */
    private void haltNow(Runner runner) {
        halted = true;
        running.forEach(j -> j.killed = true);
        runner.killAll(o.killGrace);
    }

    private static byte[] bytes(java.io.ByteArrayOutputStream b) {
        return b == null || b.size() == 0 ? Job.NO_OUTPUT : b.toByteArray();
    }

    /** Fills in the job's outcome from its attempt's end. */
    private static void record(Job job, Runner.Done d) {
        job.error = null;
        job.timedOut = false;
        job.returnCode = null;
        job.signal = null;
        job.cpu = null;
        job.host = null;
        if (job.outBuffer != null) { // else the runner filled them in (output captured by the library)
            job.stdout = bytes(job.outBuffer);
            job.stderr = bytes(job.errBuffer);
            job.outBuffer = null;
            job.errBuffer = null;
        }
        job.elapsed = Duration.ofNanos(d.endNanos() - job.startNanos);
        if (d.result() != null && !job.killedForTimeout) {
            CompletedProcess r = d.result();
            job.host = r.launcher().name();
            job.returnCode = r.returnCode();
            job.signal = r.signal().orElse(null);
            if (r.elapsed() != null) {
                job.elapsed = r.elapsed();
            }
            r.usage().ifPresent(u -> job.cpu = u.userCpu().plus(u.systemCpu()));
            job.failed = r.returnCode() != 0;
            return;
        }
        job.failed = true;
        if (d.result() != null) { // killed for its --timeout by the scheduler
            job.host = d.result().launcher().name();
            job.timedOut = true;
            job.error = "timed out after " + Summary.seconds(job.elapsed) + "s (--timeout): "
                    + dev.subprocess4j.Shlex.join(dev.subprocess4j.cli.Bytes.text(job.argv));
            d.result().usage().ifPresent(u -> job.cpu = u.userCpu().plus(u.systemCpu()));
            return;
        }
        Throwable t = d.failure();
        while (t instanceof CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof TimeoutExpiredException te) {
            job.timedOut = true;
            job.error = te.getMessage().lines().findFirst().orElse(""); // its stderr is shown whole already
        } else if (t instanceof SpawnException se) {
            job.error = se.getMessage();
        } else {
            job.error = String.valueOf(t);
        }
    }
}
