package dev.subprocess4j;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

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
}
