package dev.subprocess4j.internal.linux;

import dev.subprocess4j.internal.Log;
import dev.subprocess4j.internal.lifecycle.DrainGrace;
import dev.subprocess4j.internal.linux.ffi.Libc;
import java.lang.System.Logger.Level;

/**
 * The JVM's ends of a {@link LinuxChild}'s pipes (each null when that stream is not a pipe) and
 * what made the library give up on them. Read and changed under the child's lock.
 */
final class ChildPipes {
    final PipeChannel stdin;
    final PipeChannel stdout;
    final PipeChannel stderr;
    /** What made the reactor give up on the child's pipes ({@code LinuxChild.ioFailed}); null while nothing did. */
    Throwable ioFailure;

    ChildPipes(PipeChannel stdin, PipeChannel stdout, PipeChannel stderr) {
        this.stdin = stdin;
        this.stdout = stdout;
        this.stderr = stderr;
    }

    /** The three channels, absent ones as null. */
    PipeChannel[] all() {
        return new PipeChannel[] {stdin, stdout, stderr};
    }

    /** Whether every pipe end of the JVM is closed (lock held). */
    boolean allClosed() {
        return PipeChannel.isClosed(stdin) && PipeChannel.isClosed(stdout) && PipeChannel.isClosed(stderr);
    }

    /** Closes every open end (lock held); {@code atEnd} marks them as a clean end of data. */
    void closeAll(boolean atEnd) {
        // Each one closed whatever the others' closes throw (no array: this runs under OutOfMemoryError too)
        Throwable failed = close(stdin, atEnd, null);
        failed = close(stdout, atEnd, failed);
        failed = close(stderr, atEnd, failed);
        if (failed != null) {
            throw Libc.rethrow(failed);
        }
    }

    /** Closes {@code ch} if open; returns {@code failed}, or what the close threw (its fd is closed all the same). */
    private static Throwable close(PipeChannel ch, boolean atEnd, Throwable failed) {
        if (ch == null || ch.closed) {
            return failed;
        }
        try {
            ch.close(atEnd);
            return failed;
        } catch (RuntimeException | Error e) {
            if (failed == null) {
                return e;
            }
            failed.addSuppressed(e);
            return failed;
        }
    }

    /** Closes, as at their end, what grandchildren still hold after the drain grace (lock held). */
    void closeHeldAfterGrace(long pid) {
        for (PipeChannel ch : all()) {
            if (ch != null && !ch.closed) {
                Log.get().log(Level.DEBUG, "pid {0,number,#}: {1} still open {2} after the timeout kill (a grandchild holds it); closing",
                        pid, ch.name, DrainGrace.DURATION);
                ch.close(true);
            }
        }
    }
}
