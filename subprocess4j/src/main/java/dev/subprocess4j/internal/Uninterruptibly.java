package dev.subprocess4j.internal;

/**
 * Waits that must not give up on an interrupt (a child being made must be handed over, a failed
 * start must be cleaned up): the wait is retried, and the thread's interrupt is set again when it
 * returns, for the caller to see.
 */
public final class Uninterruptibly {
    private Uninterruptibly() {}

    /** A wait that an interrupt ends early; {@code X} is what else it may throw. */
    @FunctionalInterface
    public interface Wait<T, X extends Exception> {
        T get() throws InterruptedException, X;
    }

    /** What {@code wait} returns once it returns, however often the thread is interrupted meanwhile. */
    public static <T, X extends Exception> T get(Wait<T, X> wait) throws X {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return wait.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
