package dev.subprocess4j;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** Helpers the launcher tests share: the "remote" hosts are this machine, so /proc shows their processes. */
final class RemoteTestSupport {
    private RemoteTestSupport() {}

    /** One line without its newline; reads byte by byte so nothing after it is consumed. */
    static byte[] readLine(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0 && c != '\n') {
            b.write(c);
        }
        return b.toByteArray();
    }

    /** Whether {@code pid} is gone or a zombie within {@code max}. */
    static boolean waitGone(long pid, Duration max) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
                if (stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z")) {
                    return true;
                }
            } catch (IOException gone) {
                return true;
            }
            Thread.sleep(20);
        }
        return false;
    }

    /** Work for {@link #libraryLog}. */
    interface Work {
        void run() throws Exception;
    }

    /** Every record the library logs (at any level) while {@code work} runs, and for a moment after. */
    static List<LogRecord> libraryLog(Work work) throws Exception {
        Logger logger = Logger.getLogger("dev.subprocess4j");
        List<LogRecord> records = new CopyOnWriteArrayList<>();
        Handler handler = new Handler() {
            @Override
            public void publish(LogRecord r) {
                records.add(r);
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        Level was = logger.getLevel();
        logger.setLevel(Level.ALL);
        handler.setLevel(Level.ALL);
        logger.addHandler(handler);
        try {
            work.run();
            Thread.sleep(200); // what the library's threads log right after
        } finally {
            logger.removeHandler(handler);
            logger.setLevel(was);
        }
        return records;
    }
}
