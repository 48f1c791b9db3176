package dev.subprocess4j.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import org.jline.utils.Curses;
import org.jline.utils.InfoCmp.Capability;

/**
 * The terminal on sp's stderr, through JLine: its current width (the {@code TIOCGWINSZ} ioctl, man
 * 2 ioctl_tty) and its terminfo {@code cr} and {@code el} capabilities for redrawing the bar.
 *
 * <p>Only {@code sp parallel} loads this class, and only when it draws the bar on a terminal, so
 * JLine's classes (and its native provider) never cost {@code sp run} any start-up time.
 */
final class JlineBarTerminal implements BarTerminal {
    private final Terminal terminal;
    private final String clearLine;

    private JlineBarTerminal(Terminal terminal) {
        this.terminal = terminal;
        String cr = terminal.getStringCapability(Capability.carriage_return);
        String el = terminal.getStringCapability(Capability.clr_eol);
        this.clearLine = el == null ? null : Curses.tputs(cr == null ? "\r" : cr) + Curses.tputs(el);
    }

    /** The terminal on stderr; its type from $TERM ({@code ansi} when unset). */
    static BarTerminal open() {
        try {
            Terminal t = TerminalBuilder.builder()
                    .system(true)
                    .systemOutput(TerminalBuilder.SystemOutput.SysErr)
                    // sp only writes; Ctrl-C and friends keep the JVM's own handling (shutdown
                    // hooks kill the jobs), so JLine installs no signal handler.
                    .nativeSignals(false)
                    .signalHandler(Terminal.SignalHandler.SIG_DFL)
                    .build();
            return new JlineBarTerminal(t);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public int width() {
        int w = terminal.getWidth();
        // A pseudo-terminal nobody sized reports 0 columns.
        return w >= 20 ? w : BarTerminal.columnsFromEnvironment(80);
    }

    @Override
    public String clearLine() {
        return clearLine;
    }

    @Override
    public void close() {
        try {
            terminal.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
