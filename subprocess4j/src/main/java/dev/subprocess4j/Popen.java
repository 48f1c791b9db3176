package dev.subprocess4j;

import dev.subprocess4j.internal.Callbacks;
import dev.subprocess4j.internal.ChildProcess;
import dev.subprocess4j.internal.CommunicateTimeout;
import dev.subprocess4j.internal.Outcome;
import dev.subprocess4j.internal.lifecycle.OutputDelivery;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * A running child, from {@link Command#start()}.
 *
 * <h2>Examples</h2>
 * {@snippet :
 * try (Popen p = Subprocess.command("sort").stdin(Redirect.PIPE).stdout(Redirect.PIPE).start()) {
 *     CompletedProcess r = p.communicate("b\na\n".getBytes(), Duration.ofSeconds(5));
 *     // r.stdout() is "a\nb\n"
 * }
 * }
 *
 * <h2>Warning</h2>
 * A pipe the child writes to must be read: when its buffer (64 KiB on Linux) is full, the child
 * blocks. Use {@link #communicate()} to read both pipes without deadlock, and close the
 * {@code Popen} (try-with-resources) so the pipes are closed and the child waited for.
 *
 * <h2>Errors</h2>
 * {@link #stdin()}, {@link #stdout()} and {@link #stderr()} throw {@link IllegalStateException}
 * when that stream is not {@link Redirect#PIPE}. {@link #sendSignal}, {@link #terminate()} and
 * {@link #kill()} are no-ops once the child was reaped: a recycled pid is never signalled;
 * {@link #signalGroup} (and, on the linux-native backend, a first {@link #toHandle()}) then
 * throw {@link IllegalStateException}. A signal
 * the backend cannot send throws {@link UnsupportedOperationException}.
 *
 * <h2>Thread safety</h2>
 * Safe to use from several threads: one may wait while another signals.
 *
 * <h2>Python equivalent</h2>
 * {@code subprocess.Popen}: {@code poll}, {@code wait}, {@code communicate}, {@code send_signal},
 * {@code terminate}, {@code kill}, {@code returncode}, and its context manager.
 */
public final class Popen implements AutoCloseable {
    private final Command command;
    private final ChildProcess child;
    // Plain volatile fields, not an AtomicBoolean each: thousands of children may run at once.
    /** Whether a consumer's failure was already thrown to the caller (close() then stays quiet). */
    private volatile boolean deliveryReported;
    /** Whether a communicate call was made (the command's own input is sent by the first only). */
    private volatile boolean communicationStarted;

    Popen(Command command, ChildProcess child) {
        this.command = command;
        this.child = child;
    }

    /** The child's process id. */
    public long pid() {
        return child.pid();
    }

    /**
     * The JVM's end of the child's stdin.
     *
     * @throws IllegalStateException unless stdin is {@link Redirect#PIPE}
     */
    public OutputStream stdin() {
        return requirePipe(child.stdin(), "stdin");
    }

    /**
     * The JVM's end of the child's stdout.
     *
     * @throws IllegalStateException unless stdout is {@link Redirect#PIPE}
     */
    public InputStream stdout() {
        return requirePipe(child.stdout(), "stdout");
    }

    /**
     * The JVM's end of the child's stderr.
     *
     * @throws IllegalStateException unless stderr is {@link Redirect#PIPE}
     */
    public InputStream stderr() {
        return requirePipe(child.stderr(), "stderr");
    }

    private static <T> T requirePipe(T stream, String name) {
        if (stream == null) {
            throw new IllegalStateException(name + " is not a pipe: start the command with " + name + "(Redirect.PIPE)");
        }
        return stream;
    }

    /** The return code if the child has exited, else empty; never blocks. */
    public OptionalInt poll() {
        return child.poll();
    }

    /** The return code once the child has exited (empty while it runs); {@code -N} after signal N. */
    public OptionalInt returnCode() {
        return child.poll();
    }

    /**
     * Waits for the child to exit (and for its {@code to}/{@code lines} redirects to be delivered).
     *
     * @return the return code, {@code -N} when signal N killed the child
     * @throws SubprocessException when the waiting thread is interrupted (its interrupt flag stays set),
     *     when a {@code to}/{@code lines} consumer threw (its exception is the cause; the child
     *     was still drained and reaped), or when the library's pump of a {@code from}/{@code to}/
     *     {@code lines} redirect failed itself (what it threw is the cause; the child was killed)
     */
    public int waitFor() {
        try {
            int rc = child.waitFor(null).orElseThrow();
            checkDelivery();
            return rc;
        } catch (InterruptedException e) {
            throw interrupted(e);
        }
    }

    /**
     * Waits at most {@code timeout} for the child to exit; the child keeps running after a
     * timeout, and the call can be repeated.
     *
     * @throws TimeoutExpiredException when the timeout passes first
     * @throws SubprocessException when the waiting thread is interrupted, or a consumer or a pump
     *     failed (as {@link #waitFor()})
     */
    public int waitFor(Duration timeout) {
        Validation.checkDuration(timeout, "timeout");
        try {
            OptionalInt rc = child.waitFor(timeout);
            if (rc.isEmpty()) {
                throw timeout(timeout, null, null);
            }
            checkDelivery();
            return rc.getAsInt();
        } catch (InterruptedException e) {
            throw interrupted(e);
        }
    }

    /**
     * Sends the command's {@link Command#input input} (if any), reads stdout and stderr to their
     * end without deadlock, and waits for the exit.
     */
    public CompletedProcess communicate() {
        return communicate((Duration) null);
    }

    /**
     * {@link #communicate()} waiting at most {@code timeout}: sends the command's
     * {@link Command#input input} (if any, on the first call), reads stdout and stderr to their
     * end without deadlock, and waits for the exit. After a timeout the child keeps running;
     * calling again continues, and its result holds all the output from the start.
     *
     * @param timeout the longest wait, or {@code null} for none
     * @throws TimeoutExpiredException with the output read so far, when the timeout passes first
     */
    public CompletedProcess communicate(Duration timeout) {
        return communicate(communicationStarted ? null : command.toInputBytes(), timeout);
    }

    /**
     * {@link #communicate(byte[], Duration)} with text, encoded with the command's
     * {@link Command#encoding encoding}.
     *
     * @param input text for stdin, or {@code null} for none
     * @param timeout the longest wait, or {@code null} for none
     * @throws TimeoutExpiredException with the output read so far, when the timeout passes first
     * @throws IllegalStateException when input is given after communication started, or stdin is
     *     not a pipe
     */
    public CompletedProcess communicate(String input, Duration timeout) {
        return communicate(input == null ? null : command.text().encode(input), timeout);
    }

    /**
     * Sends {@code input} (on the first call; {@code null} for none), reads stdout and stderr to
     * their end without deadlock, and waits at most {@code timeout} for the exit.
     *
     * <p>After a timeout the child keeps running; calling again continues where the first call
     * stopped, and its result holds all the output from the start.
     *
     * <p>A {@code null} input must be cast, {@code communicate((byte[]) null, timeout)}, now that
     * {@link #communicate(String, Duration)} exists; {@link #communicate(Duration)} says it shorter.
     *
     * @param input bytes for stdin, or {@code null}
     * @param timeout the longest wait, or {@code null} for none
     * @throws TimeoutExpiredException with the output read so far, when the timeout passes first
     * @throws IllegalStateException when input is given after communication started, or stdin is
     *     not a pipe
     */
    public CompletedProcess communicate(byte[] input, Duration timeout) {
        if (timeout != null) {
            Validation.checkDuration(timeout, "timeout");
        }
        communicationStarted = true;
        try {
            CompletedProcess r = completed(child.communicate(input, timeout));
            checkDelivery();
            return r;
        } catch (CommunicateTimeout t) {
            throw timeout(timeout, t.stdout(), t.stderr());
        } catch (InterruptedException e) {
            throw interrupted(e);
        }
    }

    /**
     * {@link Command#runAsync()}: communicates without blocking; the future completes on a
     * {@link Callbacks} thread as {@link Command#run()} would return or throw. Cancelling it
     * kills the child and closes its pipes.
     */
    CompletableFuture<CompletedProcess> runToEndAsync() {
        return runToEndAsync(Callbacks.EXECUTOR);
    }

    /**
     * {@link #runToEndAsync()} completing on {@code done} (see
     * {@link dev.subprocess4j.cliaccess.CliAccess#runToEndAsync}): for the command line's
     * {@code sp parallel}, which drains the completions on its own thread.
     */
    CompletableFuture<CompletedProcess> runToEndAsync(java.util.concurrent.Executor done) {
        CompletableFuture<CompletedProcess> result = new CompletableFuture<>();
        CompletableFuture<Outcome> io;
        try {
            io = child.communicateAsync(command.toInputBytes(), done);
        } catch (RuntimeException | Error e) {
            child.sendSignal(Signal.SIGKILL); // as run(): never leave the child behind
            child.closeStreams();
            return CompletableFuture.failedFuture(e);
        }
        io.whenComplete((o, t) -> {
            child.closeStreams();
            if (t != null) {
                // A failed pump (or consumer) is reported as run() reports it, with what it threw as the cause
                SubprocessException undelivered = deliveryFailure();
                result.completeExceptionally(undelivered != null ? undelivered
                        : t instanceof CompletionException && t.getCause() != null ? t.getCause() : t);
                return;
            }
            CompletedProcess r = completed(o);
            SubprocessException undelivered = deliveryFailure();
            if (undelivered != null) {
                result.completeExceptionally(undelivered);
            } else if (child.timedOut()) {
                result.completeExceptionally(timeout(command.timeoutValue(),
                        emptyToNull(r.stdoutBytes()), emptyToNull(r.stderrBytes())));
            } else if (command.checkValue() && r.returnCode() != 0) {
                result.completeExceptionally(new CalledProcessException(r));
            } else {
                result.complete(r);
            }
        });
        result.whenComplete((r, t) -> {
            if (result.isCancelled()) {
                child.sendSignal(Signal.SIGKILL);
                child.closeStreams();
            }
        });
        return result;
    }

    /** Closes the JVM's pipe ends without waiting (a pool's shutdown, after the drain grace). */
    void closePipes() {
        child.closeStreams();
    }

    /** Whether the command's deadline passed and the child was killed for it. */
    boolean timedOut() {
        return child.timedOut();
    }

    /** {@link Command#run()}'s wait: to the end, then the command's own deadline decides. */
    CompletedProcess communicateToEnd() {
        CompletedProcess r;
        try {
            r = communicate((Duration) null);
        } catch (RuntimeException | Error e) {
            child.sendSignal(Signal.SIGKILL); // as Python's run(): never leave the child behind
            throw e;
        }
        if (child.timedOut()) {
            throw timeout(command.timeoutValue(), emptyToNull(r.stdoutBytes()), emptyToNull(r.stderrBytes()));
        }
        return r;
    }

    private TimeoutExpiredException timeout(Duration timeout, byte[] stdout, byte[] stderr) {
        return new TimeoutExpiredException(Messages.command(command.argv()), command.argv(), timeout, stdout, stderr,
                command.text(), command.maskedValues(), child.timeoutKillFailure());
    }

    private static byte[] emptyToNull(byte[] b) {
        return b == null || b.length == 0 ? null : b;
    }

    private SubprocessException interrupted(InterruptedException e) {
        Thread.currentThread().interrupt();
        return new SubprocessException("interrupted while waiting for pid " + pid() + " (" + command + ")", e);
    }

    CompletedProcess completed(Outcome o) {
        return new CompletedProcess(command.argv(), o.returnCode(), o.stdout(), o.stderr(), o.pid(), o.elapsed(),
                o.usage(), command.text(), command.launcher(), command.maskedValues());
    }

    /**
     * Changes the window size of the child's pseudo-terminal ({@link Command#pty(int, int)}):
     * {@code TIOCSWINSZ} on the master, and the kernel sends SIGWINCH to the terminal's foreground
     * process group. Nothing once the child was reaped, or once the JVM's ends of the terminal
     * ({@link #stdin()} and {@link #stdout()}) are both closed.
     *
     * @param columns the new width, 1..65535
     * @param rows the new height, 1..65535
     * @throws IllegalArgumentException when a size is out of range
     * @throws IllegalStateException when the command was not started with {@code pty()}
     */
    public void resize(int columns, int rows) {
        Command.checkWindowSize(columns, rows);
        child.resize(columns, rows);
    }

    /**
     * Sends a signal to the child; nothing once it was reaped.
     *
     * @throws UnsupportedOperationException when the backend cannot send this signal
     */
    public void sendSignal(Signal s) {
        child.sendSignal(Objects.requireNonNull(s, "signal"));
    }

    /** Sends SIGTERM. */
    public void terminate() {
        child.sendSignal(Signal.SIGTERM);
    }

    /** Sends SIGKILL. */
    public void kill() {
        child.sendSignal(Signal.SIGKILL);
    }

    /**
     * Sends a signal to the child's process group (most useful after
     * {@link Command#startNewSession()} or {@code processGroup(0)}).
     *
     * @throws UnsupportedOperationException when the backend cannot signal groups
     * @throws IllegalStateException when the child is in the JVM's own process group, or was
     *         reaped already (its group may be another's by then)
     */
    public void signalGroup(Signal s) {
        child.signalGroup(Objects.requireNonNull(s, "signal"));
    }

    /**
     * Completes when the child has exited (and its {@code to}/{@code lines} redirects were
     * delivered), with its return code, pid, run time and usage (no output: the pipes belong to
     * the caller). No thread waits for the child on the native backend (its reactor sees the
     * exit); the future completes on a new virtual thread, never on the reactor thread, and runs
     * the callbacks attached to it there.
     */
    public CompletableFuture<CompletedProcess> onExit() {
        return child.onExit().thenApplyAsync(o -> {
            SubprocessException undelivered = deliveryFailure();
            if (undelivered != null) {
                throw undelivered;
            }
            return completed(o);
        }, Callbacks.EXECUTOR);
    }

    /**
     * A {@link ProcessHandle} for the child.
     *
     * @throws IllegalStateException on the linux-native backend, when the child was reaped before
     *         the first call (take it while the child runs; the handle taken then stays valid)
     */
    public ProcessHandle toHandle() {
        return child.toHandle();
    }

    /**
     * Closes the JVM's pipe ends, then waits for the child to exit. Python's {@code with Popen(...)}.
     */
    @Override
    public void close() {
        child.closeStreams();
        try {
            child.waitFor(null);
        } catch (InterruptedException e) {
            throw interrupted(e);
        }
        if (!deliveryReported) {
            checkDelivery();
        }
    }

    /**
     * Throws when a {@code to}/{@code lines} consumer of the child failed: the call that waited
     * fails with the consumer's exception as cause (the child was drained and reaped all the same).
     */
    private void checkDelivery() {
        SubprocessException undelivered = deliveryFailure();
        if (undelivered != null) {
            throw undelivered;
        }
    }

    /** A new exception for a failed consumer of the child (marked as reported), or {@code null}. */
    private SubprocessException deliveryFailure() {
        OutputDelivery.Failure f = child.deliveryFailure();
        if (f == null) {
            return null;
        }
        deliveryReported = true;
        return deliveryFailed(command, child.pid(), f);
    }

    /** The exception for a failed {@code to}/{@code lines} consumer; the message names no environment value. */
    static SubprocessException deliveryFailed(Command command, long pid, OutputDelivery.Failure f) {
        if (f.pump()) {
            return new SubprocessException("the library's pump of the " + f.stream() + " of pid " + pid + " (" + command
                    + ") failed: " + f.cause() + "; the child was killed if it still ran", f.cause());
        }
        return new SubprocessException("the " + f.stream() + " consumer of pid " + pid + " (" + command + ") threw "
                + f.cause().getClass().getName() + "; the rest of its " + f.stream() + " was drained and discarded", f.cause());
    }

    /** The command's argv, quoted; never an environment value. */
    @Override
    public String toString() {
        OptionalInt rc = child.poll();
        return "Popen[pid=" + pid() + ", " + (rc.isPresent() ? "returnCode=" + rc.getAsInt() : "running")
                + ", args=" + command + "]";
    }
}
