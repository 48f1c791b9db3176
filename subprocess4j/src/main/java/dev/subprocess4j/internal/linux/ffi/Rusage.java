package dev.subprocess4j.internal.linux.ffi;

import java.lang.foreign.MemorySegment;
import java.time.Duration;

/**
 * A decoded {@code struct rusage} (Linux, 64-bit: two {@code timeval}s, then fourteen longs), as
 * {@link Pidfd#waitid} fills it in.
 *
 * @param userCpu {@code ru_utime}
 * @param systemCpu {@code ru_stime}
 * @param maxRssBytes {@code ru_maxrss} in bytes (the kernel counts KiB)
 * @param minorFaults {@code ru_minflt}
 * @param majorFaults {@code ru_majflt}
 * @param voluntaryContextSwitches {@code ru_nvcsw}
 * @param involuntaryContextSwitches {@code ru_nivcsw}
 */
public record Rusage(Duration userCpu, Duration systemCpu, long maxRssBytes, long minorFaults, long majorFaults,
                     long voluntaryContextSwitches, long involuntaryContextSwitches) {

    /** Size of {@code struct rusage}. */ public static final long SIZE = 144;

    private static final long UTIME = 0;
    private static final long STIME = 16;
    private static final long MAXRSS = 32;
    private static final long MINFLT = 64;
    private static final long MAJFLT = 72;
    private static final long NVCSW = 128;
    private static final long NIVCSW = 136;

    /** Decodes a {@code struct rusage} of at least {@link #SIZE} bytes. */
    public static Rusage decode(MemorySegment ru) {
        if (ru.byteSize() < SIZE) {
            throw new IllegalArgumentException("rusage buffer too small: " + ru.byteSize() + " bytes");
        }
        long[] f = Mem.getLongs(ru, 0, (int) (SIZE / 8)); // one copy, not a view per field
        return new Rusage(timeval(f, UTIME), timeval(f, STIME), at(f, MAXRSS) * 1024,
                at(f, MINFLT), at(f, MAJFLT), at(f, NVCSW), at(f, NIVCSW));
    }

    private static long at(long[] fields, long offset) {
        return fields[(int) (offset / 8)];
    }

    /** {@code ru_maxrss} in bytes of a {@code struct rusage}, without decoding the rest. */
    public static long maxRssBytes(MemorySegment ru) {
        return Mem.getLong(ru, MAXRSS) * 1024;
    }

    private static Duration timeval(long[] fields, long offset) {
        return Duration.ofSeconds(at(fields, offset), at(fields, offset + 8) * 1000);
    }
}
