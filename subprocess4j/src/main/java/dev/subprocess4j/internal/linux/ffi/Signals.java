package dev.subprocess4j.internal.linux.ffi;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * {@code <signal.h>}: {@code kill} for process groups only. A child itself is signalled through its
 * pidfd, never by its pid (which may be another process's once the child was reaped).
 */
public final class Signals {
    private Signals() {}

    // Raw system calls through Libc.syscall (one downcall stub for the whole package).

    /**
     * {@code rt_sigaction(SIGCHLD, SIG_IGN)}: only to undo the JDK's reset of a SIGCHLD this JVM
     * ignored ({@code internal.JdkEnvironment}); the library sets no disposition of its own.
     */
    public static void ignoreSigchld() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Libc.errnoState();
            MemorySegment act = arena.allocate(32, 8); // the kernel's struct sigaction: handler, flags, restorer, mask
            act.set(ValueLayout.JAVA_LONG, 0, 1); // SIG_IGN
            if (Libc.syscall(state, Libc.Nr.RT_SIGACTION, 17, act.address(), 0, 8, 0, 0) != 0) {
                throw new ErrnoException("rt_sigaction(SIGCHLD, SIG_IGN)", Libc.errno(state));
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
