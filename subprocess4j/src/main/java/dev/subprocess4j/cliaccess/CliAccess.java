package dev.subprocess4j.cliaccess;

import dev.subprocess4j.Command;
import dev.subprocess4j.CompletedProcess;
import dev.subprocess4j.Popen;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * What the command line ({@code subprocess4j-cli}, which runs on the class path) uses of the
 * library beyond its public API. This package is not exported: none of it is API, and it may
 * change in any release. It is not under {@code internal} because it names the public layer's
 * {@link Popen}, which internal code never does.
 */
public final class CliAccess {
    private static final MethodHandle RUN_TO_END_ASYNC;
    private static final MethodHandle START_FOR_RUN;

    static {
        try {
            // Popen's own package-private method, looked up from within this module (no opens needed)
            RUN_TO_END_ASYNC = MethodHandles.privateLookupIn(Popen.class, MethodHandles.lookup()).findVirtual(
                    Popen.class, "runToEndAsync", MethodType.methodType(CompletableFuture.class, Executor.class));
            START_FOR_RUN = MethodHandles.privateLookupIn(Command.class, MethodHandles.lookup()).findVirtual(
                    Command.class, "start", MethodType.methodType(Popen.class, boolean.class));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private CliAccess() {}

    /**
     * {@code c.start()} for a caller that waits for the child at once on its own platform thread
     * ({@link Popen#communicate()}), as {@code Command.run()} does: on the native backend the
     * reactor is not asked to watch the exit (no {@code epoll_ctl} pair, no reactor wake-up per
     * child); the caller's poll sees it and reaps. Whoever waits otherwise (on a virtual thread,
     * {@code onExit()}), and {@code communicate()} when it stops waiting early (a timeout, an
     * interrupt), hands the exit to the reactor. The caller must {@code close()} the {@code Popen}
     * whatever happens (its wait reaps the child): a {@code Popen} dropped before its
     * {@code communicate()} began would leave a zombie. A caller that might not wait uses
     * {@code start()}.
     */
    public static Popen startToWait(Command c) {
        try {
            return (Popen) START_FOR_RUN.invokeExact(c, true);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /**
     * {@code Command.runAsync()} for a {@link Popen} started with {@code captureOutput()} (its output
     * read by the native backend's reactor, no thread per pipe), the future completing on
     * {@code done} instead of a new virtual thread: {@code done} must only hand the task over
     * (e.g. put it on a queue that the caller's own thread drains), since on the native backend
     * it is called on the reactor thread. The {@code Popen} stays the caller's, to signal.
     */
    @SuppressWarnings("unchecked")
    public static CompletableFuture<CompletedProcess> runToEndAsync(Popen p, Executor done) {
        try {
            return (CompletableFuture<CompletedProcess>) RUN_TO_END_ASYNC.invokeExact(p, done);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
