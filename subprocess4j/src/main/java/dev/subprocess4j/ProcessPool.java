package dev.subprocess4j;

import dev.subprocess4j.internal.Callbacks;
import dev.subprocess4j.internal.Log;
import dev.subprocess4j.internal.lifecycle.DrainGrace;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Runs commands with bounded concurrency: never more than {@code n} children alive at once, the
 * rest queued in submission order.
 *
 * <p>Each submitted command runs as {@link Command#run()} would: its input written, its piped
 * output captured, its own timeout and {@link Command#check()} applied; the future completes with
 * the {@link CompletedProcess} or fails with what {@code run()} would throw. A failure fails that
 * future only.
 *
 * <h2>Examples</h2>
 * {@snippet :
 * try (ProcessPool pool = ProcessPool.withMaxConcurrency(8)) {
 *     List<CompletableFuture<CompletedProcess>> all = files.stream()
 *             .map(f -> Subprocess.command("gzip", "-9", f.toString()).check())
 *             .map(pool::submit)
 *             .toList();
 * } // close() waits for every job
 *
 * try (ProcessPool pool = ProcessPool.withMaxConcurrency(4)) {
 *     List<CompletableFuture<CompletedProcess>> done = pool.invokeAll(commands); // waits; in submission order
 * }
 * }
 *
 * <h2>Threads</h2>
 * No thread waits for a child, and the pool has no thread of its own. On the native backend the
 * reactor sees each exit and reads each piped output; the future then completes on a new virtual
 * thread (never the reactor thread), which also starts the next queued command. The JDK backend
 * communicates with each child on a virtual thread. {@link #submit(Command)} starts the command
 * on the calling thread when a slot is free.
 *
 * <h2>Several hosts</h2>
 * {@link #across(Map)} spreads the commands over several launchers, each with its own number of
 * slots (GNU parallel's {@code --sshlogin N/host}): each command runs on the launcher with the
 * most free slots relative to its size, and {@link CompletedProcess#launcher()} tells which one.
 * A launcher whose host cannot be reached ({@link SpawnException} with step
 * {@link SpawnException.Step#CONNECT}) is taken out of the pool for good, and the command is
 * queued again at the front for the others; when the last one is taken out, that command and
 * every queued one fail with the exception. Remote commands are started on a virtual thread each,
 * so one slow handshake does not hold the others back.
 * {@snippet :
 * Map<Launcher, Integer> hosts = new LinkedHashMap<>();
 * hosts.put(SshLauncher.to("build-1"), 8);
 * hosts.put(SshLauncher.to("build-2"), 4);
 * hosts.put(Launcher.local(), 2);
 * try (ProcessPool pool = ProcessPool.across(hosts)) {
 *     pool.invokeAll(commands);
 * }
 * }
 *
 * <h2>Defaults</h2>
 * No limit but the one given; the commands' own timeouts; no check unless a command has one.
 *
 * <h2>Errors</h2>
 * {@link #withMaxConcurrency(int)} rejects a limit below 1 with {@link IllegalArgumentException};
 * {@link #submit(Command)} throws {@link RejectedExecutionException} after {@link #close()} or
 * {@link #shutdownNow()}. A command that cannot be started fails its own future with
 * {@link SpawnException} (or {@link UnsupportedOperationException}).
 *
 * <h2>Thread safety</h2>
 * Safe to use from any number of threads.
 *
 * <h2>Python equivalent</h2>
 * {@code concurrent.futures.ThreadPoolExecutor(max_workers=n)} with {@code subprocess.run} as the
 * task: {@code submit}, {@code map} (here {@link #invokeAll(List)}), {@code shutdown(wait=True)}
 * ({@link #close()}) and {@code shutdown(cancel_futures=True)}, which cannot stop a running
 * {@code run} ({@link #shutdownNow()} kills the running children). Python parks a thread per
 * running child; this pool does not.
 */
public final class ProcessPool implements AutoCloseable {
    private final int maxConcurrency;
    /** The launchers of {@link #across}, or {@code null}: then each command runs where it says. */
    private final List<Slots> slots;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition idle = lock.newCondition();
    private final ArrayDeque<Job> queue = new ArrayDeque<>();
    private final Set<Job> running = new LinkedHashSet<>();
    /** Jobs whose future is not settled yet: what close() waits for. */
    private int outstanding;
    private boolean closed;
    private boolean killed;
    /** Why the last live launcher of {@link #across} was taken out, or {@code null}: what later jobs fail with. */
    private SpawnException everyLauncherDown;

    /** One submitted command and its future. */
    private final class Job {
        final Command command;
        final CompletableFuture<CompletedProcess> future = new CompletableFuture<>();
        /** The run of the started child (lock held to read or write). */
        CompletableFuture<CompletedProcess> run;
        Popen popen;
        boolean settled;
        Slots slots; // where it runs, with across()

        Job(Command command) {
            this.command = command;
        }
    }

    /** One launcher of {@link #across} and its slots; guarded by the pool's lock. */
    private static final class Slots {
        final Launcher launcher;
        final int max;
        int running;
        boolean down;

        Slots(Launcher launcher, int max) {
            this.launcher = launcher;
            this.max = max;
        }
    }

    private ProcessPool(int maxConcurrency, List<Slots> slots) {
        this.maxConcurrency = maxConcurrency;
        this.slots = slots;
    }

    /**
     * A pool that spreads its commands over several launchers, {@code slotsPerLauncher} running
     * at once on each (in the map's order for ties). A command's own launcher is replaced by the
     * one chosen.
     *
     * @throws IllegalArgumentException for an empty map or a count below 1
     */
    public static ProcessPool across(Map<? extends Launcher, Integer> slotsPerLauncher) {
        Objects.requireNonNull(slotsPerLauncher, "slotsPerLauncher");
        if (slotsPerLauncher.isEmpty()) {
            throw new IllegalArgumentException("a pool needs at least one launcher");
        }
        List<Slots> list = new ArrayList<>();
        int total = 0;
        for (Map.Entry<? extends Launcher, Integer> e : slotsPerLauncher.entrySet()) {
            Launcher l = Objects.requireNonNull(e.getKey(), "launcher");
            Integer n = Objects.requireNonNull(e.getValue(), "slots");
            if (n < 1) {
                throw new IllegalArgumentException("slots must be 1 or more: " + n + " for " + l.name());
            }
            list.add(new Slots(l, n));
            total = Math.addExact(total, n);
        }
        return new ProcessPool(total, List.copyOf(list));
    }

    /**
     * A pool running at most {@code n} children at once.
     *
     * @throws IllegalArgumentException when {@code n} is below 1
     */
    public static ProcessPool withMaxConcurrency(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("maxConcurrency must be 1 or more: " + n);
        }
        return new ProcessPool(n, null);
    }

    /**
     * Queues a command; it starts as soon as fewer than the limit of children are alive.
     *
     * @return completes as {@link Command#run()} would return, or fails with what it would throw;
     *     cancelling it removes a queued command, or kills a running child
     * @throws RejectedExecutionException after {@link #close()} or {@link #shutdownNow()}
     */
    public CompletableFuture<CompletedProcess> submit(Command command) {
        Objects.requireNonNull(command, "command");
        Job job = new Job(command);
        lock.lock();
        try {
            if (closed) {
                throw new RejectedExecutionException("the pool is " + (killed ? "shut down" : "closed") + ": " + command);
            }
            queue.add(job);
            outstanding++;
        } finally {
            lock.unlock();
        }
        job.future.whenComplete((r, t) -> {
            if (job.future.isCancelled()) {
                cancelled(job);
            }
        });
        startWhatFits();
        return job.future;
    }

    /**
     * Submits every command in order and waits until all have finished.
     *
     * @return the futures, in the order of {@code commands}, all done
     * @throws RejectedExecutionException after {@link #close()} or {@link #shutdownNow()}
     * @throws SubprocessException when the calling thread is interrupted; the commands not finished
     *     are then cancelled (queued ones removed, running ones killed)
     */
    public List<CompletableFuture<CompletedProcess>> invokeAll(List<Command> commands) {
        Objects.requireNonNull(commands, "commands");
        List<CompletableFuture<CompletedProcess>> futures = new ArrayList<>(commands.size());
        for (Command c : commands) {
            futures.add(submit(c));
        }
        try {
            CompletableFuture.allOf(futures.stream().map(f -> f.exceptionally(t -> null))
                    .toArray(CompletableFuture[]::new)).get();
        } catch (InterruptedException e) {
            futures.forEach(f -> f.cancel(false));
            Thread.currentThread().interrupt();
            throw new SubprocessException("interrupted while waiting for " + commands.size() + " commands", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e); // cannot happen: failures were mapped to null
        }
        return futures;
    }

    /** How many children are alive now (started and not yet finished). */
    public int active() {
        lock.lock();
        try {
            return running.size();
        } finally {
            lock.unlock();
        }
    }

    /** How many commands wait for a free slot. */
    public int queued() {
        lock.lock();
        try {
            return queue.size();
        } finally {
            lock.unlock();
        }
    }

    /** The limit given to {@link #withMaxConcurrency(int)}. */
    public int maxConcurrency() {
        return maxConcurrency;
    }

    /**
     * Stops accepting commands and waits until every queued and running one has finished.
     * Calling it again does nothing more. When the calling thread is interrupted while waiting,
     * the pool is shut down as by {@link #shutdownNow()} and the wait goes on until the killed
     * children were reaped; the interrupt flag is then set again.
     */
    @Override
    public void close() {
        boolean interrupted = false;
        lock.lock();
        try {
            closed = true;
            while (outstanding > 0) {
                try {
                    idle.await();
                } catch (InterruptedException e) {
                    if (!interrupted) {
                        interrupted = true;
                        lock.unlock();
                        try {
                            shutdownNow();
                        } finally {
                            lock.lock();
                        }
                    }
                }
            }
        } finally {
            lock.unlock();
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Stops accepting commands, cancels the queued ones and kills (SIGKILL) every running child;
     * does not wait. The futures of the killed children complete as their runs end, with the
     * return code {@code -9} ({@link CalledProcessException} for a command with
     * {@link Command#check()}). Pipes that grandchildren of a killed child still hold open are
     * closed after a grace of one second, so every future completes.
     *
     * @return the commands that were queued and never started, in submission order
     */
    public List<Command> shutdownNow() {
        List<Job> cancelled;
        List<Job> toKill;
        lock.lock();
        try {
            closed = true;
            killed = true;
            cancelled = new ArrayList<>(queue);
            queue.clear();
            toKill = new ArrayList<>(running);
        } finally {
            lock.unlock();
        }
        List<Command> never = new ArrayList<>(cancelled.size());
        for (Job j : cancelled) {
            j.future.cancel(false);
            settle(j);
            never.add(j.command);
        }
        for (Job j : toKill) {
            try {
                kill(j);
            } catch (RuntimeException e) {
                // e.g. EPERM for a child running as another user: the others must still be killed
                Log.get().log(System.Logger.Level.WARNING,
                        "shutdownNow could not kill " + j.command, e);
            }
        }
        return never;
    }

    /** Kills a running job's child, and closes its pipes after the drain grace if its run has not ended. */
    private void kill(Job job) {
        Popen p;
        CompletableFuture<CompletedProcess> run;
        lock.lock();
        try {
            p = job.popen;
            run = job.run;
        } finally {
            lock.unlock();
        }
        if (p == null) {
            return; // being started: the starter sees `killed` and kills it
        }
        p.kill();
        if (run != null && !run.isDone()) {
            CompletableFuture.delayedExecutor(DrainGrace.DURATION.toMillis(), TimeUnit.MILLISECONDS).execute(() -> {
                if (!run.isDone()) {
                    p.closePipes();
                }
            });
        }
    }

    /** A user cancelled a job's future: drop it from the queue, or kill its child. */
    private void cancelled(Job job) {
        boolean wasQueued;
        lock.lock();
        try {
            wasQueued = queue.remove(job);
        } finally {
            lock.unlock();
        }
        if (wasQueued) {
            settle(job);
        } else {
            kill(job); // nothing when it was never started: shutdownNow settled it
        }
    }

    /** Starts queued jobs on this thread while slots are free. */
    private void startWhatFits() {
        while (true) {
            Job job;
            List<Job> nowhere = null; // submitted after the last launcher was taken out: they never run
            SpawnException down;
            lock.lock();
            try {
                down = everyLauncherDown;
                if (killed || queue.isEmpty() || down == null && running.size() >= maxConcurrency) {
                    return; // (once every launcher is out, a new job fails at once, not after the running ones)
                }
                if (down != null) { // (only a pool across launchers takes them out)
                    nowhere = new ArrayList<>(queue);
                    queue.clear();
                    job = null;
                } else {
                    Slots chosen = slots == null ? null : freest();
                    if (slots != null && chosen == null) {
                        return; // every live launcher is full: an end starts the next job
                    }
                    if (chosen != null) {
                        chosen.running++;
                    }
                    job = queue.poll();
                    job.slots = chosen;
                    running.add(job);
                }
            } finally {
                lock.unlock();
            }
            if (nowhere != null) {
                failAll(nowhere, down);
                return;
            }
            if (job.slots != null && LauncherBase.of(job.slots.launcher).startMayWait()) {
                Job remote = job;
                try {
                    Callbacks.EXECUTOR.execute(() -> launch(remote)); // a handshake must not hold the others
                } catch (RuntimeException | Error noThread) {
                    // No thread for it (out of memory, say): launched here, where its own failure
                    // settles it, rather than left among the running for ever.
                    launch(remote);
                    Log.get().log(System.Logger.Level.DEBUG, "no thread to launch a job of the pool on; launched it on the caller's", noThread);
                }
            } else {
                launch(job);
            }
        }
    }

    /** The live launcher with the most free slots relative to its size, or {@code null}. */
    private Slots freest() {
        Slots best = null;
        for (Slots s : slots) {
            if (!s.down && s.running < s.max
                    && (best == null || (long) s.running * best.max < (long) best.running * s.max)) {
                best = s;
            }
        }
        return best;
    }

    private void launch(Job job) {
        Popen p;
        try {
            Command c = job.slots != null ? job.command.on(job.slots.launcher) : job.command;
            p = c.start();
        } catch (RuntimeException | Error e) {
            if (job.slots != null && e instanceof SpawnException se && se.step() == SpawnException.Step.CONNECT
                    && takeOut(job, se)) {
                startWhatFits();
                return;
            }
            freeSlot(job);
            job.future.completeExceptionally(e);
            settle(job);
            return;
        }
        CompletableFuture<CompletedProcess> run = p.runToEndAsync();
        boolean killNow;
        lock.lock();
        try {
            job.popen = p;
            job.run = run;
            killNow = killed || job.future.isCancelled();
        } finally {
            lock.unlock();
        }
        if (killNow) {
            kill(job);
        }
        // Runs on the thread that completes the run (a callbacks thread, never the reactor): it
        // frees the slot, starts what the slot allows, then completes the caller's future.
        run.whenComplete((r, t) -> {
            freeSlot(job);
            try {
                if (t != null) {
                    job.future.completeExceptionally(t);
                } else {
                    job.future.complete(r);
                }
            } finally {
                settle(job);
                // Last: a failure while starting the next job must not leave this one incomplete.
                startWhatFits();
            }
        });
    }

    /** The job's child is gone: one more may start. */
    /**
     * Takes the launcher of {@code job} out of the pool and queues the job again at the front.
     * When no launcher is left, fails every queued job with {@code cause} and returns
     * {@code false} (the caller fails this one).
     */
    private boolean takeOut(Job job, SpawnException cause) {
        List<Job> orphans;
        lock.lock();
        try {
            if (!job.slots.down) {
                job.slots.down = true;
                Log.get().log(System.Logger.Level.WARNING,
                        "taking " + job.slots.launcher.name() + " out of the pool: " + cause.getMessage());
            }
            if (slots.stream().anyMatch(s -> !s.down) && !killed) {
                running.remove(job);
                job.slots.running--;
                job.slots = null;
                queue.addFirst(job);
                return true;
            }
            everyLauncherDown = cause; // what a later submit fails with
            orphans = new ArrayList<>(queue);
            queue.clear();
        } finally {
            lock.unlock();
        }
        failAll(orphans, cause);
        return false;
    }

    /** Fails jobs that were queued and will never run (no lock held). */
    private void failAll(List<Job> jobs, SpawnException cause) {
        for (Job j : jobs) {
            j.future.completeExceptionally(cause);
            settle(j);
        }
    }

    private void freeSlot(Job job) {
        lock.lock();
        try {
            if (running.remove(job) && job.slots != null) {
                job.slots.running--;
            }
        } finally {
            lock.unlock();
        }
    }

    /** The job's future is complete (or cancelled): close() waits for one job less. */
    private void settle(Job job) {
        lock.lock();
        try {
            if (!job.settled) {
                job.settled = true;
                if (--outstanding == 0) {
                    idle.signalAll();
                }
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String toString() {
        lock.lock();
        try {
            return "ProcessPool[maxConcurrency=" + maxConcurrency + ", active=" + running.size() + ", queued="
                    + queue.size() + (killed ? ", shut down" : closed ? ", closed" : "") + "]";
        } finally {
            lock.unlock();
        }
    }
}
