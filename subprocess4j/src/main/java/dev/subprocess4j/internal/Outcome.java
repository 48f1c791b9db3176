package dev.subprocess4j.internal;

import dev.subprocess4j.ResourceUsage;
import java.time.Duration;

/**
 * What a backend reports about a finished child; the public layer turns it into a
 * {@code CompletedProcess}.
 *
 * @param returnCode the exit status, {@code -N} for a death by signal N
 * @param stdout the captured stdout, or {@code null}
 * @param stderr the captured stderr, or {@code null}
 * @param pid the child's pid
 * @param elapsed time from the spawn to the exit
 * @param usage the child's resource usage, or {@code null} when the backend cannot know it
 */
public record Outcome(int returnCode, byte[] stdout, byte[] stderr, long pid, Duration elapsed, ResourceUsage usage) {}
