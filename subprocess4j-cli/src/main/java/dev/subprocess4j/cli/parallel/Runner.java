package dev.subprocess4j.cli.parallel;

import static java.nio.charset.StandardCharsets.ISO_8859_1;

import dev.subprocess4j.Command;
import dev.subprocess4j.CompletedProcess;
import dev.subprocess4j.Launcher;
import dev.subprocess4j.Popen;
import dev.subprocess4j.ProcessPool;
import dev.subprocess4j.Redirect;
import dev.subprocess4j.Signal;
import dev.subprocess4j.Subprocess;
import dev.subprocess4j.cli.Bytes;
import dev.subprocess4j.cli.GroupReaper;
import dev.subprocess4j.cliaccess.CliAccess;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * Starts jobs and posts what happens to them on the scheduler's queue; kills them on demand.
 * Here (no --sshlogin or --slurm) each job is started directly, in a process group of its own on
 * the native backend, so that sp can kill the whole group; on other hosts through a
 * {@link ProcessPool} across their launchers.
 */
abstract sealed class Runner implements AutoCloseable {
    /** What the scheduler's one thread learns. */
    sealed interface Event {}

    /** An attempt ended: with its result, or the failure to start or to finish it. */
    record Done(Job job, CompletedProcess result, Throwable failure, long endNanos) implements Event {}

    /** A line of output with --line-buffer, without its newline: a byte string ({@link Bytes}). */
    record Line(Job job, boolean stderr, String text) implements Event {}

    /**
     * Work handed to the scheduler's thread: the end of a local job's attempt, built there from
     * what the library's reactor read (no thread per job, pipe or event).
     */
    record Task(Runnable run) implements Event {}

    /** sp itself is being stopped (SIGINT, SIGTERM, SIGHUP). */
    record Stop() implements Event {}

    final BlockingQueue<Event> events;
    final boolean lineBuffer;

    Runner(BlockingQueue<Event> events, boolean lineBuffer) {
        this.events = events;
        this.lineBuffer = lineBuffer;
    }

    /** The command of a job's attempt, its output going to the job's buffers (and lines to the queue). */
    Command command(Job job) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        job.outBuffer = out;
        job.errBuffer = err;
        Command c = Bytes.command(job.argv).stdin(Redirect.DEVNULL);
        if (lineBuffer) {
            // Lines of bytes, unchanged: one char per byte, split at \n only.
            return c.encoding(ISO_8859_1).universalNewlines(false).stdout(Redirect.lines(l -> line(job, false, l, out)))
                    .stderr(Redirect.lines(l -> line(job, true, l, err)));
        }
        return c.stdout(Redirect.to(out)).stderr(Redirect.to(err));
    }

    private void line(Job job, boolean stderr, String text, ByteArrayOutputStream keep) {
        keep.writeBytes(Bytes.bytes(text + "\n"));
        events.add(new Line(job, stderr, text));
    }

    /** Starts an attempt; its end (or failure to start) is posted as {@link Done}. */
    abstract void start(Job job, Duration timeout);

    /**
     * Kills a job at its deadline (SIGKILL to its group); false when this runner's jobs time out
     * themselves, or when the job ended already (its end is then not a timeout).
     */
    abstract boolean killForTimeout(Job job);

    /** Kills every running job (SIGTERM, {@code grace}, SIGKILL, for a local job its whole group), and waits. */
    abstract void killAll(Duration grace);

    @Override
    public void close() {}

    /**
     * When sp fails: lets go of this runner's own threads without waiting for them (they end once
     * their job does); the threads told. After it, nothing more is started.
     */
    List<Thread> stopWorkers() {
        return List.of();
    }

    /**
     * Jobs started here with {@link Command#start()}, on workers with {@link CliAccess#startToWait}
     * (the worker waits for the job itself). Captured jobs (no --line-buffer) at -j up to
     * {@link #MAX_WORKERS} run on that many platform threads, each starting a job, reading its
     * output and waiting for it on its own thread ({@link Popen#communicate()}: no hand-over to the
     * library's reactor), then starting the next pending job itself when the scheduler allows it
     * ({@link #onEnd}): a job's end to the next job's start passes no other thread. At a
     * greater -j, and with --line-buffer, the library's reactor reads every job and its end is
     * handed to the scheduler's thread.
     */
    static final class Local extends Runner {
        /** The most jobs at once that get a platform thread each. */
        static final int MAX_WORKERS = 64;
        /** What a worker takes from {@link #ready} to stop. */
        private static final Job STOP = new Job(-1, 0, "", List.of());

        private final boolean groups = Subprocess.backend().equals("linux-native");
        private final Map<Job, GroupReaper> running = new LinkedHashMap<>();
        /** Jobs the scheduler started that wait for a worker; null without workers. */
        private final LinkedBlockingQueue<Job> ready;
        private final List<Thread> workers = new ArrayList<>();
        private final int maxWorkers;
        /** Set by {@link #killAll} (under {@code running}'s lock): the workers start nothing more. */
        private volatile boolean stopping;
        /** The grace {@link #killAll} gives; a job it could not see yet gets the same. */
        private volatile Duration stopGrace = Duration.ZERO;
        /** The scheduler's side of a worker's end ({@link #onEnd}). */
        private volatile Ends ends = new Ends() {};
        private boolean closed;

        Local(BlockingQueue<Event> events, boolean lineBuffer) {
            this(events, lineBuffer, 0);
        }

        /** With {@code maxJobs} workers when the jobs are captured and {@code maxJobs <= MAX_WORKERS}. */
        Local(BlockingQueue<Event> events, boolean lineBuffer, int maxJobs) {
            super(events, lineBuffer);
            this.maxWorkers = !lineBuffer && maxJobs <= MAX_WORKERS ? maxJobs : 0;
            this.ready = maxWorkers > 0 ? new LinkedBlockingQueue<>() : null;
        }

        /** Whether jobs run on workers (see the class comment). */
        boolean workers() {
            return ready != null;
        }

        /** What the scheduler does when a worker's job ends, on the worker's thread. */
        interface Ends {
            /**
             * Before the end of {@code job}'s attempt is posted ({@code exitedZero}: it started and
             * exited 0): whether the worker may start the next job once the end is posted (a failed
             * end is held against any start until the scheduler's thread has settled it).
             */
            default boolean ending(Job job, boolean exitedZero) {
                return false;
            }

            /** After the end of attempt {@code attempt} of {@code job} was posted, when {@link #ending} allowed it. */
            default void ended(Job job, int attempt) {}

            /** After an end was posted that {@link #ending} held: the scheduler's thread must settle it now. */
            default void held(Job job) {}
        }

        /** Sets what the scheduler does when a worker's job ends. */
        void onEnd(Ends then) {
            ends = then;
        }

        @Override
        void start(Job job, Duration timeout) {
            if (ready != null) {
                ready.add(job);
                synchronized (workers) {
                    if (!closed && workers.size() < maxWorkers) {
                        workers.add(Thread.ofPlatform().daemon().name("sp-job-" + (workers.size() + 1)).start(this::work));
                    }
                }
                return;
            }
            if (!lineBuffer) {
                startCaptured(job);
                return;
            }
            Popen p = started(job, () -> command(job));
            if (p == null) {
                return;
            }
            var exited = p.onExit();
            synchronized (running) {
                running.put(job, new GroupReaper(p, groups));
            }
            exited.whenComplete((r, t) -> {
                long end = System.nanoTime();
                synchronized (running) {
                    running.remove(job);
                }
                try {
                    p.close(); // exited: only lets go of what the Popen holds
                } catch (RuntimeException e) {
                    // a failed delivery of its output, which `t` reports already
                } finally {
                    events.add(new Done(job, r, t, end));
                }
            });
        }

        /**
         * A job whose output is printed whole: captured by the library's reactor
         * ({@code captureOutput()}), and its end (exit and output) completed on the scheduler's
         * own thread through a {@link Task}: no thread is started for it, its pipes or its exit.
         */
        private void startCaptured(Job job) {
            Popen p = started(job, () -> captured(job));
            if (p == null) {
                return;
            }
            synchronized (running) {
                running.put(job, new GroupReaper(p, groups));
            }
            CompletableFuture<CompletedProcess> end;
            try {
                end = CliAccess.runToEndAsync(p, task -> {
                    // On the reactor thread, once the job exited, was reaped and its output read: no
                    // longer killable (its pid may be another's soon), so out of `running` now.
                    synchronized (running) {
                        running.remove(job);
                    }
                    events.add(new Task(task));
                });
            } catch (RuntimeException | LinkageError e) {
                // A failure to communicate kills the child in the library; this is the access itself
                // failing (e.g. a library jar of another version): the job's whole group is killed.
                synchronized (running) {
                    running.remove(job);
                }
                try {
                    new GroupReaper(p, groups).stop(Signal.SIGKILL, Duration.ZERO);
                } catch (RuntimeException x) {
                    e.addSuppressed(x);
                }
                try {
                    p.close(); // its pipes; reaped already
                } catch (RuntimeException x) {
                    e.addSuppressed(x);
                }
                end = CompletableFuture.failedFuture(e);
            }
            end.whenComplete((r, t) -> { // on the scheduler's thread (on a failure: where it failed)
                long now = System.nanoTime();
                Throwable failure = t;
                try {
                    GroupReaper reaper;
                    synchronized (running) {
                        reaper = running.remove(job);
                    }
                    if (t != null && reaper != null) {
                        // the library killed the job alone when its communication failed: its group too
                        Thread.ofVirtual().name("sp-kill-" + job).start(() -> reaper.stop(Signal.SIGKILL, Duration.ZERO));
                    }
                    if (r != null) {
                        job.stdout = bytes(r.stdoutBytes());
                        job.stderr = bytes(r.stderrBytes());
                    }
                } catch (RuntimeException | Error e) { // (an OutOfMemoryError copying the output)
                    if (failure == null) {
                        failure = e;
                    } else {
                        failure.addSuppressed(e);
                    }
                } finally {
                    events.add(new Done(job, failure == null ? r : null, failure, now));
                }
            });
        }

        /** A worker: runs the jobs it takes from {@link #ready} one after the other, until {@link #STOP}. */
        private void work() {
            while (true) {
                Job job;
                try {
                    job = ready.take();
                } catch (InterruptedException e) {
                    return;
                }
                if (job == STOP) {
                    return;
                }
                if (stopping) {
                    events.add(new Done(job, null, new IllegalStateException("not started: sp is stopping its jobs"),
                            System.nanoTime()));
                    continue;
                }
                int attempt = job.attempts;
                Done end;
                try {
                    end = runCaptured(job);
                } catch (RuntimeException | Error e) { // (e.g. out of memory): the job's end all the same
                    end = new Done(job, null, e, System.nanoTime());
                }
                try {
                    boolean startNext = ends.ending(job, end.failure() == null && end.result().returnCode() == 0);
                    events.add(end); // first: printed in the order the ends came
                    if (startNext) {
                        ends.ended(job, attempt);
                    } else {
                        ends.held(job);
                    }
                } catch (RuntimeException | Error e) {
                    // the scheduler's own failure: raised on its thread, which then stops every job
                    events.add(end);
                    events.add(new Task(() -> {
                        throw e;
                    }));
                }
            }
        }

        /**
         * A captured job's attempt on the calling worker: started, its output read and its exit
         * waited for here; its end (a failure to start included).
         */
        private Done runCaptured(Job job) {
            Popen p;
            try {
                // This thread waits for it at once: the library's reactor is left out (no wake per job).
                p = startInGroup(() -> captured(job), true);
            } catch (RuntimeException e) {
                return new Done(job, null, e, System.nanoTime());
            }
            // From here on the job is this thread's to wait for (no reactor watches it): whatever
            // fails, the job is killed and p.close() below reaps it.
            GroupReaper reaper = null;
            CompletedProcess r = null;
            Throwable failure = null;
            try {
                GroupReaper mine = new GroupReaper(p, groups);
                reaper = mine;
                boolean missed;
                synchronized (running) {
                    running.put(job, mine);
                    missed = stopping; // killAll took its list between the check before the start and now
                }
                if (missed) {
                    job.killed = true;
                    Duration grace = stopGrace;
                    // as killAll stops the others, apart: this thread reads the job's output meanwhile
                    Thread.ofVirtual().name("sp-stop-" + job).start(() -> mine.stop(Signal.SIGTERM, grace));
                }
                r = p.communicate();
                job.stdout = bytes(r.stdoutBytes());
                job.stderr = bytes(r.stderrBytes());
            } catch (RuntimeException | Error e) { // (an OutOfMemoryError copying the output, say)
                failure = e;
            }
            long end = System.nanoTime();
            synchronized (running) {
                running.remove(job); // reaped: no longer killable (its pid may be another's soon)
            }
            if (failure != null) {
                try {
                    if (reaper != null) {
                        reaper.stop(Signal.SIGKILL, Duration.ZERO); // the library killed the job alone: its group too
                    } else {
                        p.kill();
                    }
                } catch (RuntimeException | Error x) {
                    failure.addSuppressed(x);
                }
            }
            try {
                p.close(); // its pipes
            } catch (RuntimeException | Error x) {
                if (failure == null) {
                    failure = x;
                } else {
                    failure.addSuppressed(x);
                }
            }
            return new Done(job, failure == null ? r : null, failure, end);
        }

        /**
         * Starts the job's command in a process group of its own (native backend), so that a
         * timeout, --halt now or a signal to sp kills a `sh -c` job's children too (the jdk backend
         * cannot make groups; it kills the job alone); null when it did not start, its Done posted.
         */
        private Popen started(Job job, java.util.function.Supplier<Command> command) {
            try {
                return startInGroup(command, false);
            } catch (RuntimeException e) {
                events.add(new Done(job, null, e, System.nanoTime()));
                return null;
            }
        }

        /**
         * {@link #started} that throws what the start threw; {@code toWait}: the calling thread
         * waits for the job at once ({@link CliAccess#startToWait}).
         */
        private Popen startInGroup(java.util.function.Supplier<Command> command, boolean toWait) {
            // (a NUL byte in an argument is refused here: the job did not start)
            Command c = command.get();
            c = groups ? c.processGroup(0) : c;
            return toWait ? CliAccess.startToWait(c) : c.start();
        }

        /** The command of a job whose output the library captures whole; an earlier attempt's output let go. */
        private static Command captured(Job job) {
            job.stdout = Job.NO_OUTPUT;
            job.stderr = Job.NO_OUTPUT;
            return Bytes.command(job.argv).stdin(Redirect.DEVNULL).captureOutput();
        }

        private static byte[] bytes(byte[] b) {
            return b == null || b.length == 0 ? Job.NO_OUTPUT : b;
        }

        @Override
        boolean killForTimeout(Job job) {
            GroupReaper reaper;
            synchronized (running) {
                reaper = running.get(job);
            }
            if (reaper == null) {
                return false; // it ended already: not killed, whatever its end waits for in the queue
            }
            // SIGKILL to the whole group; the wait for it runs apart, not on the scheduler's thread
            Thread.ofVirtual().name("sp-kill-" + job).start(() -> reaper.stop(Signal.SIGKILL, Duration.ZERO));
            return true;
        }

        @Override
        public void close() {
            for (Thread w : stopWorkers()) {
                try {
                    w.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }

        /** Tells every worker to stop once its job is done, without waiting for it; the workers told. */
        @Override
        List<Thread> stopWorkers() {
            if (ready == null) {
                return List.of();
            }
            synchronized (workers) {
                if (closed) {
                    return List.of();
                }
                closed = true;
                workers.forEach(w -> ready.add(STOP));
                return List.copyOf(workers);
            }
        }

        @Override
        void killAll(Duration grace) {
            Map<Job, GroupReaper> now;
            synchronized (running) {
                stopGrace = grace;
                stopping = true; // a job still waiting for a worker is not started
                now = new LinkedHashMap<>(running);
            }
            now.keySet().forEach(j -> j.killed = true);
            // one thread per job, so that all share one grace (GroupReaper's use)
            List<Thread> stoppers = new ArrayList<>();
            for (GroupReaper reaper : now.values()) {
                stoppers.add(Thread.ofVirtual().start(() -> reaper.stop(Signal.SIGTERM, grace)));
            }
            for (Thread t : stoppers) {
                try {
                    t.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** Jobs on --sshlogin hosts and Slurm, through a pool; they time out by the command's own deadline. */
    static final class Pooled extends Runner {
        private final ProcessPool pool;

        Pooled(BlockingQueue<Event> events, boolean lineBuffer, Map<Launcher, Integer> launchers) {
            super(events, lineBuffer);
            this.pool = ProcessPool.across(launchers);
        }

        @Override
        void start(Job job, Duration timeout) {
            try {
                Command c = command(job);
                if (timeout != null) {
                    c = c.timeout(timeout);
                }
                pool.submit(c).whenComplete((r, t) -> events.add(new Done(job, r, t, System.nanoTime())));
            } catch (RuntimeException e) {
                events.add(new Done(job, null, e, System.nanoTime()));
            }
        }

        @Override
        boolean killForTimeout(Job job) {
            return false;
        }

        @Override
        void killAll(Duration grace) {
            pool.shutdownNow();
        }

        @Override
        public void close() {
            pool.close();
        }
    }
}
