package dev.subprocess4j.internal.linux;

import dev.subprocess4j.Redirect;
import dev.subprocess4j.Signal;
import dev.subprocess4j.SubprocessException;
import dev.subprocess4j.internal.Callbacks;
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
 */
final class LinuxChild implements ChildProcess {
    private final long pid;
    /** The child's process group when it is not the JVM's, else null. */
    private final Integer ownGroup;
    private final ChildSync sync = new ChildSync();
    private final ChildPipes pipes;
    private final OutputStream stdinStream;
    private final InputStream stdoutStream;
    private final InputStream stderrStream;
    private final ExitWatcher exit;
    private final ChildDeadline deadline;
    private final Pumps pumps;
    private final Communicator communicator;
    private ProcessHandle handle;
    /** How the backend started this child, for the JFR event; set once, right after construction. */
    private volatile String spawnPath = "";
    /** Whether stdin and stdout are a pseudo-terminal's master ({@code Command.pty()}). */
    private final boolean pty;

    /**
     * @param watchExit whether the reactor watches the pidfd from the start; false only for a child
     *     whose starting thread waits for it at once ({@code Command.run()}): it polls the pidfd
     *     itself, and the reactor is asked only when someone waits asynchronously, on a virtual
     *     thread, or the waiting thread gives up ({@link ExitWatcher#watchExit()})
     * @param holdReap whether the child is not reaped until {@link #releaseReap()}: a pipeline's
     *     stage while the later stages are spawned ({@link LinuxPipeline}), so a first stage that
     *     exits at once stays a zombie and its process group, which the later stages join, exists
     * @param pidfd the child's pidfd, or -1 for a child that is gone already, reaped by the kernel
     *     before a pidfd could be had ({@code posix_spawn} gives a pid only): it is reported as
     *     exited with its status unknown
     */
    LinuxChild(SpawnRequest request, int pid, int pidfd, long startNanos, int stdinFd, int stdoutFd, int stderrFd,
               boolean watchExit, boolean holdReap) {
        this.pid = pid;
        this.pty = request.setup().pty().isPresent();
        java.util.OptionalInt group = request.setup().processGroup();
        this.ownGroup = request.setup().newSession() || group.isPresent() && group.getAsInt() == 0 ? Integer.valueOf(pid)
                : group.isPresent() ? Integer.valueOf(group.getAsInt()) : null;
        EpollReactor reactor = EpollReactor.get();
        boolean tty = request.setup().pty().isPresent(); // stdin and stdout are then the terminal's master
        this.pipes = new ChildPipes(channel(stdinFd, "stdin", tty, reactor), channel(stdoutFd, "stdout", tty, reactor),
                channel(stderrFd, "stderr", false, reactor));
        this.stdinStream = request.stdio().stdin() == Redirect.PIPE ? new PipeStreams.Out(sync, pipes.stdin, pid) : null;
        this.stdoutStream = request.stdio().stdout() == Redirect.PIPE ? new PipeStreams.In(sync, pipes.stdout, pipes, pid) : null;
        this.stderrStream = request.stdio().stderr() == Redirect.PIPE ? new PipeStreams.In(sync, pipes.stderr, pipes, pid) : null;
        this.pumps = new Pumps(request, pid, sync, pipes);
        this.deadline = new ChildDeadline(request, pid, ownGroup, sync, reactor, pipes, this::drainsAsync,
                this::communicating, this::closeAfterDrainGrace);
        boolean stdinFromStream = request.stdio().stdin() instanceof Redirect.FromStream;
        this.exit = new ExitWatcher(pid, pidfd, startNanos, holdReap, sync, reactor, new ExitWatcher.Listener() {
            @Override
            public void exiting(long nanos) {
                deadline.exiting(nanos);
            }

            @Override
            public void exited() {
                if (stdinFromStream && pipes.stdin != null && !pipes.stdin.closed) {
                    // Nobody reads it any more; a source that never ends must not keep the fd open.
                    pipes.stdin.close(false);
                }
                deadline.exited();
            }
        });
        this.communicator = new Communicator(pid, sync, reactor, pipes, stdinStream != null, stdoutStream != null,
                stderrStream != null, exit, deadline, pumps);
        sync.lock.lock();
        try {
            if (watchExit) {
                exit.watchExit();
            }
            deadline.arm(exit, startNanos);
            pumps.start();
        } finally {
            sync.lock.unlock();
        }
        exit.lostAtStart();
    }

    private PipeChannel channel(int fd, String name, boolean tty, EpollReactor reactor) {
        return fd < 0 ? null : new PipeChannel(fd, name, tty, sync, reactor, () -> deadline.cancelWhenDone(), this::ioFailed);
    }

    /** Whether the library drains the pipes without a waiting thread: an async communicate or pumps (lock held). */
    private boolean drainsAsync() {
        return communicator.asyncStarted() || !pumps.isEmpty();
    }

    private boolean communicating() {
        return communicator.started();
    }

    /** The end of the drain grace on the reactor's timer: closes what is still open, ends the pumps. */
    private void closeAfterDrainGrace() {
        communicator.closeAfterGrace();
        pumps.completeAll();
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
     * could block on a full pipe for ever) and reaped as any other. Allocates nothing it can avoid.
     */
    private void ioFailed(Throwable t) {
        sync.lock.lock();
        try {
            // Memory first: under OutOfMemoryError the captures are what fills the heap, and each
            // step after this one may need a little of it.
            communicator.dropCaptures();
            if (pipes.ioFailure == null) {
                pipes.ioFailure = t;
            }
            pipes.closeAll(false);
        } finally {
            sync.lock.unlock();
        }
        exit.sendSignal(Signal.SIGKILL);
        sync.lock.lock();
        try {
            communicator.failAsync(t);
            pumps.failAll(t);
            sync.changedLocked();
        } finally {
            sync.lock.unlock();
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
        return deadline.killFailure();
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
        if (!pty) {
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
        if (!exit.awaitExit(deadlineNanos) || !pumps.await(deadlineNanos, deadline, communicator::closeAfterGrace)) {
            return OptionalInt.empty();
        }
        return OptionalInt.of(exit.returnCode());
    }

    @Override
    public Outcome communicate(byte[] input, Duration timeout) throws CommunicateTimeout, InterruptedException {
        return communicator.communicate(input, timeout);
    }

    @Override
    public CompletableFuture<Outcome> communicateAsync(byte[] input) {
        return communicator.communicateAsync(input, Callbacks.EXECUTOR);
    }

    @Override
    public CompletableFuture<Outcome> communicateAsync(byte[] input, java.util.concurrent.Executor done) {
        return communicator.communicateAsync(input, done);
    }

    @Override
    public void sendSignal(Signal signal) {
        exit.sendSignal(signal);
    }

    @Override
    public void signalGroup(Signal signal) {
        Integer group = ownGroup;
        if (group == null || group == JvmProcess.processGroup().orElse(-1)) {
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
        if (pumps.isEmpty()) {
            return exit.future().copy();
        }
        return exit.future().thenCombine(
                CompletableFuture.allOf(pumps.futures().toArray(CompletableFuture[]::new)).exceptionally(t -> null),
                (o, ignored) -> o);
    }

    @Override
    public boolean timedOut() {
        return deadline.timedOut();
    }

    @Override
    public OutputDelivery.Failure deliveryFailure() {
        return pumps.deliveryFailure();
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
            communicator.asyncStepLocked();
        } finally {
            sync.lock.unlock();
        }
    }
}
