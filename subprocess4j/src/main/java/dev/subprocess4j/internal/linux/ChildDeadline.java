package dev.subprocess4j.internal.linux;

import dev.subprocess4j.Signal;
import dev.subprocess4j.SubprocessException;
import dev.subprocess4j.internal.Deadlines;
import dev.subprocess4j.internal.Errno;
import dev.subprocess4j.internal.Log;
import dev.subprocess4j.internal.SpawnRequest;
import dev.subprocess4j.internal.lifecycle.DeadlineKiller;
import dev.subprocess4j.internal.lifecycle.DrainGrace;
import dev.subprocess4j.internal.linux.ffi.Epoll;
import dev.subprocess4j.internal.linux.ffi.Signals;
import java.lang.System.Logger.Level;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.function.BooleanSupplier;

/**
 * The deadline of a {@link LinuxChild} ({@code timeout}): at it the kill signal, after the kill
 * grace SIGKILL, by the shared policy ({@link DeadlineKiller}) on the reactor's timers; and once
 * the killed child is reaped, the drain grace, after which what grandchildren still hold open is
 * closed. Guarded by the child's lock.
 */
final class ChildDeadline implements ExitWatcher.Listener {
    private final SpawnRequest.Lifetime lifetime;
    private final long pid;
    /** The child's process group when it is not the JVM's, else null. */
    private final Integer ownGroup;
    private final ChildSync sync;
    private final EpollReactor reactor;
    private final ChildPipes pipes;
    /** Whether the library itself drains the child's pipes asynchronously (async communicate or pumps). */
    private final BooleanSupplier drainsAsync;
    /** Whether {@code communicate} (sync or async) has started. */
    private final BooleanSupplier communicating;
    /** Closes what is still open at the end of the drain grace, and ends the pumps. */
    private final Runnable closeAfterGrace;
    private ExitWatcher exit;

    private volatile boolean timedOut;
    /**
     * When the drain grace started (set with {@link #timedOut} once the child is also reaped): at
     * the exit after a deadline kill, or at the deadline when the child had exited before it.
     */
    private volatile long drainFromNanos;
    /** The kill at the deadline (kill signal, SIGKILL after the grace), on the reactor's timers; null without a deadline. */
    private DeadlineKiller killer;
    /** SIGKILL to the group of a child that exited before its deadline, after the kill grace. */
    private EpollReactor.Timer graceTimer;
    private EpollReactor.Timer drainTimer;

    /** Whether a child with {@code lifetime} has a deadline: only with a timeout. */
    static boolean needed(SpawnRequest.Lifetime lifetime) {
        return lifetime.timeout().isPresent();
    }

    ChildDeadline(SpawnRequest.Lifetime lifetime, long pid, Integer ownGroup, ChildSync sync, EpollReactor reactor,
                  ChildPipes pipes, BooleanSupplier drainsAsync, BooleanSupplier communicating,
                  Runnable closeAfterGrace) {
        this.lifetime = lifetime;
        this.pid = pid;
        this.ownGroup = ownGroup;
        this.sync = sync;
        this.reactor = reactor;
        this.pipes = pipes;
        this.drainsAsync = drainsAsync;
        this.communicating = communicating;
        this.closeAfterGrace = closeAfterGrace;
    }

    /** Arms the deadline, counted from {@code startNanos} (lock held). */
    void arm(ExitWatcher exit, long startNanos) {
        this.exit = exit;
        if (lifetime.timeout().isPresent()) {
            long deadline = Deadlines.after(startNanos, lifetime.timeout().orElse(null));
            if (deadline != Deadlines.NEVER) {
                killer = DeadlineKiller.arm(deadline, lifetime.killSignal(), lifetime.killGrace(),
                        lifetime.killGroupOnTimeout() && ownGroup != null, false, new KillTarget(), this::schedule,
                        "pid " + pid);
            }
        }
    }

    boolean timedOut() {
        return timedOut;
    }

    /**
     * When the drain grace ends ({@link System#nanoTime()}), or {@link Long#MAX_VALUE} while none
     * runs: it runs once the child timed out and was reaped.
     */
    long drainGraceEnd() {
        return timedOut && exit.reaped() ? DrainGrace.endNanos(drainFromNanos) : Long.MAX_VALUE;
    }

    /** Whether the drain grace ran out. */
    boolean drainGraceOver() {
        return timedOut && exit.reaped() && DrainGrace.isOver(drainFromNanos);
    }

    @Override
    public void exiting(long nanos) {
        if (timedOut) {
            drainFromNanos = nanos; // before reaped: readers check timedOut && reaped first
        }
    }

    @Override
    public void exited() {
        cancelWhenDone();
        if (killer != null && killer.fired()) {
            killer.cancel(); // the SIGKILL after the grace: nothing left to kill
        }
        reactor.cancel(graceTimer);
        if (timedOut && drainsAsync.getAsBoolean()) {
            scheduleDrainGrace();
        }
    }

    /**
     * Cancels the deadline timer once nothing is left for it (lock held): the child was reaped and
     * every pipe end of the JVM is closed. Until then it stays armed: a child that exits before
     * its deadline while something it started holds its pipes must not hold the call beyond it.
     */
    void cancelWhenDone() {
        if (killer != null && exit != null && exit.reaped() && pipes.allClosed()) {
            killer.cancel();
            killer = null;
        }
    }

    /** Cancels the deadline for good (lock held): the child's start failed and the backend kills it. */
    void abandon() {
        if (killer != null) {
            killer.cancel();
            killer = null;
        }
    }

    /** The reactor's timers as the killer's scheduler (lock held, or on the reactor thread). */
    private Runnable schedule(long atNanos, Runnable action) {
        EpollReactor.Timer t = reactor.schedule(atNanos, action);
        return () -> reactor.cancel(t);
    }

    /**
     * The child as the {@link DeadlineKiller} sees it. Every step runs under the child's lock, so
     * a reap cannot slip between the check and the state change (the reap then sees
     * {@code timedOut} and arms the drain grace, and cancels the SIGKILL step).
     */
    private final class KillTarget implements DeadlineKiller.Target {
        @Override
        public boolean alive() {
            return !exit.reaped();
        }

        @Override
        public void signal(Signal signal, boolean group) {
            killForTimeout(signal, group);
        }

        @Override
        public void timedOut() {
            timedOut = true;
        }

        @Override
        public void deadlinePassedAfterExit() {
            ChildDeadline.this.deadlinePassedAfterExit();
        }

        @Override
        public void atomically(Runnable step) {
            sync.lock.lock();
            try {
                step.run();
                sync.changedLocked();
            } finally {
                sync.lock.unlock();
            }
        }
    }

    private void killForTimeout(Signal s, boolean group) {
        if (group) {
            int err = exit.signalGroup(ownGroup, s.number());
            if (err == 0) {
                return; // the child is in its group: a second signal would be a second Ctrl-C to it
            }
            if (err != Errno.ESRCH && killFailure == null) {
                killFailure = "cannot send " + s + " to process group " + ownGroup + ": " + Errno.name(err) + " ("
                        + Errno.message(err) + ")";
            }
        }
        try {
            exit.sendSignal(s);
        } catch (SubprocessException e) {
            // EPERM: the child became another user. It is still waited for; the timeout says so.
            if (killFailure == null) {
                killFailure = e.getMessage();
            }
        }
    }

    /** Why the timeout's kill failed (the kernel refused it), or null; written under the lock. */
    private volatile String killFailure;

    /** Why the timeout's kill failed, or null when it did not (or there was no timeout). */
    String killFailure() {
        return killFailure;
    }

    /**
     * The deadline passed after the child had exited while something it started still holds the
     * pipes the library drains (lock held). As when the child is killed for its deadline, the call
     * ends as a timeout: what is still open after the drain grace (counted from now) is closed.
     * The child's own group, when the timeout kill goes to it, gets the kill signal (SIGKILL after
     * the kill grace): its id cannot be another group's while any member lives, and only when every
     * member has left it could the id be reused, after the kernel's pid counter wrapped around.
     */
    private void deadlinePassedAfterExit() {
        if (!drainingPipes()) {
            return;
        }
        drainFromNanos = System.nanoTime(); // before timedOut: readers check timedOut && reaped first
        timedOut = true;
        Log.get().log(Level.DEBUG, "pid {0,number,#} exited before its deadline ({1}), but its pipes are still held open",
                pid, lifetime.timeout().orElse(null));
        Integer group = ownGroup;
        if (lifetime.killGroupOnTimeout() && group != null) {
            Signals.killGroup(group, lifetime.killSignal().number());
            if (lifetime.killSignal() != Signal.SIGKILL) {
                graceTimer = reactor.schedule(Deadlines.fromNow(lifetime.killGrace()), () -> {
                    sync.lock.lock();
                    try {
                        // Only while something still holds the pipes: if the first signal emptied the
                        // group, its id may be free, and is never signalled again.
                        if (drainingPipes()) {
                            Signals.killGroup(group, Signal.SIGKILL.number());
                        }
                    } finally {
                        sync.lock.unlock();
                    }
                });
            }
        }
        if (drainsAsync.getAsBoolean()) {
            scheduleDrainGrace();
        }
    }

    /**
     * Whether the library itself still drains a pipe of the child (lock held): a captured stream or
     * pending input of {@code communicate} (sync or async), or a {@code from}/{@code to}/{@code lines}
     * pump. Pipes the caller reads through {@code Popen}'s streams are the caller's.
     */
    private boolean drainingPipes() {
        for (PipeChannel ch : pipes.all()) {
            if (ch != null && !ch.closed && (communicating.getAsBoolean() || ch.onReady != null) && heldOpen(ch)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether some process still holds the other end of a pipe of ours (lock held). An output pipe
     * whose every write end is closed reports {@code POLLHUP} even while data is left in it: its
     * reader gets to the end by itself, however late it is scheduled, so a deadline passing before
     * that read is not the child's lateness. Likewise {@code POLLERR} for the input pipe once no
     * one can read it.
     */
    private boolean heldOpen(PipeChannel ch) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment pollfd = arena.allocate(8, 4);
            short events = ch == pipes.stdin ? Epoll.POLLOUT : Epoll.POLLIN;
            Epoll.pollAny(pollfd, new int[] {ch.fd}, new short[] {events}, 1, 0);
            short revents = Epoll.revents(pollfd, 1)[0];
            return (revents & (ch == pipes.stdin ? Epoll.POLLERR : Epoll.POLLHUP)) == 0;
        }
    }

    /**
     * After a deadline kill, closes (on the reactor thread) what grandchildren still hold open a
     * bounded grace after the exit, so asynchronous waits and pumps always finish (lock held).
     */
    void scheduleDrainGrace() {
        if (drainTimer != null) {
            return;
        }
        drainTimer = reactor.schedule(DrainGrace.endNanos(drainFromNanos), closeAfterGrace);
    }

    /** {@link #scheduleDrainGrace()} when the grace already runs (lock held): for an async drain that starts late. */
    void scheduleDrainGraceIfRunning() {
        if (timedOut && exit.reaped()) {
            scheduleDrainGrace();
        }
    }
}
