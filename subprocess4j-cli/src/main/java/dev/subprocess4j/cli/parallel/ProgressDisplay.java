package dev.subprocess4j.cli.parallel;

import dev.subprocess4j.cli.BarTerminal;
import dev.subprocess4j.cli.JlineBarTerminal;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Progress on stderr: the live bar (on a terminal, or with --progress always) or a plain line every 2 s. */
final class ProgressDisplay {
    /** How often the live bar is redrawn while nothing finishes. */
    private static final long BAR_REDRAW_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

    private final Scheduler s;
    private final PrintStream err;
    /** Where the live bar goes; empty for no bar. */
    private final Optional<BarTerminal> terminal;
    private final boolean plain;
    private final long intervalNanos;
    private boolean shown;
    private long lastDrawNanos;
    private long lastPlainNanos;

    ProgressDisplay(Scheduler s, PrintStream err) {
        this.s = s;
        this.err = err;
        this.terminal = barTerminal(s.o.progress);
        this.plain = s.o.progress == ParallelOptions.Progress.AUTO && terminal.isEmpty();
        this.intervalNanos = s.o.progressInterval.toNanos();
        this.lastPlainNanos = s.startNanos;
    }

    boolean bar() {
        return terminal.isPresent();
    }

    /** Redraws the live bar: always when {@code force}, else at most every 200 ms. */
    void draw(boolean force) {
        if (terminal.isEmpty()) {
            return;
        }
        long now = System.nanoTime();
        if (!force && now - lastDrawNanos < BAR_REDRAW_NANOS) {
            return;
        }
        lastDrawNanos = now;
        BarTerminal t = terminal.orElseThrow();
        err.print(t.clearLine() + barLine(now, t.width()));
        err.flush();
        shown = true;
    }

    /** Clears the bar (when shown) before other output goes to the terminal. */
    void clear() {
        if (shown) {
            err.print(terminal.orElseThrow().clearLine());
            err.flush();
            shown = false;
        }
    }

    /** Clears the bar for good and lets go of the terminal. */
    void close() {
        clear();
        terminal.ifPresent(BarTerminal::close);
    }

    /** A plain progress line every --progress-interval, when no live bar is shown. */
    void plainLine(boolean force) {
        if (!plain) {
            return;
        }
        long now = System.nanoTime();
        if (!force && now - lastPlainNanos < intervalNanos) {
            return;
        }
        lastPlainNanos = now;
        err.println("sp: " + status(now));
        err.flush();
    }

    String status(long now) {
        double secs = (now - s.startNanos) / 1e9;
        double rate = secs > 0 ? s.finished / secs : 0;
        int left = s.total - s.finished;
        String eta = s.finished == 0 || rate <= 0 ? "?" : duration(left / rate);
        return String.format(Locale.ROOT, "%d/%d done, %d running, %d failed, %.1f jobs/s, ETA %s",
                s.finished, s.total, s.running.size(), s.failed, rate, eta);
    }

    String barLine(long now, int columns) {
        String text = " " + status(now);
        // Sized for the longest text this run can show, so the bar does not jump as counts grow.
        int total = s.total;
        int widest = String.format(Locale.ROOT, " %d/%d done, %d running, %d failed, 9999.9 jobs/s, ETA 99m59s",
                total, total, s.maxJobs, total).length();
        int width = Math.min(60, columns - Math.max(widest, text.length()) - 3);
        if (width < 5) {
            // Too narrow for a bar: the counts matter more.
            String counts = text.strip();
            return counts.length() >= columns ? counts.substring(0, Math.max(1, columns - 1)) : counts;
        }
        int filled = total == 0 ? width : (int) ((long) width * s.finished / total);
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < width; i++) {
            sb.append(i < filled ? '=' : i == filled ? '>' : ' ');
        }
        sb.append(']').append(text);
        return sb.length() >= columns ? sb.substring(0, Math.max(1, columns - 1)) : sb.toString();
    }

    /** Seconds as {@code 42s}, {@code 3m05s} or {@code 1h02m}. */
    static String duration(double seconds) {
        long s = Math.round(seconds);
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
        }
        return String.format(Locale.ROOT, "%dh%02dm", s / 3600, s % 3600 / 60);
    }

    /**
     * Whether fd 2 may be a terminal: it names a terminal device in /proc/self/fd (man 5 proc). A
     * cheap test that loads no terminal library; {@link JlineBarTerminal} then asks the terminal
     * itself. (Console.isTerminal() looks at stdin and stdout, not at stderr where the bar goes.)
     */
    static boolean stderrMayBeTerminal() {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target.equals("/dev/console");
        } catch (IOException | UnsupportedOperationException noProc) {
            java.io.Console c = System.console();
            return c != null && c.isTerminal();
        }
    }

    /**
     * Where the live bar is drawn, if anywhere: on a terminal that can clear a line, through JLine;
     * with --progress always anywhere else, with ANSI sequences.
     */
    private static Optional<BarTerminal> barTerminal(ParallelOptions.Progress progress) {
        if (progress == ParallelOptions.Progress.NEVER) {
            return Optional.empty();
        }
        if (stderrMayBeTerminal()) {
            Optional<BarTerminal> t = JlineBarTerminal.open();
            if (t.isPresent()) {
                return t;
            }
        }
        return progress == ParallelOptions.Progress.ALWAYS ? Optional.of(BarTerminal.ansi()) : Optional.empty();
    }
}
