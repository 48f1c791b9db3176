package dev.subprocess4j.examples;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** Small /proc readers the examples share: what a Linux user would write. */
final class Proc {
    private Proc() {}

    // tag::proc-state[]
    /** The state of a process from /proc/PID/stat: R running, S sleeping, Z zombie; '-' when gone. */
    static char state(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            return stat.charAt(stat.lastIndexOf(')') + 2); // the name in (...) may hold spaces
        } catch (IOException gone) {
            return '-';
        }
    }
    // end::proc-state[]

    /**
     * Whether the process is dead (a zombie or gone) within {@code max}: a SIGKILL is delivered
     * asynchronously, so a process may still show R for a moment after the kill.
     */
    static boolean deadWithin(long pid, java.time.Duration max) {
        long deadline = System.nanoTime() + max.toNanos();
        while (true) {
            char s = state(pid);
            if (s == 'Z' || s == '-') {
                return true;
            }
            if (System.nanoTime() > deadline) {
                return false;
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }

    // tag::fd-number[]
    /** The number of the JVM's fd that is open on {@code file}: Java has no API for it. */
    static int fdNumberOf(Path file) throws IOException {
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path fd : fds) {
                try {
                    if (Files.readSymbolicLink(fd).equals(file.toAbsolutePath())) {
                        return Integer.parseInt(fd.getFileName().toString());
                    }
                } catch (IOException closedMeanwhile) {
                    // the listing's own fd, or one another thread closed
                }
            }
        }
        throw new IllegalStateException("no fd of the JVM is open on " + file);
    }
    // end::fd-number[]
}
