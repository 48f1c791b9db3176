package dev.subprocess4j.internal;

import java.time.Duration;

/** {@link System#nanoTime()} deadlines that saturate instead of overflowing. */
public final class Deadlines {
    private Deadlines() {}

    /** A deadline that never comes. */
    public static final long NEVER = Long.MAX_VALUE;

    /**
     * {@code d} in nanoseconds, saturated: {@link Duration#toNanos()} overflows beyond 292 years,
     * and callers pass {@code ChronoUnit.FOREVER.getDuration()} to mean "no limit".
     */
    public static long nanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException tooLong) {
            return Long.MAX_VALUE;
        }
    }

    /** The deadline {@code timeout} after {@code fromNanos}; {@link #NEVER} for null or beyond reach. */
    public static long after(long fromNanos, Duration timeout) {
        if (timeout == null) {
            return NEVER;
        }
        try {
            return Math.addExact(fromNanos, nanos(timeout));
        } catch (ArithmeticException beyondReach) {
            return NEVER;
        }
    }

    /** The deadline {@code timeout} from now; {@link #NEVER} for null or beyond reach. */
    public static long fromNow(Duration timeout) {
        return after(System.nanoTime(), timeout);
    }
}
