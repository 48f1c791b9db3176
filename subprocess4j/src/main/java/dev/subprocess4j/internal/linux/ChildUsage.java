package dev.subprocess4j.internal.linux;

import dev.subprocess4j.ResourceUsage;
import dev.subprocess4j.internal.Log;
import dev.subprocess4j.internal.linux.ffi.Libc;
import dev.subprocess4j.internal.linux.ffi.Rusage;
import dev.subprocess4j.internal.linux.ffi.Unistd;
import java.lang.System.Logger.Level;
import java.lang.foreign.MemorySegment;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What a reap tells besides the exit code ({@link ExitWatcher}): the child's {@link ResourceUsage}
 * from the rusage of its reap (the peak resident size only when it is the child's own, not the
 * JVM's folded into it at the exec), or that its status was lost.
 */
final class ChildUsage {
    private ChildUsage() {}

    /**
     * The reaped child's usage, or null when it cannot be decoded (an OutOfMemoryError): the child
     * is reaped, and its exit must be recorded all the same.
     */
    static ResourceUsage decode(MemorySegment rusage) {
        try {
            return of(Rusage.decode(rusage));
        } catch (RuntimeException | Error e) {
            return null;
        }
    }

    /** Whether the lost status of a child was logged: once per JVM. */
    private static final AtomicBoolean STATUS_LOST_LOGGED = new AtomicBoolean();

    /**
     * A child whose exit status is lost: it exited, but the kernel (SIGCHLD ignored: SIG_IGN or
     * SA_NOCLDWAIT) or other code waiting for every child reaped it first. Reported as exited with
     * the status unknown: returnCode 0, as CPython does, and no usage. Logged once per JVM at
     * WARNING; the library never changes SIGCHLD's disposition itself (docs/semantics.md).
     */
    static void statusLost(long pid, String why) {
        if (STATUS_LOST_LOGGED.compareAndSet(false, true)) {
            Log.get().log(Level.WARNING, "subprocess4j: the exit status of pid {0,number,#} is lost ({1}): SIGCHLD is "
                    + "ignored in this JVM (SIG_IGN or SA_NOCLDWAIT: the kernel reaps children itself), or other code "
                    + "waits for every child. Such children are reported as exited with returnCode 0 and no usage. "
                    + "The library leaves SIGCHLD as it is; said once.", pid, why);
        }
    }

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
