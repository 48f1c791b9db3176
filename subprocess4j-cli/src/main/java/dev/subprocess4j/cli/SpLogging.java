package dev.subprocess4j.cli;

import java.io.PrintStream;
import java.io.FileOutputStream;
import java.io.FileDescriptor;
import java.nio.charset.StandardCharsets;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * sp's configuration of {@code java.util.logging}, where the library's {@code System.Logger}
 * records go: named by {@code java.util.logging.config.class} (set in {@link Main#main}), so the
 * log manager runs it only when something first logs. Without {@code --verbose} no record is
 * printed (the JVM's default console handler would print two lines per record, with a date, in
 * the middle of the command's output); with it, one line each on stderr, from the library's
 * {@code DEBUG} level (java.util.logging's {@code FINE}) up:
 * {@code sp: LEVEL logger: message}, LEVEL as System.Logger names it (DEBUG, INFO, WARNING, ERROR).
 */
public final class SpLogging {
    /** Whether --verbose was given. */
    private static volatile boolean verbose;

    /** --verbose: every record from the library's debug level up is printed from now on. */
    static void verbose() {
        verbose = true;
        Logger.getLogger("").setLevel(java.util.logging.Level.FINE); // System.Logger's DEBUG
    }

    /** Replaces the root logger's handlers with sp's. Run by the log manager. */
    public SpLogging() {
        Logger root = Logger.getLogger("");
        for (Handler h : root.getHandlers()) {
            root.removeHandler(h);
        }
        root.addHandler(new OneLine());
    }

    /** One line per record, on stderr, while --verbose. */
    private static final class OneLine extends Handler {
        private final PrintStream err = new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);

        @Override
        public void publish(LogRecord r) {
            String logger = r.getLoggerName();
            if (!verbose || !isLoggable(r) || logger == null || !logger.startsWith("dev.subprocess4j")) {
                return; // the JDK's own records (such as Runtime.exit's) are not sp's business
            }
            String message = r.getMessage();
            if (r.getParameters() != null && message != null) {
                message = java.text.MessageFormat.format(message, r.getParameters());
            }
            StringBuilder line = new StringBuilder("sp: ").append(levelName(r.getLevel())).append(' ')
                    .append(logger).append(": ").append(message);
            if (r.getThrown() != null) {
                line.append(" (").append(r.getThrown()).append(')');
            }
            err.println(Main.oneLine(line.toString()));
        }

        /** The level as the library wrote it (System.Logger's names). */
        private static String levelName(java.util.logging.Level level) {
            int v = level.intValue();
            return v >= 1000 ? "ERROR" : v >= 900 ? "WARNING" : v >= 800 ? "INFO" : v >= 500 ? "DEBUG" : "TRACE";
        }

        @Override
        public void flush() {
            err.flush();
        }

        @Override
        public void close() {
            flush();
        }
    }
}
