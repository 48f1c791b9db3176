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
 * itself instead. The group is signalled only while its leader is not reaped (the library never
 * signals a reaped pid), so a descendant that outlives its job's leader and ignores the signal
 * is beyond reach, as with the library's own timeout kill.
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
        all.stream().filter(m -> !m.exited().isDone()).forEach(m -> send(m, Signal.SIGKILL));
        awaitAll(all, AFTER_KILL);
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
