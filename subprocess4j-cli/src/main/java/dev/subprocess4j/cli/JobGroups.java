package dev.subprocess4j.cli;

import dev.subprocess4j.Popen;
import dev.subprocess4j.Signal;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Kill a set of jobs' process groups: {@code signal} to each group, up to {@code grace} for all
 * of them to exit, SIGKILL to the groups of those still running, then wait for them. sp parallel's
 * own copy until the CLI has one shared class for "kill the group, grace, SIGKILL, wait" (sp run
 * needs the same); kept apart so that the two can be unified.
 *
 * <p>A job started without a group of its own (the JDK backend cannot make one) gets the signal
 * itself instead. The library signals a group only while its leader is not reaped; when the
 * leader has gone and members remain (one ignored SIGTERM and holds the job's pipes), SIGKILL goes
 * to each process that /proc lists in the group. The group's number cannot be another group's
 * while any member lives, so only the job's own stragglers are hit. A process that left the
 * group (setsid) is beyond reach.
 */
public final class JobGroups {
    /** How long to wait for the jobs to go after SIGKILL (a process in uninterruptible sleep). */
    static final Duration AFTER_KILL = Duration.ofSeconds(10);

    private JobGroups() {}

    /** A started job: its child and what completes when it has exited. */
    public record Member(Popen popen, boolean ownGroup, CompletableFuture<?> exited) {}

    /**
     * Sends {@code signal} to every member's group, waits up to {@code grace}, SIGKILLs the groups
     * still alive and waits for them (at most {@link #AFTER_KILL}). Never throws for a member
     * that already exited.
     */
    public static void terminate(Collection<Member> members, Signal signal, Duration grace) {
        List<Member> all = List.copyOf(members);
        if (all.isEmpty()) {
            return;
        }
        if (signal != Signal.SIGKILL) {
            all.forEach(m -> send(m, signal));
            if (awaitAll(all, grace)) {
                return;
            }
        }
        for (Member m : all) {
            if (!m.exited().isDone()) {
                send(m, Signal.SIGKILL);
                if (m.ownGroup()) {
                    killStragglers(m.popen().pid());
                }
            }
        }
        awaitAll(all, AFTER_KILL);
    }

    /** SIGKILL to every process in process group {@code pgid} (from /proc/PID/stat's pgrp field). */
    static void killStragglers(long pgid) {
        java.io.File[] entries = new java.io.File("/proc").listFiles((d, name) -> name.chars().allMatch(Character::isDigit));
        if (entries == null) {
            return;
        }
        for (java.io.File e : entries) {
            try {
                String stat = java.nio.file.Files.readString(e.toPath().resolve("stat"));
                // pid (comm) state ppid pgrp ...: comm may hold spaces and parentheses, so from the last ')'.
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ", 4);
                if (f.length >= 3 && Long.parseLong(f[2]) == pgid) {
                    ProcessHandle.of(Long.parseLong(e.getName())).ifPresent(ProcessHandle::destroyForcibly);
                }
            } catch (java.io.IOException | RuntimeException gone) {
                // exited meanwhile, or not ours to read
            }
        }
    }

    /** {@code signal} to the member's group (or to it alone without a group); errors ignored. */
    public static void send(Member m, Signal signal) {
        try {
            if (m.ownGroup()) {
                m.popen().signalGroup(signal);
            } else {
                m.popen().sendSignal(signal);
            }
        } catch (RuntimeException e) {
            // EPERM or ESRCH: nothing more this process can do for that one
        }
    }

    /** Whether every member exited within {@code limit}. */
    private static boolean awaitAll(List<Member> all, Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        for (Member m : all) {
            long left = deadline - System.nanoTime();
            try {
                m.exited().get(Math.max(0, left), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                return false;
            } catch (ExecutionException e) {
                // exited with a failure: gone all the same
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }
}
