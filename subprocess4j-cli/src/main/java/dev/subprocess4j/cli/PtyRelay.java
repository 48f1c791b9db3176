package dev.subprocess4j.cli;

import dev.subprocess4j.CompletedProcess;
import dev.subprocess4j.Popen;
import dev.subprocess4j.Redirect;
import dev.subprocess4j.Subprocess;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

/**
 * {@code sp run --pty}: sp's stdin to the command's terminal, as typed. When sp's own stdin is a
 * terminal it is put in raw mode for the run with {@code stty} (every key, Ctrl-C and Ctrl-Z
 * included, reaches the command's terminal, whose line discipline makes them its own signals) and
 * given back as it was at the end, and the command's window size follows sp's (SIGWINCH). The
 * terminal's output reaches sp's stdout through the command's {@code Redirect.to}, flushed as it
 * comes ({@link #flushing}).
 */
final class PtyRelay implements AutoCloseable {
    private static final int DEFAULT_COLUMNS = 80;
    private static final int DEFAULT_ROWS = 24;

    /** sp's terminal settings before raw mode ({@code stty -g}), or null when sp's stdin is no terminal. */
    private final String saved;
    private final Thread copier;
    private final sun.misc.SignalHandler previousWinch;

    private PtyRelay(String saved, Thread copier, sun.misc.SignalHandler previousWinch) {
        this.saved = saved;
        this.copier = copier;
        this.previousWinch = previousWinch;
    }

    /**
     * The terminal's size: {@code COLSxROWS} when given, else sp's own terminal's (when its stdin
     * is one), else 80x24.
     *
     * @throws IllegalArgumentException for a malformed or out-of-range size, naming it
     */
    static int[] size(String given) {
        if (given != null) {
            String[] parts = given.toLowerCase(Locale.ROOT).split("x", -1);
            if (parts.length != 2) {
                throw new IllegalArgumentException("not COLSxROWS: " + given);
            }
            try {
                int columns = Integer.parseInt(parts[0]);
                int rows = Integer.parseInt(parts[1]);
                if (columns < 1 || rows < 1 || columns > 65535 || rows > 65535) {
                    throw new IllegalArgumentException("columns and rows must be 1 to 65535: " + given);
                }
                return new int[] {columns, rows};
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not COLSxROWS: " + given, e);
            }
        }
        int[] own = stdinIsATerminal() ? terminalSize() : null;
        return own != null ? own : new int[] {DEFAULT_COLUMNS, DEFAULT_ROWS};
    }

    /** sp's terminal's size from {@code stty size} ("ROWS COLS"), or null. */
    private static int[] terminalSize() {
        String[] rowsCols = stty("size").strip().split(" ");
        try {
            int rows = Integer.parseInt(rowsCols[0]);
            int columns = Integer.parseInt(rowsCols[1]);
            return rows > 0 && columns > 0 ? new int[] {columns, rows} : null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** {@code stty ARGS} on sp's stdin (the terminal); its output, or "" when it failed. */
    private static String stty(String... args) {
        java.util.List<String> argv = new java.util.ArrayList<>(java.util.List.of("stty"));
        argv.addAll(java.util.List.of(args));
        CompletedProcess r = Subprocess.command(argv).stdin(Redirect.INHERIT).stdout(Redirect.PIPE)
                .stderr(Redirect.DEVNULL).timeout(Duration.ofSeconds(5)).run();
        return r.returnCode() == 0 ? r.stdout() : "";
    }

    /** Whether fd 0 is a terminal (a /dev/pts or /dev/tty device), read from /proc. */
    static boolean stdinIsATerminal() {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/0")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target.equals("/dev/console");
        } catch (IOException | UnsupportedOperationException noProc) {
            return false;
        }
    }

    /** {@code out}, flushed after every write: what the terminal shows reaches sp's stdout as it comes. */
    static OutputStream flushing(OutputStream out) {
        return new java.io.FilterOutputStream(out) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
                out.flush();
            }
        };
    }

    /**
     * Starts copying sp's stdin to the command's terminal; with sp on a terminal, raw mode and,
     * {@code followSize} (unless --pty-size fixed the size), its resizes.
     */
    static PtyRelay start(Popen command, boolean followSize) {
        String saved = null;
        sun.misc.SignalHandler previous = null;
        if (stdinIsATerminal()) {
            saved = stty("-g").strip();
            if (saved.isEmpty()) {
                saved = null;
            } else {
                stty("raw", "-echo");
            }
            if (followSize) {
                previous = sun.misc.Signal.handle(new sun.misc.Signal("WINCH"), s -> {
                    int[] size = terminalSize();
                    if (size != null) {
                        command.resize(size[0], size[1]);
                    }
                });
            }
        }
        InputStream source = new FileInputStream(FileDescriptor.in);
        OutputStream to = command.stdin();
        Thread copier = Thread.ofVirtual().name("sp-pty-input").start(() -> {
            byte[] chunk = new byte[4096];
            try {
                int n;
                while ((n = source.read(chunk)) > 0) {
                    to.write(chunk, 0, n);
                    to.flush();
                }
            } catch (IOException e) {
                // the command is gone, or its terminal closed: nothing more to type
            }
        });
        return new PtyRelay(saved, copier, previous);
    }

    /** Stops following resizes and gives sp's terminal back as it was. */
    @Override
    public void close() {
        copier.interrupt();
        if (previousWinch != null) {
            sun.misc.Signal.handle(new sun.misc.Signal("WINCH"), previousWinch);
        }
        if (saved != null) {
            stty(saved);
        }
    }
}
