package dev.subprocess4j.cli;

import dev.subprocess4j.Popen;
import dev.subprocess4j.Signal;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * sp's one policy for stopping a command it started: the signal to the command's whole process
 * group, {@code SIGKILL} to whatever of the group is left after the grace, then a wait until
 * nothing of the group runs. {@code sp run} (timeout, and sp itself signalled) and {@code sp
 * parallel} (its jobs on a signal or a halt) both stop their commands through it.
 *
 * <h2>The group</h2>
 * The command must lead a process group of its own ({@code processGroup(0)} or
 * {@code startNewSession()}): the group's id is then its pid. While the command is not yet reaped
 * the group is signalled through {@link Popen#signalGroup} (the library's pidfd, so never another
 * group). The library reaps the command as soon as it exits, and then refuses to signal the
 * group by the leader; members may still be running (a {@code sh -c} whose grandchild ignores
 * the first signal). Those are found in {@code /proc} (field 5 of {@code /proc/PID/stat}, the
 * process group) and sent {@code SIGKILL} one by one through {@link ProcessHandle} (which checks
 * the process's start time, so a recycled pid is never hit). The group's id cannot be reused
 * while one member lives, so a member found there belongs to the command.
 *
 * <p>Without a group of its own ({@code sp run --foreground}, or a backend that cannot signal
 * groups) only the command itself is signalled, as coreutils {@code timeout --foreground} does.
 *
 * <h2>Use</h2>
 * {@code new GroupReaper(popen, true).stop(Signal.SIGTERM, grace)} blocks until the group is gone
 * (at most the grace plus the wait after SIGKILL); to stop several commands at once (sp
 * parallel's running jobs), call it for each on a thread of its own, so that they share one
 * grace. It returns whether SIGKILL was needed. Signals to sp itself are {@link StopSignals}'s.
 *
 * <h2>Thread safety</h2>
 * {@link #stop} may be called from any thread, several times: the first call runs the policy;
 * a call while it runs (a second Ctrl-C) sends {@code SIGKILL} at once and then waits with it.
 */
public final class GroupReaper {
    /**
     * How often the command is polled while waiting; once it was reaped, each poll reads
     * {@code /proc/PID/stat} of every process, so not more often.
     */
    private static final Duration POLL = Duration.ofMillis(50);
    /** After {@code SIGKILL}, how long to wait for the group to be gone before giving up (a process in uninterruptible sleep). */
    private static final Duration KILL_WAIT = Duration.ofSeconds(10);

    private final Popen command;
    private final boolean ownGroup;
    private final long pgid;

    private boolean stopping;
    private boolean killNow;
    private boolean escalated;
    private boolean done;

    /**
     * @param command the command, started
     * @param ownGroup whether it leads a process group of its own (its pid is the group's id)
     */
    public GroupReaper(Popen command, boolean ownGroup) {
        this.command = command;
        this.ownGroup = ownGroup;
        this.pgid = command.pid();
    }

    /**
     * Stops the command: {@code first} to its group (and {@code SIGCONT}, so that a stopped
     * group sees it), {@code SIGKILL} to what is left of the group after {@code grace}, then
     * waits until the command was reaped and no member of its group runs.
     *
     * @return whether {@code SIGKILL} had to be sent after {@code first} (not counting a
     *     {@code first} that was {@code SIGKILL} itself)
     */
    public boolean stop(Signal first, Duration grace) {
        synchronized (this) {
            if (stopping) {
                // a second request while the first runs: no more grace
                killNow = true;
                notifyAll();
                while (!done) {
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return escalated;
                    }
                }
                return escalated;
            }
            stopping = true;
        }
        boolean killed = false;
        try {
            signal(first);
            if (first != Signal.SIGKILL && first != Signal.SIGCONT) {
                signal(Signal.SIGCONT);
            }
            long deadline = System.nanoTime() + grace.toNanos();
            while (anyLeft()) {
                if (killNow() || System.nanoTime() - deadline >= 0) {
                    killed = first != Signal.SIGKILL;
                    kill();
                    waitForTheKilled();
                    break;
                }
                pause();
            }
        } finally {
            synchronized (this) {
                escalated = killed;
                done = true;
                notifyAll();
            }
        }
        return killed;
    }

    /** Whether {@link #stop} had to send {@code SIGKILL} after its first signal. */
    synchronized boolean escalated() {
        return escalated;
    }

    private synchronized boolean killNow() {
        return killNow;
    }

    private synchronized void pause() {
        try {
            wait(POLL.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            killNow = true;
        }
    }

    private void waitForTheKilled() {
        long deadline = System.nanoTime() + KILL_WAIT.toNanos();
        while (anyLeft() && System.nanoTime() - deadline < 0) {
            kill(); // members forked since the last look
            try {
                Thread.sleep(POLL);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** {@code s} to the group while the leader is not reaped (else to the members left), or to the command alone. */
    private void signal(Signal s) {
        if (ownGroup) {
            try {
                command.signalGroup(s);
                return;
            } catch (IllegalStateException reaped) {
                // the leader is gone: its members, found in /proc, below
            } catch (UnsupportedOperationException noGroups) {
                command.sendSignal(s);
                return;
            } catch (dev.subprocess4j.SubprocessException refused) {
                // EPERM (a member runs as another user): those that can be signalled one by one, below
            }
            if (s == Signal.SIGKILL || s == Signal.SIGTERM) {
                for (long pid : members()) {
                    ProcessHandle.of(pid).ifPresent(h -> {
                        if (inGroup(h.pid())) { // the handle now holds this incarnation's start time
                            if (s == Signal.SIGKILL) {
                                h.destroyForcibly();
                            } else {
                                h.destroy();
                            }
                        }
                    });
                }
            }
            return;
        }
        command.sendSignal(s);
    }

    private void kill() {
        signal(Signal.SIGKILL);
    }

    /** Whether the command runs, or (with a group of its own) any member of its group. */
    private boolean anyLeft() {
        if (command.poll().isEmpty()) {
            return true;
        }
        return ownGroup && !members().isEmpty();
    }

    /**
     * Set once the command was reaped and no member of its group was found: the group's id may be
     * free from then on, and a new group with that id is not the command's. Never looked up again.
     */
    private volatile boolean groupGone;

    /** The pids of the processes in the command's group, from /proc (zombies left out: they run no more). */
    private List<Long> members() {
        if (groupGone) {
            return List.of();
        }
        boolean reaped = command.poll().isPresent();
        List<Long> pids = new ArrayList<>();
        try (DirectoryStream<Path> proc = Files.newDirectoryStream(Path.of("/proc"), GroupReaper::isPid)) {
            for (Path p : proc) {
                long pid = Long.parseLong(p.getFileName().toString());
                if (inGroup(pid)) {
                    pids.add(pid);
                }
            }
        } catch (IOException e) {
            // no /proc: only the leader can be waited for
        }
        if (reaped && pids.isEmpty()) {
            groupGone = true;
        }
        return pids;
    }

    private static boolean isPid(Path p) {
        String name = p.getFileName().toString();
        for (int i = 0; i < name.length(); i++) {
            if (name.charAt(i) < '0' || name.charAt(i) > '9') {
                return false;
            }
        }
        return !name.isEmpty();
    }

    /** Whether {@code pid} runs (not a zombie) in the command's group. */
    private boolean inGroup(long pid) {
        Optional<String[]> stat = stat(pid);
        if (stat.isEmpty()) {
            return false;
        }
        String[] fields = stat.get();
        OptionalLong group = parse(fields[2]);
        return !fields[0].equals("Z") && !fields[0].equals("X") && group.isPresent() && group.getAsLong() == pgid;
    }

    /**
     * The fields after the command name in {@code /proc/PID/stat} (state, ppid, pgrp, ...): the
     * name is in parentheses and may hold spaces and parentheses itself, so the text after the
     * last ')' is split.
     */
    private static Optional<String[]> stat(long pid) {
        String text;
        try {
            text = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.ISO_8859_1);
        } catch (IOException | RuntimeException gone) {
            return Optional.empty();
        }
        int close = text.lastIndexOf(')');
        if (close < 0) {
            return Optional.empty();
        }
        String[] fields = text.substring(close + 1).trim().split(" ");
        return fields.length < 3 ? Optional.empty() : Optional.of(fields);
    }

    private static OptionalLong parse(String s) {
        try {
            return OptionalLong.of(Long.parseLong(s));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }
}
