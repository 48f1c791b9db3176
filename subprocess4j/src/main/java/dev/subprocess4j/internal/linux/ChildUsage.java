package dev.subprocess4j.internal.linux;

import dev.subprocess4j.ResourceUsage;
import dev.subprocess4j.internal.linux.ffi.Libc;
import dev.subprocess4j.internal.linux.ffi.Rusage;
import dev.subprocess4j.internal.linux.ffi.Unistd;
import java.util.OptionalLong;

/**
 * A reaped child's {@link ResourceUsage} from the rusage of its reap ({@link ExitWatcher}): the
 * peak resident size only when it is the child's own, not the JVM's folded into it at the exec.
 */
final class ChildUsage {
    private ChildUsage() {}

    /** The usage of a child from its reap's rusage; its peak resident size only when it is its own. */
    static ResourceUsage of(Rusage ru) {
        long maxRss = ru.maxRssBytes();
        return new ResourceUsage(ru.userCpu(), ru.systemCpu(),
                abovePeakOfTheJvm(maxRss) ? OptionalLong.of(maxRss) : OptionalLong.empty(),
                ru.minorFaults(), ru.majorFaults(), ru.voluntaryContextSwitches(), ru.involuntaryContextSwitches());
    }

    /** The kernel's slack in a resident-set reading: 2 × CPUs × its per-CPU batch (at least 32 pages, of 4 KiB on x86_64, up to 64 KiB on aarch64), at least 16 MiB. */
    private static final long RSS_SLACK_BYTES;

    static {
        long cpus = Runtime.getRuntime().availableProcessors();
        RSS_SLACK_BYTES = Math.max(16L << 20, 2 * cpus * Math.max(32, 2 * cpus) * (Libc.X86_64 ? 4096 : 65536));
    }

    /** The JVM's peak resident size as last read ({@code getrusage(RUSAGE_SELF)}), or -1 before. */
    private static volatile long lastJvmPeak = -1;

    /**
     * Whether a child's ru_maxrss is its own peak (see {@link ResourceUsage#maxRssBytes()}): above
     * the JVM's peak plus the kernel's counting slack. The peak folded into the child at its exec is
     * at most the JVM's peak then, which is at most its peak now (a peak only grows), so the bound
     * may be read at the reap; and a value at or below the last reading plus the slack is at or below
     * the current one's, so the JVM's peak is read again ({@code getrusage}) only for a value above
     * it: a small program's exit costs no system call.
     */
    private static boolean abovePeakOfTheJvm(long maxRss) {
        long last = lastJvmPeak;
        if (last >= 0 && maxRss <= last + RSS_SLACK_BYTES) {
            return false;
        }
        long peak = Unistd.selfMaxRssBytes();
        if (peak < 0) {
            return false;
        }
        lastJvmPeak = peak;
        return maxRss > peak + RSS_SLACK_BYTES;
    }
}
