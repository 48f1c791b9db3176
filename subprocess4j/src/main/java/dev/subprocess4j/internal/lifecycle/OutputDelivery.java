package dev.subprocess4j.internal.lifecycle;

import dev.subprocess4j.internal.Log;
import java.lang.System.Logger.Level;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The failures of one child's {@code Redirect.to}/{@code Redirect.lines} consumers. A pump whose
 * consumer throws records it here, stops calling the consumer and keeps draining the pipe to its
 * end, so the child never blocks on a full pipe; the call that waits for the child then fails
 * with an exception whose cause is the first consumer failure (never a silent success).
 */
public final class OutputDelivery {
    /** One failure: the stream whose consumer failed and what it threw. */
    public record Failure(String stream, Throwable cause) {}

    private final AtomicReference<Failure> first = new AtomicReference<>();

    /** Records that the consumer of {@code stream} of {@code pid} threw {@code cause}; the first one is kept. */
    public void failed(long pid, String stream, Throwable cause) {
        if (first.compareAndSet(null, new Failure(stream, cause))) {
            Log.get().log(Level.DEBUG, "pid " + pid + ": delivering its " + stream + " failed; draining the rest", cause);
        }
    }

    /** The first failure, or {@code null} when every consumer succeeded so far. */
    public Failure failure() {
        return first.get();
    }
}
