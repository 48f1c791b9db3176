package dev.subprocess4j.cli;

import java.io.IOException;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jline.terminal.spi.SystemStream;
import org.jline.terminal.spi.TerminalProvider;
import org.jline.utils.Curses;
import org.jline.utils.InfoCmp;
import org.jline.utils.InfoCmp.Capability;

/**
 * The terminal on sp's stderr, through JLine: whether fd 2 is one, its current width (the
 * {@code TIOCGWINSZ} ioctl, man 2 ioctl_tty) and, from the terminfo entry of {@code $TERM}, its
 * {@code cr} and {@code el} sequences for redrawing the bar.
 *
 * <p>JLine's terminal provider is used directly rather than a {@code TerminalBuilder} system
 * terminal: that one also wants stdin to be the terminal, and {@code sp parallel} often reads its
 * jobs from a pipe. The bar goes to stderr, so stderr alone decides.
 *
 * <p>Only {@code sp parallel} loads this class, and only when stderr may be a terminal, so JLine's
 * classes (and its native provider) never cost {@code sp run} any start-up time.
 */
public final class JlineBarTerminal implements BarTerminal {
    /** JLine's providers, best first: java.lang.foreign (sp has native access), then stty/tput. */
    private static final List<String> PROVIDERS = List.of("ffm", "exec");

    private final TerminalProvider provider;
    private final String clearLine;

    private JlineBarTerminal(TerminalProvider provider, String clearLine) {
        this.provider = provider;
        this.clearLine = clearLine;
    }

    /**
     * The terminal on stderr; empty when stderr is not one, when it cannot clear a line (such as
     * {@code TERM=dumb}) or when no JLine provider works here.
     */
    public static Optional<BarTerminal> open() {
        for (String name : PROVIDERS) {
            TerminalProvider p;
            try {
                p = TerminalProvider.load(name);
            } catch (IOException | RuntimeException | LinkageError unavailable) {
                continue; // such as ffm without native access: the next provider
            }
            if (!p.isSystemStream(SystemStream.Error)) {
                return Optional.empty();
            }
            TerminalProvider provider = p;
            return clearLine(System.getenv("TERM")).map(clear -> new JlineBarTerminal(provider, clear));
        }
        return Optional.empty();
    }

    /**
     * {@code cr} then {@code el} of terminal {@code type} ({@code ansi} when unset); empty when its
     * terminfo entry has no {@code el} (such as {@code dumb}) or is unknown.
     */
    static Optional<String> clearLine(String type) {
        String t = type == null || type.isBlank() ? "ansi" : type;
        String entry;
        try {
            // JLine's own entries for the common types (xterm, screen, ansi, dumb...), else infocmp(1).
            entry = InfoCmp.getInfoCmp(t);
        } catch (IOException | RuntimeException unknownType) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
        Map<Capability, String> strings = new EnumMap<>(Capability.class);
        InfoCmp.parseInfoCmp(entry, EnumSet.noneOf(Capability.class), new HashMap<>(), strings);
        String el = strings.get(Capability.clr_eol);
        if (el == null) {
            return Optional.empty();
        }
        String cr = strings.getOrDefault(Capability.carriage_return, "\r");
        return Optional.of(Curses.tputs(cr) + Curses.tputs(el));
    }

    @Override
    public int width() {
        int w = provider.systemStreamWidth(SystemStream.Error);
        // A pseudo-terminal nobody sized reports 0 columns.
        return w >= 20 ? w : BarTerminal.columnsFromEnvironment(80);
    }

    @Override
    public String clearLine() {
        return clearLine;
    }

    @Override
    public void close() {
        // Nothing was opened: the provider asks fd 2 each time.
    }
}
