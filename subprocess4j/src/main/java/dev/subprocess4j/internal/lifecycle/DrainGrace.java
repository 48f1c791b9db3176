package dev.subprocess4j.internal.lifecycle;

import java.time.Duration;

/**
 * The drain grace: once a call's deadline has ended the child's part (the child was killed for
 * it, or had exited while something it started still held its pipes), how long the library keeps
 * reading pipes that are still open before it closes its ends. Every backend, pipelines and the
 * pool use this one value, so a call with a timeout returns no later than its deadline plus this
 * grace (plus the kill grace when the kill signal is not SIGKILL).
 */
public final class DrainGrace {
    /** The grace: 1 s. */
    public static final Duration DURATION = Duration.ofSeconds(1);
    private static final long NANOS = DURATION.toNanos();

    private DrainGrace() {}

    /** The {@link System#nanoTime()} at which the grace that started at {@code fromNanos} ends. */
    public static long endNanos(long fromNanos) {
        return fromNanos + NANOS;
    }

    /** Whether the grace that started at {@code fromNanos} is over. */
    public static boolean isOver(long fromNanos) {
        return System.nanoTime() - fromNanos >= NANOS;
    }
}
