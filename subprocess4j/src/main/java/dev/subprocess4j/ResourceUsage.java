package dev.subprocess4j;

import java.time.Duration;
import java.util.Objects;

/**
 * What a finished child used, from the kernel's {@code rusage} of that child.
 *
 * <p>Filled by the Linux backend from {@code waitid}; the JDK backend cannot know it, so
 * {@link CompletedProcess#usage()} is empty there.
 *
 * @param userCpu CPU time spent in user mode
 * @param systemCpu CPU time spent in the kernel
 * @param maxRssBytes the peak resident set size, in bytes, as the kernel reports it: Linux carries
 *     the spawning process's resident size at the fork or vfork into the child's peak until its
 *     exec, so a small program started from a large JVM reads at least the JVM's resident size
 *     (Python's {@code subprocess}, which spawns the same way, shows the same)
 * @param minorFaults page faults served without I/O
 * @param majorFaults page faults that needed I/O
 * @param voluntaryContextSwitches switches because the child waited
 * @param involuntaryContextSwitches switches because the scheduler preempted the child
 */
public record ResourceUsage(
        Duration userCpu,
        Duration systemCpu,
        long maxRssBytes,
        long minorFaults,
        long majorFaults,
        long voluntaryContextSwitches,
        long involuntaryContextSwitches) {

    /** Checks that the durations are present. */
    public ResourceUsage {
        Objects.requireNonNull(userCpu, "userCpu");
        Objects.requireNonNull(systemCpu, "systemCpu");
    }
}
