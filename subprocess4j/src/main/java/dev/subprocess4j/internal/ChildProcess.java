package dev.subprocess4j.internal;

import dev.subprocess4j.Signal;
import dev.subprocess4j.internal.lifecycle.OutputDelivery;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;

/**
 * A started child as a backend sees it. {@code dev.subprocess4j.Popen} wraps one; the semantics
 * of each method are those documented there.
 */
public interface ChildProcess {
    /** The child's pid. */
    long pid();

    /** The JVM's end of the stdin pipe, or {@code null} when stdin is not {@code PIPE}. */
    OutputStream stdin();

    /** The JVM's end of the stdout pipe, or {@code null} when stdout is not {@code PIPE}. */
    InputStream stdout();

    /** The JVM's end of the stderr pipe, or {@code null} when stderr is not {@code PIPE}. */
    InputStream stderr();

    /** The return code when the child has exited (and its pumps finished), else empty. */
    OptionalInt poll();

    /**
     * Waits for the exit and for the pumps of {@code to}/{@code lines} redirects.
     *
     * @param timeout how long to wait, or {@code null} for no limit
     * @return the return code, or empty when the timeout passed first
     * @throws InterruptedException when the waiting thread is interrupted
     */
    OptionalInt waitFor(Duration timeout) throws InterruptedException;

    /**
     * Writes {@code input} (on the first call only), reads both pipes to their end and waits for
     * the exit; after a timeout, a later call continues and returns all output from the start.
     *
     * @param input bytes for stdin or {@code null}
     * @param timeout how long to wait, or {@code null} for no limit
     * @throws CommunicateTimeout when the timeout passed first
     * @throws InterruptedException when the waiting thread is interrupted
     */
    Outcome communicate(byte[] input, Duration timeout) throws CommunicateTimeout, InterruptedException;

    /**
     * Starts communicating without blocking: writes {@code input} (or closes a piped stdin when
     * it is {@code null}), reads the piped stdout and stderr to their end, and completes once the
     * child has exited and every stream is done, with the captured output. After a kill for the
     * command's deadline, pipes still held open by grandchildren are closed after a bounded grace
     * (check {@link #timedOut()}). Can be called once, instead of {@link #communicate}.
     *
     * <p>This default runs the blocking {@link #communicate} on one virtual thread; the native
     * backend drives it from its reactor instead, with no thread per child.
     *
     * @param input bytes for stdin or {@code null}
     * @return completes with the outcome, on a {@link Callbacks} thread
     */
    default CompletableFuture<Outcome> communicateAsync(byte[] input) {
        return communicateAsync(input, Callbacks.EXECUTOR);
    }

    /**
     * {@link #communicateAsync(byte[])} completing on {@code done} instead of a {@link Callbacks}
     * thread (a trusted caller's executor that only hands the task over, such as a queue its own
     * thread drains: no thread per child). The native backend builds the outcome there.
     */
    default CompletableFuture<Outcome> communicateAsync(byte[] input, java.util.concurrent.Executor done) {
        CompletableFuture<Outcome> result = new CompletableFuture<>();
        PumpThreads.start("communicate-" + pid(), () -> {
            try {
                Outcome o = communicate(input, null);
                done.execute(() -> result.complete(o)); // dependents run off the pump thread
            } catch (Throwable t) {
                done.execute(() -> result.completeExceptionally(t));
            }
        });
        return result;
    }

    /** Sends a signal to the child; nothing when it was already reaped. */
    void sendSignal(Signal signal);

    /** Sends a signal to the child's process group. */
    void signalGroup(Signal signal);

    /** Completes with the outcome (without output) once the child has exited. */
    CompletableFuture<Outcome> onExit();

    /**
     * Whether the command's deadline passed before the library was done with the child: it was
     * killed for it, or it had exited but the pipes the library drains (captured output, input,
     * {@code to}/{@code lines}) were still held open by something it started.
     */
    boolean timedOut();

    /**
     * The first failure of a {@code Redirect.to}/{@code Redirect.lines} consumer of this child, or
     * {@code null}; the waits still end normally (the pipe was drained), and the public layer
     * turns it into the call's exception.
     */
    default OutputDelivery.Failure deliveryFailure() {
        return null;
    }

    /**
     * How the backend started this child (its spawn path), for the {@code dev.subprocess4j.Spawn}
     * JFR event; empty when the backend does not tell.
     */
    default String spawnPath() {
        return "";
    }

    /**
     * Why the kill of this child's timeout failed (the kernel refused it: {@code EPERM} for a child
     * that became another user), or null. The child is waited for all the same; the
     * {@code TimeoutExpiredException} says so.
     */
    default String timeoutKillFailure() {
        return null;
    }

    /** A handle on the child process. */
    ProcessHandle toHandle();

    /** Closes the JVM's pipe ends (not waiting). */
    void closeStreams();

    /**
     * Sets the window size of the child's pseudo-terminal; nothing once the child was reaped.
     *
     * @throws IllegalStateException when the child has no pseudo-terminal
     */
    default void resize(int columns, int rows) {
        throw new IllegalStateException("the command was not started with pty()");
    }
}
