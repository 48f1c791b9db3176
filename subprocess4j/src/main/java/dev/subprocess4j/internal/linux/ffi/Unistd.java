package dev.subprocess4j.internal.linux.ffi;

import static dev.subprocess4j.internal.linux.ffi.Libc.INT;

import dev.subprocess4j.internal.Errno;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** {@code <unistd.h>} and {@code <fcntl.h>}: pipes, reads, writes, closes, flags. */
public final class Unistd {
    private Unistd() {}

    /** {@code O_CLOEXEC}. */ public static final int O_CLOEXEC = 02000000;
    /** {@code O_NONBLOCK}. */ public static final int O_NONBLOCK = 04000;
    /** {@code O_RDONLY}. */ public static final int O_RDONLY = 0;
    /** {@code O_WRONLY}. */ public static final int O_WRONLY = 1;
    /** {@code O_CREAT}. */ public static final int O_CREAT = 0100;
    /** {@code O_TRUNC}. */ public static final int O_TRUNC = 01000;
    /** {@code O_APPEND}. */ public static final int O_APPEND = 02000;
    private static final int F_SETFL = 4;
    private static final int F_DUPFD_CLOEXEC = 1030;
    private static final int F_GETFD = 1;
    private static final int F_GETFL = 3;
    private static final int F_GETPIPE_SZ = 1032;
    private static final int AT_FDCWD = -100;

    // Every call is a raw system call through Libc.syscall (one downcall stub for all).

    private static long fcntl(MemorySegment state, int fd, int cmd, int arg) {
        return Libc.syscall(state, Libc.Nr.FCNTL, fd, cmd, arg);
    }

    /**
     * {@code pipe2(fds, O_CLOEXEC)}.
     *
     * @return {@code {readEnd, writeEnd}}
     */
    public static int[] pipe2(int flags) {
        try (Scratch arena = Scratch.open()) {
            MemorySegment fds = arena.allocate(INT, 2);
            MemorySegment state = Libc.errnoState();
            long rc = Libc.syscall(state, Libc.Nr.PIPE2, fds.address(), flags, 0);
            if (rc != 0) {
                throw new ErrnoException("pipe2", Libc.errno(state));
            }
            return Mem.getInts(fds, 0, 2);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    /**
     * A pipe whose two ends are numbered {@code minFd} or above (close-on-exec): when the JVM runs
     * with some of fds 0-2 closed, a plain pipe could take their numbers, and the child's own
     * redirects onto 0-2 would then overwrite it.
     */
    public static int[] pipe2Above(int minFd, int flags) {
        int[] p = pipe2(flags);
        try {
            for (int i = 0; i < 2; i++) {
                if (p[i] < minFd) {
                    MemorySegment state = Libc.errnoState();
                    int moved = (int) fcntl(state, p[i], F_DUPFD_CLOEXEC, minFd);
                    if (moved < 0) {
                        throw new ErrnoException("fcntl(F_DUPFD_CLOEXEC)", Libc.errno(state));
                    }
                    closeQuietly(p[i]);
                    p[i] = moved;
                }
            }
            return p;
        } catch (Throwable t) {
            closeQuietly(p[0]);
            closeQuietly(p[1]);
            throw Libc.rethrow(t);
        }
    }

    /** {@code open(path, flags)} of an existing file (no mode), as {@code openat(AT_FDCWD, ...)}. */
    public static int open(String path, int flags) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Libc.errnoState();
            int fd = (int) Libc.syscall(state, Libc.Nr.OPENAT, AT_FDCWD, Mem.cString(arena, path).address(), flags);
            if (fd < 0) {
                throw new ErrnoException("open(" + path + ")", Libc.errno(state));
            }
            return fd;
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    /**
     * {@code openat(AT_FDCWD, path, flags, mode)}: the fd, or the negated errno (a failure the
     * caller reports itself, without an exception on the way).
     */
    public static int tryOpen(String path, int flags, int mode) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Libc.errnoState();
            int fd = (int) Libc.syscall(state, Libc.Nr.OPENAT, AT_FDCWD, Mem.cString(arena, path).address(), flags, mode,
                    0, 0);
            return fd >= 0 ? fd : -Libc.errno(state);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    /** Clears {@code O_NONBLOCK} of an open file, keeping its other status flags ({@code O_APPEND}). */
    public static void clearNonBlocking(int fd) {
        try {
            MemorySegment state = Libc.errnoState();
            long flags = fcntl(state, fd, F_GETFL, 0);
            if (flags < 0 || fcntl(state, fd, F_SETFL, (int) flags & ~O_NONBLOCK) < 0) {
                throw new ErrnoException("fcntl(F_SETFL)", Libc.errno(state));
            }
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    /** Whether {@code fd} is a pipe or FIFO ({@code F_GETPIPE_SZ} works on those only). */
    public static boolean isPipe(int fd) {
        try {
            return fcntl(Libc.errnoState(), fd, F_GETPIPE_SZ, 0) >= 0;
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    /** {@code fcntl(fd, F_DUPFD_CLOEXEC, minFd)}: a close-on-exec copy at the lowest free number {@code >= minFd}. */
    public static int dupCloexecAbove(int fd, int minFd) {
        try {
            MemorySegment state = Libc.errnoState();
            int copy = (int) fcntl(state, fd, F_DUPFD_CLOEXEC, minFd);
            if (copy < 0) {
                throw new ErrnoException("fcntl(F_DUPFD_CLOEXEC)", Libc.errno(state));
            }
            return copy;
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    /** {@code close(fd)}; EINTR is not retried (Linux closes the fd anyway). */
    public static void close(int fd) {
        try {
            MemorySegment state = Libc.errnoState();
            long rc = Libc.syscall(state, Libc.Nr.CLOSE, fd, 0, 0);
            if (rc != 0 && Libc.errno(state) != Errno.EINTR) {
                throw new ErrnoException("close(" + fd + ")", Libc.errno(state));
            }
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    /** Closes, ignoring errors: for clean-up paths. */
    public static void closeQuietly(int fd) {
        if (fd < 0) {
            return;
        }
        try {
            close(fd);
        } catch (ErrnoException e) {
            // already closed or EIO: nothing useful to do on a clean-up path
        }
    }

    /**
     * {@code read(fd, buf, len)} on a non-blocking fd.
     *
     * @return bytes read, 0 at end of file, -1 when nothing is available now (EAGAIN)
     */
    public static long read(int fd, MemorySegment buffer, long length) {
        try {
            MemorySegment state = Libc.errnoState();
            while (true) {
                long n = Libc.syscall(state, Libc.Nr.READ, fd, buffer.address(), Math.min(length, buffer.byteSize()));
                if (n >= 0) {
                    return n;
                }
                int e = Libc.errno(state);
                if (e == Errno.EAGAIN) {
                    return -1;
                }
                if (e != Errno.EINTR) {
                    throw new ErrnoException("read(" + fd + ")", e);
                }
            }
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    /**
     * {@code write(fd, buf, len)} on a non-blocking fd.
     *
     * @return bytes written, or -1 when the pipe is full (EAGAIN)
     * @throws ErrnoException EPIPE when the reader closed its end
     */
    public static long write(int fd, MemorySegment buffer, long length) {
        try {
            MemorySegment state = Libc.errnoState();
            while (true) {
                long n = Libc.syscall(state, Libc.Nr.WRITE, fd, buffer.address(), Math.min(length, buffer.byteSize()));
                if (n >= 0) {
                    return n;
                }
                int e = Libc.errno(state);
                if (e == Errno.EAGAIN) {
                    return -1;
                }
                if (e != Errno.EINTR) {
                    throw new ErrnoException("write(" + fd + ")", e);
                }
            }
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    /**
     * Sets {@code O_NONBLOCK} on a pipe end we just made: its only other status flags are the
     * access mode, which {@code F_SETFL} ignores, so no {@code F_GETFL} is needed.
     */
    public static void setNonBlocking(int fd) {
        try {
            MemorySegment state = Libc.errnoState();
            if (fcntl(state, fd, F_SETFL, O_NONBLOCK) < 0) {
                throw new ErrnoException("fcntl(F_SETFL)", Libc.errno(state));
            }
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    /** Whether {@code fd} is open in this process. */
    public static boolean isOpen(int fd) {
        try {
            MemorySegment state = Libc.errnoState();
            return fcntl(state, fd, F_GETFD, 0) >= 0;
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    /**
     * {@code getrusage(RUSAGE_SELF).ru_maxrss} in bytes: the JVM's peak resident set size so far
     * (the larger of its own address space's high-water mark and what the kernel folded in at its
     * exec and at its threads' exits), or -1 if the call failed.
     */
    public static long selfMaxRssBytes() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment usage = arena.allocate(Rusage.SIZE, 8);
            long rc = Libc.syscall(Libc.errnoState(), Libc.Nr.GETRUSAGE, 0 /* RUSAGE_SELF */, usage.address(), 0);
            return rc == 0 ? Rusage.maxRssBytes(usage) : -1;
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    /** {@code geteuid()}: the effective uid of the JVM (cannot fail). */
    public static long geteuid() {
        return Integer.toUnsignedLong((int) Libc.syscall(Libc.errnoState(), Libc.Nr.GETEUID, 0, 0, 0));
    }

    /**
     * {@code getpid()}: the JVM's pid, asked once (a JVM never forks without an exec); what
     * {@code ProcessHandle.current().pid()} says, without starting the JDK's process-handle
     * machinery at a JVM's first spawn.
     */
    public static long getpid() {
        return Pid.PID;
    }

    private static final class Pid {
        static final long PID = Libc.syscall(Libc.errnoState(), Libc.Nr.GETPID, 0, 0, 0);
    }
}
