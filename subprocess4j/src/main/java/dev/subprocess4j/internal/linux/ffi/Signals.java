package dev.subprocess4j.internal.linux.ffi;

import static dev.subprocess4j.internal.linux.ffi.Libc.INT;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/** {@code <signal.h>}: {@code kill} for process groups (a child itself is signalled through its pidfd). */
public final class Signals {
    private Signals() {}

    // Each handle is made at its first call, in a holder class of its own (see Libc).
    private static final class Kill {
        static final MethodHandle KILL = Libc.withErrno("kill", FunctionDescriptor.of(INT, INT, INT));
    }
    private static final class Waitpid {
        static final MethodHandle WAITPID = Libc.withErrno("waitpid",
                FunctionDescriptor.of(INT, INT, java.lang.foreign.ValueLayout.ADDRESS, INT));
    }

    /**
     * SIGKILL to a child we could not take a pidfd of, then a blocking {@code waitpid} for it:
     * safe only for a child of ours that nobody has reaped (its pid cannot be reused before).
     */
    public static void killAndReap(int pid) {
        try {
            MemorySegment state = Libc.errnoState();
            int ignored = (int) Kill.KILL.invokeExact(state, pid, 9);
            while ((int) Waitpid.WAITPID.invokeExact(state, pid, MemorySegment.NULL, 0) < 0
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
            int rc = (int) Kill.KILL.invokeExact(state, -pgid, signal);
            return rc == 0 ? 0 : Libc.errno(state);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }
}
