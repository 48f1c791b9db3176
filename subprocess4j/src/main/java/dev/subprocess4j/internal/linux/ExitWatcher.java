package dev.subprocess4j.internal.linux;

import dev.subprocess4j.ResourceUsage;
import dev.subprocess4j.Signal;
import dev.subprocess4j.SubprocessException;
import dev.subprocess4j.internal.Errno;
import dev.subprocess4j.internal.Log;
import dev.subprocess4j.internal.Outcome;
import dev.subprocess4j.internal.linux.ffi.Epoll;
import dev.subprocess4j.internal.linux.ffi.Libc;
import dev.subprocess4j.internal.linux.ffi.Pidfd;
import dev.subprocess4j.internal.linux.ffi.Rusage;
import dev.subprocess4j.internal.linux.ffi.Scratch;
import dev.subprocess4j.internal.linux.ffi.Signals;
import dev.subprocess4j.internal.linux.ffi.Unistd;
import java.lang.System.Logger.Level;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntConsumer;

/**
 * The pidfd of a {@link LinuxChild} and its exit: who watches the pidfd (the reactor, or platform
 * threads polling it themselves), the one reap, the exit status and usage, the exit future, and
 * signals, which never go to a reaped child. The pidfd is closed once the child was reaped and no
 * thread polls it any more. State is guarded by the child's lock ({@link ChildSync}); the exit
 * fields are written once, before the exit future completes. It is itself the reactor's handler
 * of the pidfd ({@link #accept(int)}), and makes the exit future only when someone asks for it.
 */
final class ExitWatcher implements IntConsumer {
    /** What the rest of the child does at its exit, under the lock. */
    interface Listener {
        /** The child exited at {@code nanos}; it does not read as reaped yet. */
        void exiting(long nanos);

        /** The child reads as reaped now. */
        void exited();
    }

    private final int pid;
    private final int pidfd;
    private final long spawnNanos;
    private final ChildSync sync;
    private final EpollReactor reactor;
    private final Listener listener;

    // reaped, returnCode, usage and exitNanos are written once, before exit completes
    /** Whether a thread claimed the reap ({@link #REAP_CLAIM}: a field, not an AtomicBoolean per child). */
    private volatile boolean reapClaim;
    private static final VarHandle REAP_CLAIM;

    static {
        try {
            REAP_CLAIM = MethodHandles.lookup().findVarHandle(ExitWatcher.class, "reapClaim", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private volatile boolean reaped;
    private volatile int returnCode;
    private volatile ResourceUsage usage;
    private volatile long exitNanos;
    /** Completes at the exit; made at the first {@link #future()} (lock held), null before. */
    private CompletableFuture<Outcome> exit;
    private long pidfdToken;
    /**
     * Whether the reactor watches the pidfd now; platform waiters take it out while they poll it.
     * A child of {@code Command.run()} starts without it (see {@link #watchExit()}).
     */
    private boolean pidfdInReactor;
    private int pidfdUsers;
    private boolean pidfdClosed;
    /**
     * Whether the reap is held back (a pipeline's stage while the later stages are spawned): the
     * child is not reaped until {@link #releaseReap()}, so a first stage that exits at once stays a
     * zombie and its process group, which the later stages join, still exists.
     */
    private volatile boolean reapHeld;

    /**
     * @param pidfd the child's pidfd, or -1 for a child that is gone already (see {@link #lostAtStart()})
     * @param holdReap whether the reap is held back until {@link #releaseReap()}
     */
    ExitWatcher(int pid, int pidfd, long spawnNanos, boolean holdReap, ChildSync sync, EpollReactor reactor,
                Listener listener) {
        this.pid = pid;
        this.pidfd = pidfd;
        this.pidfdClosed = pidfd < 0; // nothing to watch, wait for or signal
        this.spawnNanos = spawnNanos;
        this.reapHeld = holdReap;
        this.sync = sync;
        this.reactor = reactor;
        this.listener = listener;
    }

    /** Whether the future below is completed: the child exited and was reaped. */
    boolean reaped() {
        return reaped;
    }

    int returnCode() {
        return returnCode;
    }

    /** Completes at the exit, with no output; made at the first call. */
    CompletableFuture<Outcome> future() {
        sync.lock.lock();
        try {
            if (exit == null) {
                exit = new CompletableFuture<>();
                if (reaped) {
                    exit.complete(outcome(null, null));
                }
            }
            return exit;
        } finally {
            sync.lock.unlock();
        }
    }

    Outcome outcome(byte[] out, byte[] err) {
        return new Outcome(returnCode, out, err, pid, Duration.ofNanos(exitNanos - spawnNanos), usage);
    }

    // ================================================================== the reap

    /**
     * A child without a pidfd ({@code posix_spawn} gives a pid only, and the kernel reaped the
     * child before {@code pidfd_open}): reported as exited with its status unknown ({@link ChildUsage#statusLost}).
     */
    void lostAtStart() {
        if (pidfd < 0 && claimReap()) {
            ChildUsage.statusLost(pid, "pidfd_open: ESRCH");
            exited(0, null);
        }
    }

    /** Reaps the child if it has exited; the first caller wins, the others do nothing. */
    void tryReap() {
        if (reapHeld || reaped || !claimReap()) {
            return;
        }
        int code;
        ResourceUsage ru;
        try (Scratch arena = Scratch.open()) {
            MemorySegment info = arena.allocate(Pidfd.SIGINFO_SIZE, 8);
            MemorySegment rusage = arena.allocate(Rusage.SIZE, 8);
            int err = Pidfd.waitid(pidfd, info, Pidfd.WEXITED | Pidfd.WNOHANG, rusage);
            if (err == Errno.ECHILD || err == Errno.EINVAL) {
                // The pidfd became readable at the exit, but someone else reaped the child first
                // (or the kernel lacks P_PIDFD, Linux 5.4): the status is lost for good.
                ChildUsage.statusLost(pid, "waitid: " + Errno.name(err));
                code = 0;
                ru = null;
            } else if (err != 0) {
                reapClaim = false;
                Log.get().log(Level.WARNING, "waitid(P_PIDFD) for pid {0,number,#} failed: {1}", pid, Errno.name(err));
                rearmPidfd();
                return;
            } else {
                Pidfd.Exit exit = Pidfd.Exit.of(info);
                if (exit.pid() == 0) {
                    reapClaim = false; // not exited yet
                    rearmPidfd();
                    return;
                }
                code = exit.code();
                ru = ChildUsage.decode(rusage);
            }
        }
        exited(code, ru);
    }

    /** Whether this thread is the first to claim the reap. */
    private boolean claimReap() {
        return REAP_CLAIM.compareAndSet(this, false, true);
    }

    /** The reactor saw the pidfd readable: the child exited. */
    @Override
    public void accept(int events) {
        tryReap();
    }

    /** Records the exit (the caller won {@link #reapClaim}) and wakes every waiter. */
    private void exited(int code, ResourceUsage ru) {
        long now = System.nanoTime();
        CompletableFuture<Outcome> future;
        Throwable deregistering = null;
        sync.lock.lock();
        try {
            returnCode = code;
            usage = ru;
            exitNanos = now;
            listener.exiting(now);
            reaped = true;
            if (pidfdInReactor) {
                pidfdInReactor = false;
                try {
                    reactor.deregister(pidfd, pidfdToken);
                } catch (RuntimeException | Error e) {
                    deregistering = e; // thrown once the exit is recorded (the close below takes the pidfd out of the epoll set)
                }
            }
            if (pidfdUsers == 0) {
                closePidfd();
            }
            listener.exited();
            sync.changedLocked();
            future = exit; // one made from now on is completed when made
        } finally {
            sync.lock.unlock();
        }
        if (Log.get().isLoggable(Level.DEBUG)) {
            Log.get().log(Level.DEBUG, "pid {0,number,#} exited with {1} after {2} ms", pid, code,
                    TimeUnit.NANOSECONDS.toMillis(now - spawnNanos));
        }
        if (future != null) {
            future.complete(outcome(null, null));
        }
        if (deregistering != null) {
            throw Libc.rethrow(deregistering);
        }
    }

    /** Lets the child be reaped after a pipeline's spawns (see {@link #reapHeld}). */
    void releaseReap() {
        if (reapHeld) {
            reapHeld = false;
            tryReap(); // reaps it when it exited meanwhile, else arms its pidfd again
        }
    }

    // ================================================================== who watches the pidfd

    /**
     * Lets the reactor watch the pidfd from now on (lock held), unless the child was reaped or a
     * platform thread polls the pidfd now (that thread reaps, or hands the pidfd to the reactor
     * when it stops waiting). Every path that waits for the exit without polling the pidfd itself
     * (the exit future: {@code onExit}, {@code communicateAsync}, virtual threads) calls it first,
     * so a child whose starting thread gave up waiting is still reaped (no zombie).
     */
    void watchExit() {
        if (!reaped && !pidfdClosed && !pidfdInReactor && pidfdUsers == 0) {
            pidfdToken = reactor.register(pidfd, Epoll.EPOLLIN, this);
            pidfdInReactor = true;
        }
    }

    /**
     * Leaves the pidfd to the backend (lock held), whose start failed: it kills, reaps and closes
     * it; no reactor event or poll uses it from here on.
     */
    void abandon() {
        if (pidfdInReactor) {
            reactor.deregister(pidfd, pidfdToken);
            pidfdInReactor = false;
        }
        pidfdClosed = true; // (closed by the backend)
    }

    /**
     * For a platform thread that waits for the child itself (lock held): the pidfd is taken out of
     * the reactor, so that the exit is seen by that thread's own poll and the child reaped there;
     * the reactor is not woken for it (a cross-CPU hand-off costs more than the rest of the wait).
     * Whoever stops waiting before the reap gives it back ({@link #watchExit()}).
     */
    void pollItself() {
        if (pidfdInReactor) {
            reactor.deregister(pidfd, pidfdToken);
            pidfdInReactor = false;
        }
    }

    /** {@link #watchExit()} taking the lock. */
    void watchExitNow() {
        sync.lock.lock();
        try {
            watchExit();
        } finally {
            sync.lock.unlock();
        }
    }

    private void rearmPidfd() {
        sync.lock.lock();
        try {
            if (!reaped && !pidfdClosed && pidfdInReactor) {
                reactor.rearm(pidfd, Epoll.EPOLLIN, pidfdToken);
            }
        } finally {
            sync.lock.unlock();
        }
    }

    private void closePidfd() {
        if (!pidfdClosed) {
            pidfdClosed = true;
            Unistd.closeQuietly(pidfd);
        }
    }

    /**
     * For a platform thread that polls the pidfd with its pipes (lock held): the pidfd, kept open
     * until {@link #endPoll()}, when the reactor does not watch it and the child may be reaped;
     * else -1. After a poll that saw it readable the thread calls {@link #tryReap()} (lock not held).
     */
    int beginPoll() {
        if (reaped || reapHeld || pidfdClosed || pidfdInReactor) {
            return -1;
        }
        pidfdUsers++; // the pidfd stays open while this thread polls it
        return pidfd;
    }

    /** The end of a {@link #beginPoll()} that returned the pidfd (lock held). */
    void endPoll() {
        pidfdUsers--;
        if (reaped && pidfdUsers == 0) {
            closePidfd();
        }
    }

    // ================================================================== waiting

    /**
     * Waits for the exit until the deadline. A platform thread polls the child's own pidfd (no
     * hand-off from the reactor thread); a virtual thread waits on the exit future.
     */
    boolean awaitExit(long deadline) throws InterruptedException {
        if (reaped) {
            return true;
        }
        if (Thread.currentThread().isVirtual()) {
            watchExitNow();
            return awaitExitFuture(deadline);
        }
        sync.lock.lock();
        try {
            if (reaped || pidfdClosed) {
                return reaped || awaitExitFuture(deadline);
            }
            pollItself(); // (before the count: a failure here leaves no user behind)
            pidfdUsers++;
        } finally {
            sync.lock.unlock();
        }
        try {
            while (!reaped) {
                if (Thread.interrupted()) {
                    throw new InterruptedException();
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                // Bounded slices: an FFM poll does not see Thread.interrupt.
                int slice = (int) Math.min(100, Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                if (exitReadable(slice)) {
                    tryReap();
                    if (!reaped) {
                        // another thread claimed the reap and is finishing it
                        awaitExitFuture(Math.min(deadline, System.nanoTime() + 10_000_000L));
                    }
                }
            }
            return true;
        } finally {
            sync.lock.lock();
            try {
                pidfdUsers--;
                if (!reaped && pidfdUsers == 0) {
                    // timed out or interrupted: async watchers (and a dropped child) depend on the reactor again
                    watchExit();
                }
                if (reaped && pidfdUsers == 0) {
                    closePidfd();
                }
            } finally {
                sync.lock.unlock();
            }
        }
    }

    /**
     * Polls the pidfd for up to {@code millis}. Its scratch memory is given back before the caller
     * reaps: {@link #tryReap} takes the thread's scratch itself (nested, it would get an arena).
     */
    private boolean exitReadable(int millis) {
        try (Scratch s = Scratch.open()) {
            return Epoll.pollIn(s.allocate(8, 4), pidfd, millis);
        }
    }

    private boolean awaitExitFuture(long deadline) throws InterruptedException {
        CompletableFuture<Outcome> exit = future();
        try {
            if (deadline == Long.MAX_VALUE) {
                exit.get();
            } else {
                exit.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
            return true;
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        } catch (TimeoutException e) {
            return false;
        }
    }

    // ================================================================== signals

    /** Signals the child through its pidfd; nothing once it was reaped (its pid may be someone else's now). */
    void sendSignal(Signal signal) {
        sync.lock.lock();
        try {
            if (reaped || pidfdClosed) {
                return;
            }
            int err = Pidfd.sendSignal(pidfd, signal.number());
            if (err != 0 && err != Errno.ESRCH) {
                throw new SubprocessException("cannot send " + signal + " to pid " + pid + ": " + Errno.name(err) + " ("
                        + Errno.message(err) + ")");
            }
        } finally {
            sync.lock.unlock();
        }
    }

    /** Whether the kernel has {@code PIDFD_SIGNAL_PROCESS_GROUP} (Linux 6.9); null until the first group signal. */
    private static volatile Boolean pidfdGroupSignal;

    /**
     * Signals the child's own group {@code group}, never once the child was reaped: a group lives
     * as long as any member, but once the leader is reaped and the others gone, its number can be a
     * new group's. The reap is checked under the lock (the reap's {@code waitid} runs before it is
     * recorded, so a narrow window remains); the signal then goes through the pidfd
     * ({@code PIDFD_SIGNAL_PROCESS_GROUP}, Linux 6.9+) when the child leads {@code group} (the kernel
     * signals the group of the pidfd's {@code struct pid}), else by {@code kill(-pgid)}: the
     * unreaped child is a member that keeps the id taken.
     *
     * @return 0, ESRCH once the child was reaped, or another errno (EPERM)
     */
    int signalGroup(int group, int signal) {
        sync.lock.lock();
        try {
            if (reaped || pidfdClosed) {
                return Errno.ESRCH;
            }
            // PIDFD_SIGNAL_PROCESS_GROUP signals the group whose id is the pidfd's pid: only a child
            // that leads its group. A child that joined another group (a later pipeline stage,
            // processGroup(n)) is signalled by the id while it is unreaped: a live member keeps the id taken.
            if (group == pid && !Boolean.FALSE.equals(pidfdGroupSignal)) {
                int err = Pidfd.sendSignal(pidfd, signal, Pidfd.SIGNAL_PROCESS_GROUP);
                if (err != Errno.EINVAL) {
                    pidfdGroupSignal = true;
                    return err;
                }
                pidfdGroupSignal = false;
            }
            return Signals.killGroup(group, signal);
        } finally {
            sync.lock.unlock();
        }
    }

    /**
     * Whether the child is still ours and unreaped (running, or a zombie): its pid, and so its
     * process group's id, cannot belong to anyone else meanwhile. False once it was reaped, by us
     * or by the kernel (SIGCHLD ignored).
     */
    boolean unreaped() {
        sync.lock.lock();
        try (Scratch arena = Scratch.open()) {
            return !reaped && !pidfdClosed && Pidfd.isUnreapedChild(pidfd, arena.allocate(Pidfd.SIGINFO_SIZE, 8));
        } finally {
            sync.lock.unlock();
        }
    }
}
