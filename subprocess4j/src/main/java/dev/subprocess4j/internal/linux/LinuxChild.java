package dev.subprocess4j.internal.linux;

import dev.subprocess4j.Redirect;
import dev.subprocess4j.ResourceUsage;
import dev.subprocess4j.Signal;
import dev.subprocess4j.SubprocessException;
import dev.subprocess4j.internal.Callbacks;
import dev.subprocess4j.internal.ChildProcess;
import dev.subprocess4j.internal.CommunicateTimeout;
import dev.subprocess4j.internal.Deadlines;
import dev.subprocess4j.internal.Errno;
import dev.subprocess4j.internal.JvmProcess;
import dev.subprocess4j.internal.Log;
import dev.subprocess4j.internal.Outcome;
import dev.subprocess4j.internal.PumpThreads;
import dev.subprocess4j.internal.SpawnRequest;
import dev.subprocess4j.internal.TextCodec;
import dev.subprocess4j.internal.lifecycle.DrainGrace;
import dev.subprocess4j.internal.lifecycle.OutputDelivery;
import dev.subprocess4j.internal.linux.ffi.Epoll;
import dev.subprocess4j.internal.linux.ffi.ErrnoException;
import dev.subprocess4j.internal.linux.ffi.Libc;
import dev.subprocess4j.internal.linux.ffi.Mem;
import dev.subprocess4j.internal.linux.ffi.Pidfd;
import dev.subprocess4j.internal.linux.ffi.Signals;
import dev.subprocess4j.internal.linux.ffi.Unistd;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A child started by {@link LinuxBackend}. All its state is guarded by one lock; the reactor
 * only flips readiness flags and bumps {@link #generation} under it, and whoever waits (a
 * stream read, {@code communicate}, a pump task) does the non-blocking I/O itself.
 */
final class LinuxChild implements ChildProcess {
    private static final int CHUNK = 64 * 1024;

    private final SpawnRequest request;
    private final long pid;
    private final int pidfd;
    private final long startNanos;
    private final EpollReactor reactor = EpollReactor.get();

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private long generation;

    // ---- exit (reaped, returnCode, usage, exitNanos are written once, before exit completes)
    private final AtomicBoolean reapClaim = new AtomicBoolean();
    private volatile boolean reaped;
    private volatile int returnCode;
    private volatile ResourceUsage usage;
    /**
     * Above this, the child's ru_maxrss is its own peak (see {@link ResourceUsage#maxRssBytes()}):
     * the JVM's peak read as this object is made, just after the spawn (the exec that folded the
     * JVM's peak into the child's happened before), plus the kernel's counting slack.
     */
    private final long jvmPeakRssBound = jvmPeakRssBound();
    private volatile long exitNanos;
    private final CompletableFuture<Outcome> exit = new CompletableFuture<>();
    private long pidfdToken;
    /**
     * Whether the reactor watches the pidfd now; platform waiters take it out while they poll it.
     * A child of {@code Command.run()} starts without it (see {@link #watchExit()}).
     */
    private boolean pidfdInReactor;
    private int pidfdUsers;
    private boolean pidfdClosed;

    // ---- deadline
    private volatile boolean timedOut;
    /**
     * When the drain grace started (set with {@link #timedOut} once the child is also reaped): at
     * the exit after a deadline kill, or at the deadline when the child had exited before it.
     */
    private volatile long drainFromNanos;
    private EpollReactor.Timer deadlineTimer;
    private EpollReactor.Timer graceTimer;

    // ---- pipes
    private final Channel stdinChannel;
    private final Channel stdoutChannel;
    private final Channel stderrChannel;
    private final OutputStream stdinStream;
    private final InputStream stdoutStream;
    private final InputStream stderrStream;
    private final List<CompletableFuture<Void>> pumps = new ArrayList<>();
    private final OutputDelivery delivery = new OutputDelivery();

    // ---- reaps held back while a pipeline is being spawned
    /**
     * Set by {@link LinuxPipeline} around the spawns of its stages: a child started by this thread
     * meanwhile is not reaped until {@link #releaseReap()}, so a first stage that exits at once
     * stays a zombie and its process group, which the later stages join, still exists.
     */
    static final ThreadLocal<List<LinuxChild>> HOLD_REAPS = new ThreadLocal<>();
    private volatile boolean reapHeld;

    // ---- communicate
    private boolean communicationStarted;
    private byte[] pendingInput;
    private int inputOffset;
    private CaptureBuffer stdoutCapture;
    private CaptureBuffer stderrCapture;

    /**
     * @param watchExit whether the reactor watches the pidfd from the start; false only for a child
     *     whose starting thread waits for it at once ({@code Command.run()}): it polls the pidfd
     *     itself, and the reactor is asked only when someone waits asynchronously, on a virtual
     *     thread, or the waiting thread gives up ({@link #watchExit()})
     * @param pidfd the child's pidfd, or -1 for a child that is gone already, reaped by the kernel
     *     before a pidfd could be had ({@code posix_spawn} gives a pid only): it is reported as
     *     exited with its status unknown ({@link #statusLost})
     */
    LinuxChild(SpawnRequest request, int pid, int pidfd, long startNanos, int stdinFd, int stdoutFd, int stderrFd,
               boolean watchExit) {
        this.request = request;
        this.pid = pid;
        this.pidfd = pidfd;
        this.pidfdClosed = pidfd < 0; // nothing to watch, wait for or signal
        this.startNanos = startNanos;
        this.stdinChannel = stdinFd < 0 ? null : new Channel(stdinFd, "stdin");
        this.stdoutChannel = stdoutFd < 0 ? null : new Channel(stdoutFd, "stdout");
        this.stderrChannel = stderrFd < 0 ? null : new Channel(stderrFd, "stderr");
        this.stdinStream = request.stdin() == Redirect.PIPE ? new PipeOutputStream(stdinChannel) : null;
        this.stdoutStream = request.stdout() == Redirect.PIPE ? new PipeInputStream(stdoutChannel) : null;
        this.stderrStream = request.stderr() == Redirect.PIPE ? new PipeInputStream(stderrChannel) : null;
        List<LinuxChild> holder = HOLD_REAPS.get();
        if (holder != null) {
            reapHeld = true;
            holder.add(this);
        }
        lock.lock();
        try {
            if (watchExit) {
                watchExit();
            }
            if (request.timeout() != null) {
                long deadline = Deadlines.after(startNanos, request.timeout());
                if (deadline != Deadlines.NEVER) {
                    deadlineTimer = reactor.schedule(deadline, this::deadlinePassed);
                }
            }
            startPumps();
        } finally {
            lock.unlock();
        }
        if (pidfd < 0 && reapClaim.compareAndSet(false, true)) {
            statusLost(pid, "pidfd_open: ESRCH");
            exited(0, null);
        }
    }

    // ================================================================== exit and reaping

    /** Whether the lost status of a child was logged: once per JVM. */
    private static final AtomicBoolean STATUS_LOST_LOGGED = new AtomicBoolean();

    /**
     * A child whose exit status is lost: it exited, but the kernel (SIGCHLD ignored: SIG_IGN or
     * SA_NOCLDWAIT) or other code waiting for every child reaped it first. Reported as exited with
     * the status unknown: returnCode 0, as CPython does, and no usage. Logged once per JVM at
     * WARNING; the library never changes SIGCHLD's disposition itself (docs/semantics.md).
     */
    private static void statusLost(long pid, String why) {
        if (STATUS_LOST_LOGGED.compareAndSet(false, true)) {
            Log.get().log(Level.WARNING, "subprocess4j: the exit status of pid {0,number,#} is lost ({1}): SIGCHLD is "
                    + "ignored in this JVM (SIG_IGN or SA_NOCLDWAIT: the kernel reaps children itself), or other code "
                    + "waits for every child. Such children are reported as exited with returnCode 0 and no usage. "
                    + "The library leaves SIGCHLD as it is; said once.", pid, why);
        }
    }

    /** Reaps the child if it has exited; the first caller wins, the others do nothing. */
    private void tryReap() {
        if (reapHeld || reaped || !reapClaim.compareAndSet(false, true)) {
            return;
        }
        int code;
        ResourceUsage ru;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment info = arena.allocate(Pidfd.SIGINFO_SIZE, 8);
            MemorySegment rusage = arena.allocate(Pidfd.RUSAGE_SIZE, 8);
            int err = Pidfd.waitid(pidfd, info, Pidfd.WEXITED | Pidfd.WNOHANG, rusage);
            if (err == Errno.ECHILD || err == Errno.EINVAL) {
                // The pidfd became readable at the exit, but someone else reaped the child first
                // (or the kernel lacks P_PIDFD, Linux 5.4): the status is lost for good.
                statusLost(pid, "waitid: " + Errno.name(err));
                code = 0;
                ru = null;
            } else if (err != 0) {
                reapClaim.set(false);
                Log.get().log(Level.WARNING, "waitid(P_PIDFD) for pid {0,number,#} failed: {1}", pid, Errno.name(err));
                rearmPidfd();
                return;
            } else if (Mem.getInt(info, Pidfd.SI_PID) == 0) {
                reapClaim.set(false); // not exited yet
                rearmPidfd();
                return;
            } else {
                int siCode = Mem.getInt(info, Pidfd.SI_CODE);
                int status = Mem.getInt(info, Pidfd.SI_STATUS);
                code = siCode == Pidfd.CLD_EXITED ? status : -status;
                ru = readUsage(rusage);
            }
        }
        exited(code, ru);
    }

    /** Records the exit (the caller won {@link #reapClaim}) and wakes every waiter. */
    private void exited(int code, ResourceUsage ru) {
        long now = System.nanoTime();
        lock.lock();
        try {
            returnCode = code;
            usage = ru;
            exitNanos = now;
            if (timedOut) {
                drainFromNanos = now; // before reaped: readers check timedOut && reaped first
            }
            reaped = true;
            if (request.stdin() instanceof Redirect.FromStream && stdinChannel != null && !stdinChannel.closed) {
                // Nobody reads it any more; a source that never ends must not keep the fd open.
                stdinChannel.close(false);
            }
            cancelDeadlineWhenDone();
            reactor.cancel(graceTimer);
            if (pidfdInReactor) {
                reactor.deregister(pidfd, pidfdToken);
                pidfdInReactor = false;
            }
            if (pidfdUsers == 0) {
                closePidfd();
            }
            generation++;
            changed.signalAll();
            if (timedOut && (asyncIo != null || !pumps.isEmpty())) {
                scheduleDrainGrace();
            }
        } finally {
            lock.unlock();
        }
        if (Log.get().isLoggable(Level.DEBUG)) {
            Log.get().log(Level.DEBUG, "pid {0,number,#} exited with {1} after {2} ms", pid, code,
                    TimeUnit.NANOSECONDS.toMillis(now - startNanos));
        }
        exit.complete(outcome(null, null));
    }

    /** Lets the child be reaped again after a pipeline's spawns (see {@link #HOLD_REAPS}). */
    void releaseReap() {
        if (reapHeld) {
            reapHeld = false;
            tryReap(); // reaps it when it exited meanwhile, else arms its pidfd again
        }
    }

    /**
     * Lets the reactor watch the pidfd from now on (lock held), unless the child was reaped or a
     * platform thread polls the pidfd now (that thread reaps, or hands the pidfd to the reactor
     * when it stops waiting). Every path that waits for the exit without polling the pidfd itself
     * (the exit future: {@code onExit}, {@code communicateAsync}, virtual threads) calls it first,
     * so a child whose starting thread gave up waiting is still reaped (no zombie).
     */
    private void watchExit() {
        if (!reaped && !pidfdClosed && !pidfdInReactor && pidfdUsers == 0) {
            pidfdToken = reactor.register(pidfd, Epoll.EPOLLIN, events -> tryReap());
            pidfdInReactor = true;
        }
    }

    private void watchExitNow() {
        lock.lock();
        try {
            watchExit();
        } finally {
            lock.unlock();
        }
    }

    private void rearmPidfd() {
        lock.lock();
        try {
            if (!reaped && !pidfdClosed && pidfdInReactor) {
                reactor.rearm(pidfd, Epoll.EPOLLIN, pidfdToken);
            }
        } finally {
            lock.unlock();
        }
    }

    private void closePidfd() {
        if (!pidfdClosed) {
            pidfdClosed = true;
            Unistd.closeQuietly(pidfd);
        }
    }

    private ResourceUsage readUsage(MemorySegment ru) {
        Duration user = Duration.ofSeconds(Mem.getLong(ru, 0), Mem.getLong(ru, 8) * 1000);
        Duration sys = Duration.ofSeconds(Mem.getLong(ru, 16), Mem.getLong(ru, 24) * 1000);
        long maxRss = Mem.getLong(ru, 32) * 1024; // ru_maxrss is in KiB
        return new ResourceUsage(user, sys,
                jvmPeakRssBound >= 0 && maxRss > jvmPeakRssBound ? OptionalLong.of(maxRss) : OptionalLong.empty(),
                Mem.getLong(ru, 64), Mem.getLong(ru, 72),
                Mem.getLong(ru, 128), Mem.getLong(ru, 136));
    }

    /** The kernel's slack in a resident-set reading: 2 × CPUs × its per-CPU batch (at least 32 pages, of 4 KiB on x86_64, up to 64 KiB on aarch64), at least 16 MiB. */
    private static final long RSS_SLACK_BYTES;

    static {
        long cpus = Runtime.getRuntime().availableProcessors();
        RSS_SLACK_BYTES = Math.max(16L << 20, 2 * cpus * Math.max(32, 2 * cpus) * (Libc.X86_64 ? 4096 : 65536));
    }

    /** The JVM's peak resident size now plus {@link #RSS_SLACK_BYTES}, or -1 when it cannot be read. */
    private static long jvmPeakRssBound() {
        long peak = Unistd.selfMaxRssBytes();
        return peak < 0 ? -1 : peak + RSS_SLACK_BYTES;
    }

    private Outcome outcome(byte[] out, byte[] err) {
        return new Outcome(returnCode, out, err, pid, Duration.ofNanos(exitNanos - startNanos), usage);
    }

    /**
     * Waits for the exit until the deadline. A platform thread polls the child's own pidfd (no
     * hand-off from the reactor thread); a virtual thread waits on the exit future.
     */
    private boolean awaitExit(long deadline) throws InterruptedException {
        if (reaped) {
            return true;
        }
        if (Thread.currentThread().isVirtual()) {
            watchExitNow();
            try {
                if (deadline == Long.MAX_VALUE) {
                    exit.get();
                } else {
                    exit.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                }
            } catch (ExecutionException e) {
                throw new IllegalStateException(e.getCause());
            } catch (TimeoutException e) {
                return false;
            }
            return true;
        }
        lock.lock();
        try {
            if (reaped || pidfdClosed) {
                return reaped || awaitExitFuture(deadline);
            }
            pidfdUsers++;
            // The cheap blocking wait: this thread polls the pidfd and reaps; the reactor is not
            // woken for this exit (a cross-CPU hand-off costs more than the rest of the wait).
            if (pidfdInReactor) {
                reactor.deregister(pidfd, pidfdToken);
                pidfdInReactor = false;
            }
        } finally {
            lock.unlock();
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment pollfd = arena.allocate(8, 4);
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
                if (Epoll.pollIn(pollfd, pidfd, slice)) {
                    tryReap();
                    if (!reaped) {
                        // another thread claimed the reap and is finishing it
                        awaitExitFuture(Math.min(deadline, System.nanoTime() + 10_000_000L));
                    }
                }
            }
            return true;
        } finally {
            lock.lock();
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
                lock.unlock();
            }
        }
    }

    private boolean awaitExitFuture(long deadline) throws InterruptedException {
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

    // ================================================================== deadline

    /**
     * Cancels the deadline timer once nothing is left for it (lock held): the child was reaped and
     * every pipe end of the JVM is closed. Until then it stays armed: a child that exits before
     * its deadline while something it started holds its pipes must not hold the call beyond it.
     */
    private void cancelDeadlineWhenDone() {
        if (deadlineTimer != null && reaped && isClosed(stdinChannel) && isClosed(stdoutChannel) && isClosed(stderrChannel)) {
            reactor.cancel(deadlineTimer);
            deadlineTimer = null;
        }
    }

    private static boolean isClosed(Channel ch) {
        return ch == null || ch.closed;
    }

    /**
     * Whether the library itself still drains a pipe of the child (lock held): a captured stream or
     * pending input of {@code communicate} (sync or async), or a {@code from}/{@code to}/{@code lines}
     * pump. Pipes the caller reads through {@code Popen}'s streams are the caller's.
     */
    private boolean drainingPipes() {
        for (Channel ch : new Channel[] {stdinChannel, stdoutChannel, stderrChannel}) {
            if (ch != null && !ch.closed && (communicationStarted || ch.onReady != null) && heldOpen(ch)) {
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
    private boolean heldOpen(Channel ch) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment pollfd = arena.allocate(8, 4);
            short events = ch == stdinChannel ? Epoll.POLLOUT : Epoll.POLLIN;
            Epoll.pollAny(pollfd, new int[] {ch.fd}, new short[] {events}, 1, 0);
            short revents = Epoll.reventsAt(pollfd, 0);
            return (revents & (ch == stdinChannel ? Epoll.POLLERR : Epoll.POLLHUP)) == 0;
        }
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
                pid, request.timeout());
        Integer group = ownGroup();
        if (request.killGroupOnTimeout() && group != null) {
            Signals.killGroup(group, request.killSignal().number());
            if (request.killSignal() != Signal.SIGKILL) {
                graceTimer = reactor.schedule(Deadlines.fromNow(request.killGrace()),
                        () -> Signals.killGroup(group, Signal.SIGKILL.number()));
            }
        }
        if (asyncIo != null || !pumps.isEmpty()) {
            scheduleDrainGrace();
        }
    }

    /**
     * The deadline: under the lock, so a reap cannot slip between the check and the state change
     * (the reap then sees {@code timedOut} and arms the drain grace, and cancels the grace timer).
     */
    private void deadlinePassed() {
        lock.lock();
        try {
            if (reaped) {
                deadlinePassedAfterExit();
                generation++;
                changed.signalAll();
                return;
            }
            timedOut = true;
            Log.get().log(Level.DEBUG, "pid {0,number,#} timed out after {1}; sending {2}", pid, request.timeout(), request.killSignal());
            killForTimeout(request.killSignal());
            if (request.killSignal() != Signal.SIGKILL) {
                graceTimer = reactor.schedule(Deadlines.fromNow(request.killGrace()), () -> {
                    lock.lock();
                    try {
                        if (!reaped) {
                            killForTimeout(Signal.SIGKILL);
                        }
                    } finally {
                        lock.unlock();
                    }
                });
            }
            generation++;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void killForTimeout(Signal s) {
        if (request.killGroupOnTimeout() && ownGroup() != null) {
            signalOwnGroup(s.number());
        }
        sendSignal(s);
    }

    /** The child's process group when it is not the JVM's, else null. */
    private Integer ownGroup() {
        if (request.startNewSession() || Integer.valueOf(0).equals(request.processGroup())) {
            return (int) pid;
        }
        return request.processGroup();
    }

    private void wakeWaiters() {
        lock.lock();
        try {
            generation++;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    // ================================================================== channels

    /** One pipe end of the JVM; its I/O runs under the child's lock. */
    private final class Channel {
        final int fd;
        final String name;
        /**
         * Whether this is the master of a pseudo-terminal ({@code Command.pty()}): its end of data is
         * the EIO of a read once no one holds the slave, never POLLHUP or a short read (a master
         * read returns at most what the line discipline holds, 4 KiB, while more may be queued).
         */
        final boolean tty;
        long token = -1;
        boolean closed;
        boolean eof;
        int ready;
        /** For pumped channels: what to do when the reactor says the fd is ready. */
        Runnable onReady;
        /** What the last {@code poll} of a platform thread in {@code communicate} returned for this fd. */
        int pollRevents;

        int takePollRevents() {
            int r = pollRevents;
            pollRevents = 0;
            return r;
        }

        Channel(int fd, String name) {
            this.fd = fd;
            this.name = name;
            this.tty = request.pty() != null && !name.equals("stderr");
        }


        /** Arms the channel (lock held). */
        void arm(int events) {
            if (closed) {
                return;
            }
            if (token < 0) {
                token = reactor.register(fd, events, this::readyFromReactor);
            } else {
                reactor.rearm(fd, events, token);
            }
        }

        private void readyFromReactor(int events) {
            Runnable r;
            lock.lock();
            try {
                ready |= events;
                generation++;
                changed.signalAll();
                r = onReady;
            } finally {
                lock.unlock();
            }
            if (r != null) {
                try {
                    r.run();
                } catch (Throwable t) {
                    ioFailed(t);
                }
            }
        }

        /** Closes our end (lock held); {@code atEnd} marks it as a clean end of data. */
        void close(boolean atEnd) {
            if (closed) {
                return;
            }
            closed = true;
            eof |= atEnd;
            if (token >= 0) {
                reactor.deregister(fd, token);
            }
            Unistd.closeQuietly(fd);
            cancelDeadlineWhenDone();
            generation++;
            changed.signalAll();
        }

        /** Reads up to len bytes (lock held): >0 read, 0 end of file, -1 nothing now. */
        int read(byte[] into, int off, int len) {
            MemorySegment buffer = ScratchBuffers.borrow();
            try {
                long n = readOrEio(buffer, Math.min(len, ScratchBuffers.SIZE));
                if (n > 0) {
                    MemorySegment.copy(buffer, ValueLayout.JAVA_BYTE, 0, into, off, (int) n);
                } else if (n < 0) {
                    ready &= ~Epoll.EPOLLIN;
                }
                return (int) n;
            } finally {
                ScratchBuffers.release(buffer);
            }
        }

        /**
         * Reads up to one scratch buffer straight into a capture (lock held): >0 read, 0 end of
         * file, -1 nothing now.
         */
        int readInto(CaptureBuffer capture) {
            MemorySegment buffer = ScratchBuffers.borrow();
            try {
                long n = readOrEio(buffer, ScratchBuffers.SIZE);
                if (n > 0) {
                    capture.write(buffer, (int) n);
                } else if (n < 0) {
                    ready &= ~Epoll.EPOLLIN;
                }
                return (int) n;
            } finally {
                ScratchBuffers.release(buffer);
            }
        }

        /** A read; on a terminal's master, EIO (no one holds the slave any more) is end of file. */
        private long readOrEio(MemorySegment buffer, long len) {
            try {
                return Unistd.read(fd, buffer, len);
            } catch (ErrnoException e) {
                if (tty && e.errno() == Errno.EIO) {
                    return 0;
                }
                throw e;
            }
        }

        /** Writes up to len bytes (lock held): bytes written, or -1 when the pipe is full. */
        int write(byte[] from, int off, int len) {
            int chunk = Math.min(len, ScratchBuffers.SIZE);
            MemorySegment buffer = ScratchBuffers.borrow();
            try {
                MemorySegment.copy(from, off, buffer, ValueLayout.JAVA_BYTE, 0, chunk);
                long n = Unistd.write(fd, buffer, chunk);
                if (n < 0) {
                    ready &= ~Epoll.EPOLLOUT;
                }
                return (int) n;
            } finally {
                ScratchBuffers.release(buffer);
            }
        }
    }

    /**
     * Waits (lock held) until one of the channels is ready for its events, something else changes,
     * or the deadline passes (false). A virtual thread arms the channels in the reactor and waits
     * on the lock's condition; a platform thread releases the lock and polls the fds itself, in
     * bounded slices (a hand-off from the reactor thread per chunk would dominate the cost).
     */
    private boolean awaitIo(Channel[] channels, int[] events, int count, long deadline, boolean withExit)
            throws InterruptedException {
        if (Thread.currentThread().isVirtual()) {
            for (int i = 0; i < count; i++) {
                channels[i].arm(events[i]);
            }
            return awaitChange(deadline);
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            return false;
        }
        // communicate() also polls the pidfd when the reactor does not watch it (Command.run()):
        // the exit is then seen here, without a hand-off, also after a timeout kill while
        // grandchildren hold the pipes (the drain grace starts at the reap).
        boolean pollExit = withExit && !reaped && !reapHeld && !pidfdClosed && !pidfdInReactor;
        int n = pollExit ? count + 1 : count;
        int[] fds = new int[n];
        short[] pollEvents = new short[n];
        for (int i = 0; i < count; i++) {
            fds[i] = channels[i].fd;
            pollEvents[i] = events[i] == Epoll.EPOLLOUT ? Epoll.POLLOUT : Epoll.POLLIN;
        }
        if (pollExit) {
            fds[count] = pidfd;
            pollEvents[count] = Epoll.POLLIN;
            pidfdUsers++; // the pidfd stays open while this thread polls it
        }
        int slice = (int) Math.min(100, Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
        short[] revents = new short[n];
        lock.unlock();
        try {
            try (Arena arena = Arena.ofConfined()) { // per call: several threads may poll one child
                // A channel closed meanwhile makes poll return at once (POLLNVAL): the caller re-checks.
                MemorySegment pollfds = arena.allocate(8L * n, 8);
                Epoll.pollAny(pollfds, fds, pollEvents, n, slice);
                for (int i = 0; i < n; i++) {
                    revents[i] = Epoll.reventsAt(pollfds, i);
                }
            }
            if (pollExit && revents[count] != 0) {
                tryReap(); // sees this thread among the pidfd's users and leaves it open
            }
        } finally {
            lock.lock();
            if (pollExit) {
                pidfdUsers--;
                if (reaped && pidfdUsers == 0) {
                    closePidfd();
                }
            }
        }
        for (int i = 0; i < count; i++) {
            channels[i].pollRevents = revents[i];
        }
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        return true;
    }

    private boolean awaitIo(Channel ch, int events, long deadline) throws InterruptedException {
        return awaitIo(new Channel[] {ch}, new int[] {events}, 1, deadline, false);
    }

    /** Waits (lock held) until something changes or the deadline passes; false on the deadline. */
    private boolean awaitChange(long deadline) throws InterruptedException {
        long seen = generation;
        while (seen == generation) {
            if (deadline == Long.MAX_VALUE) {
                changed.await();
            } else {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                changed.awaitNanos(left);
            }
        }
        return true;
    }

    private final class PipeInputStream extends InputStream {
        private final Channel ch;

        PipeInputStream(Channel ch) {
            this.ch = ch;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            if (len == 0) {
                return 0;
            }
            try {
                lock.lockInterruptibly();
                try {
                    while (true) {
                        if (ch.closed) {
                            if (ch.eof) {
                                return -1;
                            }
                            throw ioFailure != null ? new IOException("the library gave up reading " + ch.name
                                    + " of pid " + pid, ioFailure) : new IOException("Stream closed");
                        }
                        int n = ch.read(b, off, len);
                        if (n > 0) {
                            return n;
                        }
                        if (n == 0) {
                            ch.close(true);
                            return -1;
                        }
                        awaitIo(ch, Epoll.EPOLLIN, Long.MAX_VALUE);
                    }
                } finally {
                    lock.unlock();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while reading " + ch.name + " of pid " + pid);
            } catch (ErrnoException e) {
                throw new IOException(e.getMessage(), e);
            }
        }

        @Override
        public void close() {
            lock.lock();
            try {
                ch.close(false);
            } finally {
                lock.unlock();
            }
        }
    }

    private final class PipeOutputStream extends OutputStream {
        private final Channel ch;

        PipeOutputStream(Channel ch) {
            this.ch = ch;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            try {
                lock.lockInterruptibly();
                try {
                    while (len > 0) {
                        if (ch.closed) {
                            throw new IOException("Stream closed");
                        }
                        int n;
                        try {
                            n = ch.write(b, off, len);
                        } catch (ErrnoException e) {
                            if (e.errno() == Errno.EPIPE) {
                                throw new IOException("Broken pipe", e);
                            }
                            throw new IOException(e.getMessage(), e);
                        }
                        if (n < 0) {
                            awaitIo(ch, Epoll.EPOLLOUT, Long.MAX_VALUE);
                        } else {
                            off += n;
                            len -= n;
                        }
                    }
                } finally {
                    lock.unlock();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while writing stdin of pid " + pid);
            }
        }

        @Override
        public void close() {
            lock.lock();
            try {
                ch.close(false);
            } finally {
                lock.unlock();
            }
        }
    }

    // ================================================================== pumps (from / to / lines)

    /** Starts the pumps (lock held): each readiness event runs one short task on a virtual thread. */
    private void startPumps() {
        if (request.stdin() instanceof Redirect.FromStream(InputStream in)) {
            // Not waited for: a child may exit without reading its stdin, and the source may
            // never end (System.in); the pump stops at the child's EPIPE or the source's end.
            pumpInput(stdinChannel, in);
        }
        pumpOutput(request.stdout(), stdoutChannel);
        if (request.stderr() != Redirect.STDOUT) {
            pumpOutput(request.stderr(), stderrChannel);
        }
    }

    private void pumpOutput(Redirect r, Channel ch) {
        OutputStream out;
        TextCodec.LineSplitter lines;
        // instanceof, not a pattern switch, which costs a JVM's first spawn a spun class (~1 ms)
        if (r instanceof Redirect.ToStream(OutputStream o)) {
            out = o;
            lines = null;
        } else if (r instanceof Redirect.Lines(var perLine)) {
            out = null;
            lines = request.text().new LineSplitter(perLine);
        } else {
            return;
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        pumps.add(done);
        AtomicBoolean failed = new AtomicBoolean();
        Runnable task = () -> PumpThreads.start(ch.name + "-" + pid, () -> {
            byte[] chunk = new byte[CHUNK];
            while (true) {
                int n;
                lock.lock();
                try {
                    if (ch.closed) {
                        n = 0;
                    } else {
                        n = ch.read(chunk, 0, chunk.length);
                        if (n == 0) {
                            ch.close(true);
                        } else if (n < 0) {
                            ch.arm(Epoll.EPOLLIN);
                            return;
                        }
                    }
                } finally {
                    lock.unlock();
                }
                if (n == 0) {
                    try {
                        if (lines != null && !failed.get()) {
                            lines.finish();
                        } else if (out != null && !failed.get()) {
                            out.flush();
                        }
                    } catch (Throwable e) { // the last line's consumer or the final flush
                        delivery.failed(pid, ch.name, e);
                    } finally {
                        done.complete(null);
                    }
                    return;
                }
                if (!failed.get()) {
                    try {
                        if (lines != null) {
                            lines.feed(chunk, 0, n);
                        } else {
                            out.write(chunk, 0, n);
                        }
                    } catch (Throwable e) { // an Error from a consumer too: a dead pump would block the child
                        // Keep draining so the child never blocks on a full pipe; the wait then fails with it.
                        failed.set(true);
                        delivery.failed(pid, ch.name, e);
                    }
                }
            }
        });
        ch.onReady = task;
        ch.arm(Epoll.EPOLLIN);
    }

    private CompletableFuture<Void> pumpInput(Channel ch, InputStream in) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        byte[] chunk = new byte[CHUNK];
        int[] pending = {0, 0}; // offset, length
        Runnable task = () -> PumpThreads.start("stdin-" + pid, () -> {
            while (true) {
                if (pending[1] == 0) {
                    int n;
                    try {
                        n = in.read(chunk); // may block: this is a virtual thread of its own
                    } catch (Throwable e) { // the child must still see the end of its stdin
                        Log.get().log(Level.WARNING, "pid " + pid + ": reading its stdin source failed", e);
                        n = -1;
                    }
                    if (n < 0) {
                        closeChannel(ch, true);
                        done.complete(null);
                        return;
                    }
                    pending[0] = 0;
                    pending[1] = n;
                }
                lock.lock();
                try {
                    if (ch.closed) {
                        done.complete(null);
                        return;
                    }
                    int w;
                    try {
                        w = ch.write(chunk, pending[0], pending[1]);
                    } catch (ErrnoException e) {
                        ch.close(false); // EPIPE: the child stopped reading, as Python ignores
                        done.complete(null);
                        return;
                    }
                    if (w < 0) {
                        ch.arm(Epoll.EPOLLOUT);
                        return;
                    }
                    pending[0] += w;
                    pending[1] -= w;
                } finally {
                    lock.unlock();
                }
            }
        });
        ch.onReady = task;
        ch.arm(Epoll.EPOLLOUT);
        return done;
    }

    private void closeChannel(Channel ch, boolean atEnd) {
        lock.lock();
        try {
            ch.close(atEnd);
        } finally {
            lock.unlock();
        }
    }

    /** Waits for the pumps; after a timeout kill, closes what grandchildren still hold after the grace. */
    private boolean awaitPumps(long deadline) throws InterruptedException {
        if (pumps.isEmpty()) {
            return true;
        }
        CompletableFuture<Void> all = CompletableFuture.allOf(pumps.toArray(CompletableFuture[]::new));
        while (true) {
            long limit = deadline;
            if (timedOut && reaped) {
                limit = Math.min(limit, DrainGrace.endNanos(drainFromNanos));
            }
            try {
                if (limit == Long.MAX_VALUE) {
                    all.get();
                } else {
                    all.get(Math.max(0, limit - System.nanoTime()), TimeUnit.NANOSECONDS);
                }
                return true;
            } catch (ExecutionException e) {
                return true;
            } catch (TimeoutException e) {
                if (timedOut && reaped && DrainGrace.isOver(drainFromNanos)) {
                    forceClosePipes();
                    pumps.forEach(p -> p.complete(null));
                    return true;
                }
                if (System.nanoTime() >= deadline) {
                    return false;
                }
            }
        }
    }

    /**
     * The reactor's work for this child's pipes failed (an {@code OutOfMemoryError} while a capture
     * grew, no thread left for a pump): without it nobody would read them again, so the calls on
     * them fail with {@code t} as they would have on the caller's thread, the child is killed (it
     * could block on a full pipe for ever) and reaped as any other. Allocates nothing it can avoid.
     */
    private void ioFailed(Throwable t) {
        lock.lock();
        try {
            // Memory first: under OutOfMemoryError the captures are what fills the heap, and each
            // step after this one may need a little of it.
            stdoutCapture = null;
            stderrCapture = null;
            if (ioFailure == null) {
                ioFailure = t;
            }
            for (Channel ch : new Channel[] {stdinChannel, stdoutChannel, stderrChannel}) {
                if (ch != null && !ch.closed) {
                    ch.close(false);
                }
            }
        } finally {
            lock.unlock();
        }
        sendSignal(Signal.SIGKILL);
        lock.lock();
        try {
            if (asyncIo != null) {
                asyncIo.completeExceptionally(t);
            }
            for (CompletableFuture<Void> p : pumps) {
                p.completeExceptionally(t);
            }
            generation++;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** What made the reactor give up on this child's pipes ({@link #ioFailed}); null while nothing did. */
    private Throwable ioFailure;

    private void forceClosePipes() {
        lock.lock();
        try {
            for (Channel ch : new Channel[] {stdinChannel, stdoutChannel, stderrChannel}) {
                if (ch != null && !ch.closed) {
                    Log.get().log(Level.DEBUG, "pid {0,number,#}: {1} still open {2} after the timeout kill (a grandchild holds it); closing",
                            pid, ch.name, DrainGrace.DURATION);
                    ch.close(true);
                }
            }
            asyncStepLocked();
        } finally {
            lock.unlock();
        }
    }

    // ================================================================== ChildProcess

    @Override
    public long pid() {
        return pid;
    }

    @Override
    public OutputStream stdin() {
        return stdinStream;
    }

    @Override
    public InputStream stdout() {
        return stdoutStream;
    }

    @Override
    public void resize(int columns, int rows) {
        if (request.pty() == null) {
            ChildProcess.super.resize(columns, rows);
        }
        lock.lock();
        try {
            // the master through whichever of our ends of it is still open
            Channel ch = !isClosed(stdoutChannel) ? stdoutChannel : !isClosed(stdinChannel) ? stdinChannel : null;
            if (!reaped && ch != null) {
                dev.subprocess4j.internal.linux.ffi.Pty.setWindowSize(ch.fd, columns, rows);
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public InputStream stderr() {
        return stderrStream;
    }

    @Override
    public OptionalInt poll() {
        if (!reaped) {
            tryReap();
        }
        return reaped ? OptionalInt.of(returnCode) : OptionalInt.empty();
    }

    @Override
    public OptionalInt waitFor(Duration timeout) throws InterruptedException {
        long deadline = Deadlines.fromNow(timeout);
        if (!awaitExit(deadline) || !awaitPumps(deadline)) {
            return OptionalInt.empty();
        }
        return OptionalInt.of(returnCode);
    }

    /**
     * The first communicate (sync or async), under the lock: checks the input against stdin,
     * closes an unused stdin pipe so the child sees end of file, and sets up the capture buffers.
     */
    private void beginCommunication(byte[] input) {
        if (input != null && stdinStream == null) {
            throw new IllegalStateException(
                    "input given but stdin is not a pipe: start the command with stdin(Redirect.PIPE)");
        }
        communicationStarted = true;
        pendingInput = input;
        if (stdinStream != null && (input == null || input.length == 0) && !stdinChannel.closed) {
            stdinChannel.close(false);
        }
        stdoutCapture = stdoutStream != null ? new CaptureBuffer() : null;
        stderrCapture = stderrStream != null ? new CaptureBuffer() : null;
    }

    @Override
    public Outcome communicate(byte[] input, Duration timeout) throws CommunicateTimeout, InterruptedException {
        long deadline = Deadlines.fromNow(timeout);
        lock.lockInterruptibly();
        boolean ioDone = false;
        try {
            // The first call polls before it reads: the child was most likely just started, and a
            // read would only find its pipes empty (a wasted system call per pipe).
            boolean pollFirst = !communicationStarted;
            if (!communicationStarted) {
                beginCommunication(input);
            } else if (input != null) {
                throw new IllegalStateException("Cannot send input after starting communication");
            }
            if (Thread.currentThread().isVirtual()) {
                watchExit(); // a virtual thread waits on conditions; only the reactor sees the exit then
            }
            Channel[] waitOn = new Channel[3];
            int[] waitFor = new int[3];
            while (true) {
                int count = 0;
                if (pendingInput != null && stdinStream != null && !stdinChannel.closed && !writeInput()) {
                    waitOn[count] = stdinChannel;
                    waitFor[count++] = Epoll.EPOLLOUT;
                }
                if (stdoutCapture != null && !stdoutChannel.closed
                        && (pollFirst || !drainInto(stdoutChannel, stdoutCapture))) {
                    waitOn[count] = stdoutChannel;
                    waitFor[count++] = Epoll.EPOLLIN;
                }
                if (stderrCapture != null && !stderrChannel.closed
                        && (pollFirst || !drainInto(stderrChannel, stderrCapture))) {
                    waitOn[count] = stderrChannel;
                    waitFor[count++] = Epoll.EPOLLIN;
                }
                pollFirst = false;
                if (count == 0) {
                    break;
                }
                long limit = deadline;
                if (timedOut && reaped) {
                    long graceEnd = DrainGrace.endNanos(drainFromNanos);
                    if (System.nanoTime() >= graceEnd) {
                        forceClosePipes();
                        break;
                    }
                    limit = Math.min(limit, graceEnd);
                }
                if (!awaitIo(waitOn, waitFor, count, limit, true) && System.nanoTime() >= deadline) {
                    throw partial();
                }
            }
            ioDone = true;
        } finally {
            if (!ioDone && !reaped && pidfdUsers == 0) {
                watchExit(); // leaving early (interrupt, timeout, failure): the reactor reaps the child
            }
            lock.unlock();
        }
        if (!awaitExit(deadline) || !awaitPumps(deadline)) {
            throw partial();
        }
        lock.lock();
        try {
            return outcome(stdoutCapture == null ? null : stdoutCapture.toByteArray(),
                    stderrCapture == null ? null : stderrCapture.toByteArray());
        } finally {
            lock.unlock();
        }
    }

    /**
     * Writes pending input until the pipe is full (lock held); EPIPE ends it quietly, as Python.
     *
     * @return true when the input is done (all written or the child closed its end)
     */
    private boolean writeInput() {
        while (inputOffset < pendingInput.length) {
            int n;
            try {
                n = stdinChannel.write(pendingInput, inputOffset, pendingInput.length - inputOffset);
            } catch (ErrnoException e) {
                stdinChannel.close(false);
                pendingInput = null;
                return true;
            }
            if (n < 0) {
                return false;
            }
            inputOffset += n;
        }
        stdinChannel.close(true);
        pendingInput = null;
        return true;
    }

    /**
     * One read into {@code capture}: the bytes read, -1 when the pipe is empty for now, 0 at end
     * of file or after a read error (which ends the stream as end of file does).
     */
    private static int readOrEnd(Channel ch, CaptureBuffer capture) {
        try {
            return ch.readInto(capture);
        } catch (ErrnoException e) {
            return 0;
        }
    }

    /**
     * Reads what is there (lock held); true at end of file. Uses what the last {@code poll} said
     * of the pipe ({@link Channel#takePollRevents()}): hung up with nothing to read is the end
     * without a read; a read shorter than asked found the pipe empty, so the next read would
     * only say so again (the end, when the writer had hung up before it; else poll again).
     */
    private static boolean drainInto(Channel ch, CaptureBuffer capture) {
        int revents = ch.takePollRevents();
        if (!ch.tty && (revents & (Epoll.POLLHUP | Epoll.POLLIN | Epoll.POLLERR | Epoll.POLLNVAL)) == Epoll.POLLHUP) {
            ch.close(true);
            return true;
        }
        boolean hungUp = !ch.tty && (revents & Epoll.POLLHUP) != 0;
        while (true) {
            int n = readOrEnd(ch, capture);
            if (n == 0 || (n > 0 && n < ScratchBuffers.SIZE && hungUp)) {
                ch.close(true);
                return true;
            }
            if (n < 0 || n < ScratchBuffers.SIZE) {
                return false;
            }
        }
    }

    /**
     * Reads at most {@code maxChunks} chunks (64 KiB each) of what is there into {@code capture} (lock held).
     *
     * @return true at end of file (the channel is then closed); false when the pipe is empty for
     *     now or the bound was reached
     */
    private static boolean readUpTo(Channel ch, CaptureBuffer capture, int maxChunks) {
        for (int i = 0; i < maxChunks; i++) {
            int n = readOrEnd(ch, capture);
            if (n > 0) {
                continue;
            } else if (n == 0) {
                ch.close(true);
                return true;
            } else {
                return false;
            }
        }
        return false;
    }

    private CommunicateTimeout partial() {
        lock.lock();
        try {
            return new CommunicateTimeout(nonEmpty(stdoutCapture), nonEmpty(stderrCapture));
        } finally {
            lock.unlock();
        }
    }

    private static byte[] nonEmpty(CaptureBuffer b) {
        return b == null || b.size() == 0 ? null : b.toByteArray();
    }

    // ================================================================== asynchronous communicate

    /** Completed (lock held) when input is done and the captured pipes are at their end or closed. */
    private CompletableFuture<Void> asyncIo;
    private EpollReactor.Timer drainTimer;
    /** The most a reactor event reads or writes for one stream before it serves the others. */
    private static final int ASYNC_CHUNKS_PER_EVENT = 4;

    /**
     * Communicates without a thread: the reactor reports readiness, and this child reads the
     * piped output into memory and writes its input on the reactor thread, in bounded steps
     * (at most {@value #ASYNC_CHUNKS_PER_EVENT} chunks of 64 KiB per stream and event, so one busy
     * child does not starve the others). No user code runs there: the outcome is built and the
     * future completed on a {@link Callbacks} thread.
     */
    @Override
    public CompletableFuture<Outcome> communicateAsync(byte[] input) {
        lock.lock();
        try {
            if (communicationStarted) {
                throw new IllegalStateException("communication with pid " + pid + " already started");
            }
            beginCommunication(input);
            watchExit(); // the future completes when the reactor has seen the exit
            asyncIo = new CompletableFuture<>();
            Runnable step = this::asyncStep;
            if (stdinStream != null) {
                stdinChannel.onReady = step;
            }
            if (stdoutCapture != null) {
                stdoutChannel.onReady = step;
            }
            if (stderrCapture != null) {
                stderrChannel.onReady = step;
            }
            // Reads happen on the reactor thread only, when it reports readiness: arm, and let it come.
            asyncStepLocked(false);
            if (timedOut && reaped) {
                scheduleDrainGrace();
            }
        } finally {
            lock.unlock();
        }
        List<CompletableFuture<?>> parts = new ArrayList<>();
        parts.add(asyncIo);
        parts.add(exit);
        for (CompletableFuture<Void> p : pumps) {
            parts.add(p.exceptionally(t -> null));
        }
        return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new)).thenApplyAsync(ignored -> {
            lock.lock();
            try {
                return outcome(stdoutCapture == null ? null : stdoutCapture.toByteArray(),
                        stderrCapture == null ? null : stderrCapture.toByteArray());
            } finally {
                lock.unlock();
            }
        }, Callbacks.EXECUTOR);
    }

    /** A readiness event of a communicated stream (reactor thread). */
    private void asyncStep() {
        lock.lock();
        try {
            asyncStepLocked(reactor.isReactorThread());
        } finally {
            lock.unlock();
        }
    }

    /** Re-evaluates after channels were closed by another path (lock held; no read needed). */
    private void asyncStepLocked() {
        asyncStepLocked(false);
    }

    /**
     * One bounded round of input and output (lock held); arms what is not finished. Without
     * {@code read} (off the reactor thread) the open output channels are only armed.
     */
    private void asyncStepLocked(boolean read) {
        if (asyncIo == null || asyncIo.isDone()) {
            return;
        }
        boolean pending = false;
        if (pendingInput != null && !stdinChannel.closed) {
            if (!writeInputBounded()) {
                stdinChannel.arm(Epoll.EPOLLOUT);
                pending = true;
            }
        }
        pending |= readBounded(stdoutChannel, stdoutCapture, read);
        pending |= readBounded(stderrChannel, stderrCapture, read);
        if (!pending) {
            asyncIo.complete(null);
        }
    }

    /** Writes a bounded part of the input (lock held); true when the input is done. */
    private boolean writeInputBounded() {
        for (int i = 0; i < ASYNC_CHUNKS_PER_EVENT && inputOffset < pendingInput.length; i++) {
            int n;
            try {
                n = stdinChannel.write(pendingInput, inputOffset, pendingInput.length - inputOffset);
            } catch (ErrnoException e) {
                stdinChannel.close(false); // EPIPE: the child stopped reading, ignored as Python does
                pendingInput = null;
                return true;
            }
            if (n < 0) {
                return false;
            }
            inputOffset += n;
        }
        if (inputOffset < pendingInput.length) {
            return false; // more to write: the pipe is ready again at once, after the others had their turn
        }
        stdinChannel.close(true);
        pendingInput = null;
        return true;
    }

    /** Reads a bounded part of a captured stream (lock held); true while the stream is not done. */
    private boolean readBounded(Channel ch, CaptureBuffer capture, boolean read) {
        if (capture == null || ch.closed) {
            return false;
        }
        if (read && readUpTo(ch, capture, ASYNC_CHUNKS_PER_EVENT)) {
            return false;
        }
        ch.arm(Epoll.EPOLLIN);
        return true;
    }

    /**
     * After a deadline kill, closes (on the reactor thread) what grandchildren still hold open a
     * bounded grace after the exit, so asynchronous waits and pumps always finish (lock held).
     */
    private void scheduleDrainGrace() {
        if (drainTimer != null) {
            return;
        }
        drainTimer = reactor.schedule(DrainGrace.endNanos(drainFromNanos), () -> {
            forceClosePipes();
            pumps.forEach(p -> p.complete(null));
        });
    }

    @Override
    public void sendSignal(Signal signal) {
        lock.lock();
        try {
            if (reaped || pidfdClosed) {
                return; // never signal a reaped child: its pid may be someone else's now
            }
            int err = Pidfd.sendSignal(pidfd, signal.number());
            if (err != 0 && err != Errno.ESRCH) {
                throw new SubprocessException("cannot send " + signal + " to pid " + pid + ": " + Errno.name(err) + " ("
                        + Errno.message(err) + ")");
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Whether the child is still ours and unreaped (running, or a zombie): its pid, and so its
     * process group's id, cannot belong to anyone else meanwhile. False once it was reaped, by us
     * or by the kernel (SIGCHLD ignored).
     */
    boolean unreaped() {
        lock.lock();
        try (Arena arena = Arena.ofConfined()) {
            return !reaped && !pidfdClosed && Pidfd.isUnreapedChild(pidfd, arena.allocate(Pidfd.SIGINFO_SIZE, 8));
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void signalGroup(Signal signal) {
        Integer group = ownGroup();
        if (group == null || group == JvmProcess.processGroup().orElse(-1)) {
            throw new IllegalStateException("pid " + pid + " is in the JVM's own process group; start it with "
                    + "startNewSession() or processGroup(0) to signal its group");
        }
        int err = signalOwnGroup(signal.number());
        if (err == Errno.ESRCH) {
            throw new IllegalStateException("pid " + pid + " was already reaped, so process group " + group
                    + " may be another's now: signal the group before the child is waited for");
        }
        if (err != 0) {
            throw new SubprocessException("cannot send " + signal + " to process group " + group + " of pid " + pid
                    + ": " + Errno.name(err) + " (" + Errno.message(err) + ")");
        }
    }

    /** Whether the kernel has {@code PIDFD_SIGNAL_PROCESS_GROUP} (Linux 6.9); null until the first group signal. */
    private static volatile Boolean pidfdGroupSignal;

    /**
     * Signals the child's own group, never once the child was reaped: a group lives as long as any
     * member, but once the leader is reaped and the others gone, its number can be a new group's.
     * Through the pidfd ({@code PIDFD_SIGNAL_PROCESS_GROUP}), the kernel itself refuses once the
     * child was reaped; on older kernels {@code kill(-pgid)} under the lock, checking our own reap
     * first (the reap's {@code waitid} runs before it is recorded, so a narrow window remains there).
     *
     * @return 0, ESRCH once the child was reaped, or another errno (EPERM)
     */
    private int signalOwnGroup(int signal) {
        lock.lock();
        try {
            if (reaped || pidfdClosed) {
                return Errno.ESRCH;
            }
            if (!Boolean.FALSE.equals(pidfdGroupSignal)) {
                int err = Pidfd.sendSignal(pidfd, signal, Pidfd.SIGNAL_PROCESS_GROUP);
                if (err != Errno.EINVAL) {
                    pidfdGroupSignal = true;
                    return err;
                }
                pidfdGroupSignal = false;
            }
            return Signals.killGroup(ownGroup(), signal);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public CompletableFuture<Outcome> onExit() {
        watchExitNow();
        if (pumps.isEmpty()) {
            return exit.copy();
        }
        return exit.thenCombine(CompletableFuture.allOf(pumps.toArray(CompletableFuture[]::new)).exceptionally(t -> null),
                (o, ignored) -> o);
    }

    @Override
    public boolean timedOut() {
        return timedOut;
    }

    @Override
    public OutputDelivery.Failure deliveryFailure() {
        return delivery.failure();
    }

    private ProcessHandle handle;

    /**
     * A handle taken while the child is not yet reaped (so the pid is still ours) and kept: the
     * JDK's handle remembers the start time, so it never mistakes a recycled pid for the child.
     */
    @Override
    public ProcessHandle toHandle() {
        lock.lock();
        try {
            if (handle == null) {
                if (reaped) {
                    throw new IllegalStateException("pid " + pid + " was already reaped; take toHandle() while it runs");
                }
                handle = ProcessHandle.of(pid).orElseThrow(() -> new IllegalStateException("pid " + pid + " is gone"));
            }
            return handle;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void closeStreams() {
        lock.lock();
        try {
            if (stdinStream != null) {
                stdinChannel.close(false);
            }
            if (stdoutStream != null) {
                stdoutChannel.close(false);
            }
            if (stderrStream != null) {
                stderrChannel.close(false);
            }
            asyncStepLocked();
        } finally {
            lock.unlock();
        }
    }
}
