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
 * the middle of the command's output); with it, one line each on stderr:
 * {@code sp: LEVEL logger: message}.
 */
public final class SpLogging {
    /** Whether --verbose was given. */
    static volatile boolean verbose;

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
            if (!verbose || !isLoggable(r)) {
                return;
            }
            String message = r.getMessage();
            if (r.getParameters() != null && message != null) {
                message = java.text.MessageFormat.format(message, r.getParameters());
            }
            StringBuilder line = new StringBuilder("sp: ").append(r.getLevel().getName()).append(' ')
                    .append(r.getLoggerName()).append(": ").append(message);
            if (r.getThrown() != null) {
                line.append(" (").append(r.getThrown()).append(')');
            }
            err.println(Main.oneLine(line.toString()));
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
