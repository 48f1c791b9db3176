package dev.subprocess4j.internal.lifecycle;

import dev.subprocess4j.internal.Log;
import java.lang.System.Logger.Level;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The failures of one child's {@code Redirect.to}/{@code Redirect.lines} consumers. A pump whose
 * consumer throws records it here, stops calling the consumer and keeps draining the pipe to its
 * end, so the child never blocks on a full pipe; the call that waits for the child then fails
 * with an exception whose cause is the first consumer failure (never a silent success). A pump
 * that failed itself (reading or writing the pipe: the library's own failure) is recorded here
 * too: the child is killed then, and the wait fails the same way.
 */
public final class OutputDelivery {
    /**
     * One failure: the stream, and what its consumer threw, or ({@code pump}) what the library's
     * pump of that stream threw.
     */
    public record Failure(String stream, Throwable cause, boolean pump) {}

    private final AtomicReference<Failure> first = new AtomicReference<>();

    /** Records that the consumer of {@code stream} of {@code pid} threw {@code cause}; the first one is kept. */
    public void failed(long pid, String stream, Throwable cause) {
        if (first.compareAndSet(null, new Failure(stream, cause, false))) {
            Log.get().log(Level.DEBUG, "pid " + pid + ": delivering its " + stream + " failed; draining the rest", cause);
        }
    }

    /**
     * Records that the pump of {@code stream} of {@code pid} failed with {@code cause} (it ends, and
     * the child is killed); kept unless a consumer failed first.
     */
    public void pumpFailed(long pid, String stream, Throwable cause) {
        if (first.compareAndSet(null, new Failure(stream, cause, true)) && Log.get().isLoggable(Level.DEBUG)) {
            Log.get().log(Level.DEBUG, "pid " + pid + ": the pump of its " + stream + " failed; killing it", cause);
        }
    }

    /** The first failure, or {@code null} when every consumer succeeded so far. */
    public Failure failure() {
        return first.get();
    }
}
