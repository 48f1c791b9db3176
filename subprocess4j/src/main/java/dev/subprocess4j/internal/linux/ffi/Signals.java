package dev.subprocess4j.internal.linux.ffi;

import java.lang.foreign.MemorySegment;

/** {@code <signal.h>}: {@code kill} for process groups (a child itself is signalled through its pidfd). */
public final class Signals {
    private Signals() {}

    // Raw system calls through Libc.syscall (one downcall stub for the whole package).

    /**
     * SIGKILL to a child we could not take a pidfd of, then a blocking {@code waitpid} for it:
     * safe only for a child of ours that nobody has reaped (its pid cannot be reused before).
     */
    public static void killAndReap(int pid) {
        try {
            MemorySegment state = Libc.errnoState();
            Libc.syscall(state, Libc.Nr.KILL, pid, 9, 0);
            // waitpid(pid, NULL, 0) is wait4(pid, NULL, 0, NULL)
            while (Libc.syscall(state, Libc.Nr.WAIT4, pid, 0, 0) < 0
                    && Libc.errno(state) == dev.subprocess4j.internal.Errno.EINTR) {
                // retry
            }
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

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
