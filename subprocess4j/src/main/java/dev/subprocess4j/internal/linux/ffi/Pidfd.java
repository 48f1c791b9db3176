package dev.subprocess4j.internal.linux.ffi;

import java.lang.foreign.MemorySegment;

/**
 * Process file descriptors through {@code syscall(2)} (glibc 2.36 has wrappers, older ones do
 * not): {@code pidfd_open} (Linux 5.3), {@code pidfd_send_signal} (5.1), and the raw
 * {@code waitid} whose fifth argument returns the child's rusage ({@code P_PIDFD}: Linux 5.4).
 */
public final class Pidfd {
    private Pidfd() {}

    /** {@code P_PIDFD}. */ public static final int P_PIDFD = 3;
    /** {@code WEXITED}. */ public static final int WEXITED = 4;
    /** {@code WNOHANG}. */ public static final int WNOHANG = 1;
    /** {@code WNOWAIT}: leave the child waitable. */ public static final int WNOWAIT = 0x01000000;
    /** {@code CLD_EXITED}. */ public static final int CLD_EXITED = 1;
    /** Size of {@code siginfo_t}. */ public static final long SIGINFO_SIZE = 128;
    /** Size of {@code struct rusage} ({@link Rusage} decodes it). */ public static final long RUSAGE_SIZE = Rusage.SIZE;

    /** {@code pidfd_open(pid, 0)}: the fd is close-on-exec. */
    public static int open(long pid) {
        try {
            MemorySegment state = Libc.errnoState();
            long fd = Libc.syscall(state, Libc.Nr.PIDFD_OPEN, pid, 0, 0);
            if (fd < 0) {
                throw new ErrnoException("pidfd_open(" + pid + ")", Libc.errno(state));
            }
            return (int) fd;
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    /**
     * {@code pidfd_send_signal(pidfd, sig, NULL, 0)}.
     *
     * @return 0, or the errno (ESRCH once the child has exited)
     */
    public static int sendSignal(int pidfd, int signal) {
        return sendSignal(pidfd, signal, 0);
    }

    /** {@code PIDFD_SIGNAL_PROCESS_GROUP} (Linux 6.9): the signal goes to the process's group. */
    public static final int SIGNAL_PROCESS_GROUP = 1 << 2;

    /**
     * {@code pidfd_send_signal(pidfd, signal, NULL, flags)}.
     *
     * @return 0, or the errno (ESRCH once the process was reaped; EINVAL for a flag the kernel lacks)
     */
    public static int sendSignal(int pidfd, int signal, int flags) {
        try {
            MemorySegment state = Libc.errnoState();
            long rc = Libc.syscall(state, Libc.Nr.PIDFD_SEND_SIGNAL, pidfd, signal, 0, flags, 0, 0);
            return rc == 0 ? 0 : Libc.errno(state);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    /**
     * {@code waitid(P_PIDFD, pidfd, info, options, rusage)}, the raw system call.
     *
     * @return 0 (check {@code si_pid} in info: 0 means not exited yet with WNOHANG), or the errno
     */
    public static int waitid(int pidfd, MemorySegment info, int options, MemorySegment rusage) {
        try {
            MemorySegment state = Libc.errnoState();
            while (true) {
                if (info.byteSize() < SIGINFO_SIZE || (rusage.address() != 0 && rusage.byteSize() < RUSAGE_SIZE)) {
                    throw new IllegalArgumentException("siginfo or rusage buffer too small");
                }
                long rc = Libc.syscall(state, Libc.Nr.WAITID, P_PIDFD, pidfd, info.address(), options,
                        rusage.address(), 0);
                if (rc == 0) {
                    return 0;
                }
                int e = Libc.errno(state);
                if (e != dev.subprocess4j.internal.Errno.EINTR) {
                    return e;
                }
            }
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    /**
     * Whether the process of this pidfd is a child of this JVM that nobody has reaped yet (running,
     * or exited and waitable): {@code waitid(P_PIDFD, pidfd, WEXITED | WNOHANG | WNOWAIT)}, which
     * reaps nothing. False (ECHILD) for a child the kernel reaped itself (SIGCHLD ignored) and for
     * any process that is not our child, such as one that was given a reaped child's pid.
     */
    public static boolean isUnreapedChild(int pidfd, MemorySegment info) {
        return waitid(pidfd, info, WEXITED | WNOHANG | WNOWAIT, MemorySegment.NULL) == 0;
    }

    /** Field offsets in {@code siginfo_t} for SIGCHLD (Linux, 64-bit). */
    public static final long SI_CODE = 8;
    /** Offset of {@code si_pid}. */ public static final long SI_PID = 16;
    /** Offset of {@code si_status}. */ public static final long SI_STATUS = 24;

    /**
     * What {@link #waitid} reports of a child: its pid (0 when no child had changed state, with
     * {@link #WNOHANG}), {@code si_code} and {@code si_status}.
     */
    public record Exit(int pid, int siCode, int status) {
        /** Reads the three fields of a {@code siginfo_t} in one copy (not a view per field). */
        public static Exit of(MemorySegment info) {
            int[] head = Mem.getInts(info, 0, (int) (SI_STATUS / 4) + 1);
            return new Exit(head[(int) (SI_PID / 4)], head[(int) (SI_CODE / 4)], head[(int) (SI_STATUS / 4)]);
        }

        /** The exit code, or minus the signal number for a death by a signal (the library's returncode). */
        public int code() {
            return siCode == CLD_EXITED ? status : -status;
        }
    }
}
