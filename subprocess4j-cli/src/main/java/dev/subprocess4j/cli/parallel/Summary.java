package dev.subprocess4j.cli.parallel;

import dev.subprocess4j.cli.Bytes;
import dev.subprocess4j.cli.Main;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The summary on stderr at the end: the counts, wall and CPU time, jobs per host, the slowest
 * three jobs, and each failed job with how it failed.
 */
final class Summary {
    /** GNU parallel's cap: the exit status counts failed jobs up to this. */
    static final int MAX_EXIT = 101;
    /** The failed jobs listed by name at most; the rest are counted. */
    static final int MAX_FAILED_LISTED = 20;
    /** The slowest jobs listed. */
    static final int SLOWEST = 3;

    private final Scheduler s;
    private final PrintStream err;

    Summary(Scheduler s, PrintStream err) {
        this.s = s;
        this.err = err;
    }

    void print() {
        long now = System.nanoTime();
        int notRun = s.pending.size();
        int succeeded = s.finished - s.failed - s.killed;
        StringBuilder counts = new StringBuilder(String.format(Locale.ROOT,
                "sp: %d jobs, %d succeeded, %d failed, %d retries used, %d not run",
                s.total, succeeded, s.failed, s.retriesUsed, notRun));
        if (s.killed > 0) {
            counts.append(", ").append(s.killed).append(" killed");
        }
        if (s.skipped > 0) {
            counts.append(", ").append(s.skipped).append(" skipped (in the joblog)");
        }
        if (s.stopped) {
            counts.append(" (sp was stopped by a signal)");
        }
        err.println(counts);
        err.printf(Locale.ROOT, "sp: wall %s, child CPU %s%n", seconds(Duration.ofNanos(now - s.startNanos)) + "s",
                s.cpuKnown ? seconds(s.cpu) + "s" : "n/a");
        hosts();
        List<Job> slowest = s.slowest;
        if (!slowest.isEmpty()) {
            err.println("sp: slowest:");
            for (Job j : slowest) {
                err.printf(Locale.ROOT, "sp:   %ss  %s: %s%n", seconds(j.elapsed), j.name(), Main.oneLine(Bytes.text(j.text)));
            }
        }
        List<Job> failed = s.failedListed.stream().sorted(Comparator.comparingInt((Job j) -> j.index)).toList();
        if (!failed.isEmpty()) {
            err.println("sp: failed:");
            for (Job j : failed) {
                err.printf(Locale.ROOT, "sp:   %s: %s: %s%n", j.name(), j.failure(), Main.oneLine(Bytes.text(j.text)));
            }
            if (s.failed > failed.size()) {
                err.printf(Locale.ROOT, "sp:   ... and %d more%n", s.failed - failed.size());
            }
        }
    }

    /** With --sshlogin or --slurm: how many jobs each host ran. */
    private void hosts() {
        if (s.launchers == null) {
            return;
        }
        Map<String, Long> perHost = s.perHost;
        err.println("sp: hosts: " + perHost.entrySet().stream()
                .map(e -> e.getKey() + " " + e.getValue() + (e.getValue() == 1 ? " job" : " jobs"))
                .collect(Collectors.joining(", ")));
    }

    static String seconds(Duration d) {
        return String.format(Locale.ROOT, "%.3f", d.toNanos() / 1e9);
    }
}
