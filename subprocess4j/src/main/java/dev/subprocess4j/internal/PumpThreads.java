package dev.subprocess4j.internal;

import java.lang.System.Logger.Level;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Starts the library's short-lived helper threads (stream pumps, deadline watchers) as virtual
 * threads and counts the live ones, so leak checks can see that none outlives its child.
 */
public final class PumpThreads {
    private static final AtomicInteger LIVE = new AtomicInteger();

    private PumpThreads() {}

    /** Work that may throw; an exception is logged and completes the future exceptionally. */
    @FunctionalInterface
    public interface Work {
        /** Does the work. */
        void run() throws Exception;
    }

    /** Runs {@code work} on a new virtual thread named {@code subprocess4j-<name>}. */
    public static CompletableFuture<Void> start(String name, Work work) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        LIVE.incrementAndGet();
        try {
            Thread.ofVirtual().name("subprocess4j-" + name).start(() -> {
                try {
                    work.run();
                    done.complete(null);
                } catch (Throwable t) {
                    Log.get().log(Level.DEBUG, "subprocess4j-" + name + " failed", t);
                    done.completeExceptionally(t);
                } finally {
                    LIVE.decrementAndGet();
                }
            });
        } catch (RuntimeException | Error e) {
            LIVE.decrementAndGet();
            throw e;
        }
        return done;
    }

    /** How many pump threads are running now. */
    public static int live() {
        return LIVE.get();
    }
}
