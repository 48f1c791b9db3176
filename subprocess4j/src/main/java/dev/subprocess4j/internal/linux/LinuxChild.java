package dev.subprocess4j.internal.linux;

import dev.subprocess4j.Redirect;
import dev.subprocess4j.Signal;
import dev.subprocess4j.SubprocessException;
import dev.subprocess4j.internal.ChildProcess;
import dev.subprocess4j.internal.CommunicateTimeout;
import dev.subprocess4j.internal.Deadlines;
import dev.subprocess4j.internal.Errno;
import dev.subprocess4j.internal.JvmProcess;
import dev.subprocess4j.internal.Outcome;
import dev.subprocess4j.internal.SpawnRequest;
import dev.subprocess4j.internal.lifecycle.OutputDelivery;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;

/**
 * A child started by {@link LinuxBackend}: a facade over parts with one job each, all guarded by
 * one lock ({@link ChildSync}):
 * <ul>
 *   <li>{@link ExitWatcher}: the pidfd, the reap, the exit status and signals;</li>
 *   <li>{@link ChildDeadline}: the timeout's kill escalation and the drain grace after it;</li>
 *   <li>{@link ChildPipes} of {@link PipeChannel}s: the JVM's pipe ends, read and written without blocking;</li>
 *   <li>{@link PipeStreams}: {@code Popen}'s blocking streams over them;</li>
 *   <li>{@link Pumps}: {@code Redirect.from}/{@code to}/{@code lines};</li>
 *   <li>{@link Communicator}: {@code communicate}, synchronous and asynchronous.</li>
 * </ul>
 * The reactor only flips readiness flags and signals changes under the lock, and whoever waits (a
 * stream read, {@code communicate}, a pump task) does the non-blocking I/O itself.
 *
 * <p>A live child costs the heap only what it uses (thousands may run at once): the request is not
 * kept after the spawn, the deadline exists only with a timeout, the pumps only with a pumped
 * redirect, the communicator from the first {@code communicate}, a channel only for a pipe there
 * is; and the facade itself listens to its exit watcher and its channels.
 */
final class LinuxChild implements ChildProcess, ExitWatcher.Listener, PipeChannel.Owner {
    private final int pid;
    /** The child's process group when it is not the JVM's, else 0 (no group has id 0). */
    private final int ownGroup;
    private final ChildSync sync = new ChildSync();
    private final ChildPipes pipes;
    private final OutputStream stdinStream;
    private final InputStream stdoutStream;
    private final InputStream stderrStream;
    private final ExitWatcher exit;
    /** The timeout's kill and drain grace; null without a timeout. */
    private final ChildDeadline deadline;
    /** The {@code from}/{@code to}/{@code lines} pumps; null without a pumped redirect. */
    private final Pumps pumps;
    /** Made at the first {@code communicate} (lock held); null before. */
    private Communicator communicator;
    private ProcessHandle handle;
    /** How the backend started this child, for the JFR event; set once, right after construction. */
    private volatile String spawnPath = "";

    /**
     * @param watchExit whether the reactor watches the pidfd from the start; false only for a child
     *     whose starting thread waits for it at once ({@code Command.run()}): it polls the pidfd
     *     itself, and the reactor is asked only when someone waits asynchronously, on a virtual
     *     thread, or the waiting thread gives up ({@link ExitWatcher#watchExit()})
     * @param holdReap whether the child is not reaped until {@link #releaseReap()}: a pipeline's
     *     stage while the later stages are spawned ({@link LinuxPipeline}), so a first stage that
     *     exits at once stays a zombie and its process group, which the later stages join, exists
     * @param spawnNanos {@link System#nanoTime()} just before the spawn: the child's elapsed time
     *     counts from it
     * @param startNanos {@link System#nanoTime()} when the spawn returned: the timeout counts from it
     * @param pidfd the child's pidfd, or -1 for a child that is gone already, reaped by the kernel
     *     before a pidfd could be had ({@code posix_spawn} gives a pid only): it is reported as
     *     exited with its status unknown
     */
    LinuxChild(SpawnRequest request, int pid, int pidfd, long spawnNanos, long startNanos, int stdinFd, int stdoutFd, int stderrFd,
               boolean watchExit, boolean holdReap) {
        this.pid = pid;
        SpawnRequest.Stdio stdio = request.stdio();
        SpawnRequest.Setup setup = request.setup();
        boolean pty = setup.pty().isPresent(); // stdin and stdout are then the terminal's master
        OptionalInt group = setup.processGroup();
        this.ownGroup = setup.newSession() || group.isPresent() && group.getAsInt() == 0 ? pid
                : group.isPresent() ? group.getAsInt() : 0;
        EpollReactor reactor = EpollReactor.get();
        // The channels get this facade as their owner before its deadline and pumps are set: they
        // call back only once registered with the reactor, which happens below, after every field is set.
        this.pipes = new ChildPipes(channel(stdinFd, "stdin", pty, reactor), channel(stdoutFd, "stdout", pty, reactor),
                channel(stderrFd, "stderr", false, reactor));
        this.stdinStream = stdio.stdin() == Redirect.PIPE ? new PipeStreams.Out(pipes.stdin, pid) : null;
        this.stdoutStream = stdio.stdout() == Redirect.PIPE ? new PipeStreams.In(pipes.stdout, pipes, pid) : null;
        this.stderrStream = stdio.stderr() == Redirect.PIPE ? new PipeStreams.In(pipes.stderr, pipes, pid) : null;
        this.pumps = Pumps.needed(stdio) ? new Pumps(stdio, pid, sync, pipes) : null;
        this.deadline = ChildDeadline.needed(request.lifetime())
                ? new ChildDeadline(request.lifetime(), pid, ownGroup == 0 ? null : ownGroup, sync, reactor, pipes,
                        this::drainsAsync, this::communicating, this::closeAfterDrainGrace)
                : null;
        this.exit = new ExitWatcher(pid, pidfd, spawnNanos, holdReap, sync, reactor, this);
        sync.lock.lock();
        try {
            if (watchExit) {
                exit.watchExit();
            }
            if (deadline != null) {
                deadline.arm(exit, startNanos);
            }
            if (pumps != null) {
                pumps.start();
            }
        } catch (RuntimeException | Error e) {
            // A registration failed (epoll_ctl: ENOMEM, ENOSPC): the backend kills and reaps the
            // child and closes its fds. Nothing armed here may use those fd numbers afterwards,
            // which may belong to another child or file by then: no timer, no reactor work, no pump.
            abandon();
            throw e;
        } finally {
            sync.lock.unlock();
        }
        exit.lostAtStart();
    }

    /** See the constructor (lock held). */
    private void abandon() {
        if (deadline != null) {
            deadline.abandon();
        }
        for (PipeChannel ch : new PipeChannel[] {pipes.stdin, pipes.stdout, pipes.stderr}) {
            if (ch != null) {
                ch.abandon();
            }
        }
        exit.abandon();
    }

    private PipeChannel channel(int fd, String name, boolean tty, EpollReactor reactor) {
        return fd < 0 ? null : new PipeChannel(fd, name, tty, sync, reactor, this);
    }

    /** The child exited at {@code nanos} ({@link ExitWatcher.Listener}, lock held). */
    @Override
    public void exiting(long nanos) {
        if (deadline != null) {
            deadline.exiting(nanos);
        }
    }

    /** The child reads as reaped now ({@link ExitWatcher.Listener}, lock held). */
    @Override
    public void exited() {
        if (pumps != null) {
            pumps.childExited();
        }
        if (deadline != null) {
            deadline.exited();
        }
    }

    /** A channel of this child was closed ({@link PipeChannel.Owner}, lock held). */
    @Override
    public void channelClosed() {
        if (deadline != null) {
            deadline.cancelWhenDone();
        }
    }

    /** The communicator, made at the first {@code communicate} (lock held). */
    private Communicator communicator() {
        if (communicator == null) {
            communicator = new Communicator(pid, sync, EpollReactor.get(), pipes, stdinStream != null,
                    stdoutStream != null, stderrStream != null, exit, deadline, pumps);
        }
        return communicator;
    }

    /** Whether the library drains the pipes without a waiting thread: an async communicate or pumps (lock held). */
    private boolean drainsAsync() {
        return communicator != null && communicator.asyncStarted() || pumps != null && !pumps.isEmpty();
    }

    private boolean communicating() {
        return communicator != null && communicator.started();
    }

    /** The end of the drain grace on the reactor's timer: closes what is still open, ends the pumps. */
    private void closeAfterDrainGrace() {
        closeAfterGrace();
        if (pumps != null) {
            pumps.completeAll();
        }
    }

    /** Closes what grandchildren still hold open after the drain grace; an async communicate then sees its end. */
    private void closeAfterGrace() {
        sync.lock.lock();
        try {
            if (communicator != null) {
                communicator.closeAfterGrace();
            } else {
                pipes.closeHeldAfterGrace(pid);
            }
        } finally {
            sync.lock.unlock();
        }
    }

    /** Lets the child be reaped again after a pipeline's spawns (see the constructor's {@code holdReap}). */
    void releaseReap() {
        exit.releaseReap();
    }

    /**
     * Whether the child is still ours and unreaped (running, or a zombie): its pid, and so its
     * process group's id, cannot belong to anyone else meanwhile.
     */
    boolean unreaped() {
        return exit.unreaped();
    }

    /**
     * The reactor's work for this child's pipes failed (an {@code OutOfMemoryError} while a capture
     * grew, no thread left for a pump): without it nobody would read them again, so the calls on
     * them fail with {@code t} as they would have on the caller's thread, the child is killed (it
     * could block on a full pipe for ever) and reaped as any other. Allocates nothing it can avoid;
     * each step is taken whatever an earlier one threw (what a step throws is added to {@code t}).
     * ({@link PipeChannel.Owner})
     */
    @Override
    public void ioFailed(Throwable t) {
        sync.lock.lock();
        try {
            // Memory first: under OutOfMemoryError the captures are what fills the heap, and each
            // step after this one may need a little of it.
            if (communicator != null) {
                communicator.dropCaptures();
            }
            if (pipes.ioFailure == null) {
                pipes.ioFailure = t;
            }
            pipes.closeAll(false); // (every fd closed even when one's deregistration throws)
        } catch (RuntimeException | Error e) {
            addSuppressed(t, e);
        } finally {
            sync.lock.unlock();
        }
        try {
            exit.sendSignal(Signal.SIGKILL);
        } catch (RuntimeException | Error e) {
            addSuppressed(t, e);
        }
        sync.lock.lock();
        try {
            if (communicator != null) {
                communicator.failAsync(t);
            }
            if (pumps != null) {
                pumps.failAll(t);
            }
            sync.changedLocked();
        } finally {
            sync.lock.unlock();
        }
    }

    private static void addSuppressed(Throwable to, Throwable e) {
        if (e != to) {
            to.addSuppressed(e);
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
    public String timeoutKillFailure() {
        return deadline == null ? null : deadline.killFailure();
    }

    void spawnPath(String how) {
        spawnPath = how;
    }

    /** The shared-table clone, the child-setup clone or {@code posix_spawn}; ", then the helper" for an id change. */
    @Override
    public String spawnPath() {
        return spawnPath;
    }

    @Override
    public void resize(int columns, int rows) {
        if (!isPty()) {
            ChildProcess.super.resize(columns, rows);
        }
        sync.lock.lock();
        try {
            // the master through whichever of our ends of it is still open
            PipeChannel ch = !PipeChannel.isClosed(pipes.stdout) ? pipes.stdout
                    : !PipeChannel.isClosed(pipes.stdin) ? pipes.stdin : null;
            if (exit.unreaped() && ch != null) {
                dev.subprocess4j.internal.linux.ffi.Pty.setWindowSize(ch.fd, columns, rows);
            }
        } finally {
            sync.lock.unlock();
        }
    }

    /** Whether stdin and stdout are a pseudo-terminal's master ({@code Command.pty()}). */
    private boolean isPty() {
        return pipes.stdout != null && pipes.stdout.tty || pipes.stdin != null && pipes.stdin.tty;
    }

    @Override
    public InputStream stderr() {
        return stderrStream;
    }

    @Override
    public OptionalInt poll() {
        if (!exit.reaped()) {
            exit.tryReap();
        }
        return exit.reaped() ? OptionalInt.of(exit.returnCode()) : OptionalInt.empty();
    }

    @Override
    public OptionalInt waitFor(Duration timeout) throws InterruptedException {
        long deadlineNanos = Deadlines.fromNow(timeout);
        if (!exit.awaitExit(deadlineNanos)
                || pumps != null && !pumps.await(deadlineNanos, deadline, this::closeAfterGrace)) {
            return OptionalInt.empty();
        }
        return OptionalInt.of(exit.returnCode());
    }

    @Override
    public Outcome communicate(byte[] input, Duration timeout) throws CommunicateTimeout, InterruptedException {
        Communicator c;
        sync.lock.lockInterruptibly();
        try {
            c = communicator();
        } finally {
            sync.lock.unlock();
        }
        return c.communicate(input, timeout);
    }

    @Override
    public CompletableFuture<Outcome> communicateAsync(byte[] input, java.util.concurrent.Executor done) {
        Communicator c;
        sync.lock.lock();
        try {
            c = communicator();
        } finally {
            sync.lock.unlock();
        }
        return c.communicateAsync(input, done);
    }

    @Override
    public void sendSignal(Signal signal) {
        exit.sendSignal(signal);
    }

    @Override
    public void signalGroup(Signal signal) {
        int group = ownGroup;
        if (group == 0 || group == JvmProcess.processGroup().orElse(-1)) {
            throw new IllegalStateException("pid " + pid + " is in the JVM's own process group; start it with "
                    + "startNewSession() or processGroup(0) to signal its group");
        }
        int err = exit.signalGroup(group, signal.number());
        if (err == Errno.ESRCH) {
            throw new IllegalStateException("pid " + pid + " was already reaped, so process group " + group
                    + " may be another's now: signal the group before the child is waited for");
        }
        if (err != 0) {
            throw new SubprocessException("cannot send " + signal + " to process group " + group + " of pid " + pid
                    + ": " + Errno.name(err) + " (" + Errno.message(err) + ")");
        }
    }

    @Override
    public CompletableFuture<Outcome> onExit() {
        exit.watchExitNow();
        if (pumps == null || pumps.isEmpty()) {
            return exit.future().copy();
        }
        return exit.future().thenCombine(
                CompletableFuture.allOf(pumps.futures().toArray(CompletableFuture[]::new)).exceptionally(t -> null),
                (o, ignored) -> o);
    }

    @Override
    public boolean timedOut() {
        return deadline != null && deadline.timedOut();
    }

    @Override
    public OutputDelivery.Failure deliveryFailure() {
        return pumps == null ? null : pumps.deliveryFailure();
    }

    /**
     * A handle taken while the child is not yet reaped (so the pid is still ours) and kept: the
     * JDK's handle remembers the start time, so it never mistakes a recycled pid for the child.
     */
    @Override
    public ProcessHandle toHandle() {
        sync.lock.lock();
        try {
            if (handle == null) {
                if (exit.reaped()) {
                    throw new IllegalStateException("pid " + pid + " was already reaped; take toHandle() while it runs");
                }
                handle = ProcessHandle.of(pid).orElseThrow(() -> new IllegalStateException("pid " + pid + " is gone"));
            }
            return handle;
        } finally {
            sync.lock.unlock();
        }
    }

    @Override
    public void closeStreams() {
        sync.lock.lock();
        try {
            if (stdinStream != null) {
                pipes.stdin.close(false);
            }
            if (stdoutStream != null) {
                pipes.stdout.close(false);
            }
            if (stderrStream != null) {
                pipes.stderr.close(false);
            }
            if (communicator != null) {
                communicator.asyncStepLocked();
            }
        } finally {
            sync.lock.unlock();
        }
    }
}
