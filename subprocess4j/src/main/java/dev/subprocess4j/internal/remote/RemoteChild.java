package dev.subprocess4j.internal.remote;

import dev.subprocess4j.internal.Callbacks;
import dev.subprocess4j.internal.ChildProcess;
import dev.subprocess4j.internal.CommunicateTimeout;
import dev.subprocess4j.internal.Outcome;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;

/**
 * A command run elsewhere through a local client process ({@code ssh}, {@code srun}) that
 * carries its stdin, stdout and stderr: the streams, waits and communication are the local
 * client's; what the client's exit code means is the launcher's ({@link #finish}).
 */
abstract class RemoteChild implements ChildProcess {
    /** The local client process that carries the streams. */
    final ChildProcess local;
    volatile boolean timedOut;

    RemoteChild(ChildProcess local) {
        this.local = local;
    }

    /** The program's return code for the client's exit code {@code localCode}; called once per wait, idempotent. */
    abstract int finish(int localCode);

    /** Where the program runs, for messages: the launcher's name. */
    abstract String where();

    private Outcome mapped(Outcome o) {
        return new Outcome(finish(o.returnCode()), o.stdout(), o.stderr(), pid(), o.elapsed(), null);
    }

    @Override
    public OutputStream stdin() {
        return local.stdin();
    }

    @Override
    public InputStream stdout() {
        return local.stdout();
    }

    @Override
    public InputStream stderr() {
        return local.stderr();
    }

    @Override
    public OptionalInt poll() {
        OptionalInt rc = local.poll();
        return rc.isEmpty() ? rc : OptionalInt.of(finish(rc.getAsInt()));
    }

    @Override
    public OptionalInt waitFor(Duration timeout) throws InterruptedException {
        OptionalInt rc = local.waitFor(timeout);
        return rc.isEmpty() ? rc : OptionalInt.of(finish(rc.getAsInt()));
    }

    @Override
    public Outcome communicate(byte[] input, Duration timeout) throws CommunicateTimeout, InterruptedException {
        return mapped(local.communicate(input, timeout));
    }

    @Override
    public CompletableFuture<Outcome> communicateAsync(byte[] input, java.util.concurrent.Executor done) {
        return local.communicateAsync(input).thenApplyAsync(this::mapped, done);
    }

    @Override
    public CompletableFuture<Outcome> onExit() {
        return local.onExit().thenApplyAsync(this::mapped, Callbacks.EXECUTOR);
    }

    @Override
    public dev.subprocess4j.internal.lifecycle.OutputDelivery.Failure deliveryFailure() {
        return local.deliveryFailure();
    }

    @Override
    public boolean timedOut() {
        return timedOut;
    }

    @Override
    public ProcessHandle toHandle() {
        throw new UnsupportedOperationException("toHandle() is not available on the " + where()
                + " launcher: the process does not run in this machine's process table as a child of the JVM");
    }

    @Override
    public void closeStreams() {
        local.closeStreams();
    }
}
