package dev.subprocess4j.internal.lifecycle;

import dev.subprocess4j.Signal;
import dev.subprocess4j.internal.Deadlines;
import dev.subprocess4j.internal.Log;
import dev.subprocess4j.internal.PumpThreads;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The deadline kill, one policy for every backend and launcher: at the deadline the kill signal
 * (to the child's group when the request asks for it), then SIGKILL once the kill grace has passed
 * when the first signal was not SIGKILL, and, for a child whose exit a client process carries
 * ({@code ssh}, {@code srun}), a last step when even SIGKILL did not end it within one second
 * plus the kill grace. Each step runs only while the child is alive; {@link #cancel()} (called
 * at the exit) drops what is still pending. Deadlines saturate ({@link Deadlines}): a timeout
 * beyond {@code System.nanoTime()}'s range schedules nothing. The steps run over a
 * {@link Scheduler}: {@link #SHARED} (the jdk backend, ssh, Slurm) or the Linux reactor's timers.
 */
public final class DeadlineKiller {
    /** What the killer acts on. Its methods may block (an ssh control line, an {@code scancel}). */
    public interface Target {
        /** Whether the child (or its local client) still runs. */
        boolean alive();

        /** Sends {@code signal} to the child, or to its process group when {@code group}. */
        void signal(Signal signal, boolean group);

        /** Called once at the deadline, while the child is alive, before the first signal. */
        default void timedOut() {}

        /** Called at the deadline when the child had already exited (it may still hold the call: held pipes). */
        default void deadlinePassedAfterExit() {}

        /**
         * Runs one step of the killer (its checks of {@link #alive()}, its signals and the calls
         * above): a target whose state is guarded by a lock takes it here, so that an exit cannot
         * slip between a check and what follows from it.
         */
        default void atomically(Runnable step) {
            step.run();
        }

        /**
         * Called when SIGKILL did not end the child within one second plus the kill grace (a
         * client whose connection hangs); only for targets armed with {@code lastResort}.
         */
        default void unresponsive() {}
    }

    /** Runs an action at a {@link System#nanoTime()}; the returned handle cancels it. */
    public interface Scheduler {
        /** Runs {@code action} at {@code atNanos} (or at once when that has passed). */
        Runnable schedule(long atNanos, Runnable action);
    }

    /**
     * The shared scheduler: one daemon platform thread, {@code subprocess4j-deadlines}, made at
     * its first use, that only hands each due step to a new virtual thread (a step may block).
     */
    public static final Scheduler SHARED = new SharedScheduler();

    private final Target target;
    private final Signal first;
    private final Duration grace;
    private final boolean group;
    private final boolean lastResort;
    private final Scheduler scheduler;
    private final String name;
    private Runnable pending; // guarded by this
    private boolean cancelled; // guarded by this
    private volatile boolean fired;

    private DeadlineKiller(Target target, Signal first, Duration grace, boolean group, boolean lastResort,
            Scheduler scheduler, String name) {
        this.target = target;
        this.first = first;
        this.grace = grace;
        this.group = group;
        this.lastResort = lastResort;
        this.scheduler = scheduler;
        this.name = name;
    }

    /**
     * Arms the kill of {@code target} at {@code deadlineNanos} (a {@link Deadlines} value;
     * {@link Deadlines#NEVER} arms nothing).
     *
     * @param first the kill signal
     * @param grace how long after {@code first} SIGKILL follows (unless {@code first} is SIGKILL)
     * @param group whether the signals go to the child's process group
     * @param lastResort whether {@link Target#unresponsive()} follows a SIGKILL that did not end it
     * @param name names the child in the log
     */
    public static DeadlineKiller arm(long deadlineNanos, Signal first, Duration grace, boolean group, boolean lastResort,
            Target target, Scheduler scheduler, String name) {
        DeadlineKiller k = new DeadlineKiller(target, first, grace, group, lastResort, scheduler, name);
        if (deadlineNanos != Deadlines.NEVER) {
            k.schedule(deadlineNanos, k::deadline);
        }
        return k;
    }

    /** Whether the deadline came while the child was alive (the kill signal was or is being sent). */
    public boolean fired() {
        return fired;
    }

    /** Drops the pending step (the child exited); returns whether the deadline had not yet fired. */
    public boolean cancel() {
        Runnable p;
        boolean notFired;
        synchronized (this) {
            cancelled = true;
            p = pending;
            pending = null;
            notFired = !fired;
        }
        if (p != null) {
            p.run();
        }
        return notFired;
    }

    private void schedule(long atNanos, Runnable step) {
        synchronized (this) {
            if (cancelled || atNanos == Deadlines.NEVER) {
                return;
            }
            pending = scheduler.schedule(atNanos, () -> target.atomically(() -> {
                synchronized (this) {
                    if (cancelled) {
                        return; // the exit came first (maybe while this step waited for the target's lock)
                    }
                    pending = null;
                }
                step.run();
            }));
        }
    }

    private void deadline() {
        // The look at the child and the decision under the monitor cancel() takes: an exit after
        // the look finds the deadline fired; one before it, cancelled (then nothing is sent).
        boolean alive;
        synchronized (this) {
            if (cancelled) {
                return;
            }
            alive = target.alive();
            fired = alive;
        }
        if (!alive) {
            target.deadlinePassedAfterExit();
            return;
        }
        Log.get().log(Level.DEBUG, "{0} timed out; sending {1}", name, first);
        target.timedOut();
        signal(first); // (a signal that fails does not end the sequence: the next step still comes)
        if (first != Signal.SIGKILL) {
            schedule(Deadlines.fromNow(grace), this::afterGrace);
        } else {
            lastResortAfterKill();
        }
    }

    private void afterGrace() {
        if (target.alive()) {
            signal(Signal.SIGKILL);
            lastResortAfterKill();
        }
    }

    /**
     * Sends {@code s}; a failure (a client that cannot be started, a host that refuses) is
     * logged, and the caller goes on to the next step, timed from now (a slow signal, a round trip
     * to a host, does not shorten the grace).
     */
    private void signal(Signal s) {
        try {
            target.signal(s, group);
        } catch (RuntimeException e) {
            Log.get().log(Level.WARNING, name + ": sending " + s + " at its deadline failed; the next step still comes", e);
        }
    }

    private void lastResortAfterKill() {
        if (lastResort) {
            schedule(Deadlines.after(Deadlines.fromNow(CLIENT_GRACE), grace), () -> {
                if (target.alive()) {
                    target.unresponsive();
                }
            });
        }
    }

    /** How long, beyond the kill grace, a client process may take to end after SIGKILL reached the program. */
    private static final Duration CLIENT_GRACE = Duration.ofSeconds(1);

    private static final class SharedScheduler implements Scheduler {
        private ScheduledThreadPoolExecutor executor; // guarded by this

        private synchronized ScheduledThreadPoolExecutor executor() {
            if (executor == null) {
                ScheduledThreadPoolExecutor e = new ScheduledThreadPoolExecutor(1, r -> {
                    Thread t = new Thread(r, "subprocess4j-deadlines");
                    t.setDaemon(true);
                    return t;
                });
                e.setRemoveOnCancelPolicy(true); // a cancelled far deadline is not kept until it would have come
                executor = e;
            }
            return executor;
        }

        @Override
        public Runnable schedule(long atNanos, Runnable action) {
            long delay = Math.max(0, atNanos - System.nanoTime());
            ScheduledFuture<?> f = executor().schedule(
                    () -> PumpThreads.start("deadline-step", action::run), delay, TimeUnit.NANOSECONDS);
            return () -> f.cancel(false);
        }
    }
}
