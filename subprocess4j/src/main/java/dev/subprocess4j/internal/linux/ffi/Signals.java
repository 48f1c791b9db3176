package dev.subprocess4j.internal.linux.ffi;

import java.lang.foreign.MemorySegment;

/**
 * {@code <signal.h>}: {@code kill} for process groups only. A child itself is signalled through its
 * pidfd, never by its pid (which may be another process's once the child was reaped).
 */
public final class Signals {
    private Signals() {}

    // Raw system calls through Libc.syscall (one downcall stub for the whole package).

    /**
     * {@code kill(-pgid, sig)}: signals every process of a group.
     *
     * @return 0 or the errno (ESRCH when the group is empty)
     */
    public static int killGroup(int pgid, int signal) {
        try {
            MemorySegment state = Libc.errnoState();
            long rc = Libc.syscall(state, Libc.Nr.KILL, -pgid, signal, 0);
            return rc == 0 ? 0 : Libc.errno(state);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }
}
