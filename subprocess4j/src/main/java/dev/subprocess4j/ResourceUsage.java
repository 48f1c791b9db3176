package dev.subprocess4j;

import java.time.Duration;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * What a finished child used, from the kernel's {@code rusage} of that child.
 *
 * <p>Filled by the Linux backend from {@code waitid}; the JDK backend cannot know it, so
 * {@link CompletedProcess#usage()} is empty there.
 *
 * @param userCpu CPU time spent in user mode
 * @param systemCpu CPU time spent in the kernel
 * @param maxRssBytes the child's own peak resident set size, in bytes, or empty when it cannot be
 *     told apart from the JVM's. Linux folds the old address space's high-water mark into a
 *     process's peak when it executes a program, and a child spawned vfork-style (as every
 *     spawn here, glibc's {@code posix_spawn} and Python's {@code subprocess} are) executes from
 *     the JVM's address space: the kernel's {@code ru_maxrss} of such a child is at least the
 *     JVM's peak at that moment, whatever the program used ({@code /bin/true} from a 45 MB JVM
 *     reads 45 MB). So the library reports the child's {@code ru_maxrss} only when it exceeds the
 *     JVM's own peak ({@code getrusage(RUSAGE_SELF)}, read at the reap: a peak only grows, so it is
 *     at least what the child took over at its exec; read again only for a value above the last
 *     reading) by more than the kernel's counting slack ({@code max(16 MiB, 2 × CPUs ×
 *     max(32, 2 × CPUs) pages)}: the resident-set counters are per-CPU approximations); then it is
 *     the program's own peak. Else it is empty: the program stayed below the JVM's peak (plus the
 *     slack), and the kernel keeps no figure of its own. A child that allocates more than the
 *     JVM's resident size reports it. (A writer of {@code 5} to the JVM's
 *     {@code /proc/self/clear_refs} lowers the JVM's peak below what a child took over; the
 *     library does not do that.)
 * @param minorFaults page faults served without I/O
 * @param majorFaults page faults that needed I/O
 * @param voluntaryContextSwitches switches because the child waited
 * @param involuntaryContextSwitches switches because the scheduler preempted the child
 */
public record ResourceUsage(
        Duration userCpu,
        Duration systemCpu,
        OptionalLong maxRssBytes,
        long minorFaults,
        long majorFaults,
        long voluntaryContextSwitches,
        long involuntaryContextSwitches) {

    /** Checks that the durations and the peak (maybe empty) are present. */
    public ResourceUsage {
        Objects.requireNonNull(userCpu, "userCpu");
        Objects.requireNonNull(systemCpu, "systemCpu");
        Objects.requireNonNull(maxRssBytes, "maxRssBytes");
    }
}
