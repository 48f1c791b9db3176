package dev.subprocess4j.internal;

import dev.subprocess4j.Signal;
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

    /** Sends a signal to the child; nothing when it was already reaped. */
    void sendSignal(Signal signal);

    /** Sends a signal to the child's process group. */
    void signalGroup(Signal signal);

    /** Completes with the outcome (without output) once the child has exited. */
    CompletableFuture<Outcome> onExit();

    /** Whether the command's deadline passed and the child was killed for it. */
    boolean timedOut();

    /** A handle on the child process. */
    ProcessHandle toHandle();

    /** Closes the JVM's pipe ends (not waiting). */
    void closeStreams();
}
