package dev.subprocess4j.internal.linux.ffi;

import dev.subprocess4j.internal.Errno;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** {@code <sys/epoll.h>}, {@code <sys/eventfd.h>} and {@code <poll.h>}. */
public final class Epoll {
    private Epoll() {}

    /** {@code EPOLLIN}. */ public static final int EPOLLIN = 0x001;
    /** {@code EPOLLOUT}. */ public static final int EPOLLOUT = 0x004;
    /** {@code EPOLLERR}. */ public static final int EPOLLERR = 0x008;
    /** {@code EPOLLHUP}. */ public static final int EPOLLHUP = 0x010;
    /** {@code EPOLLONESHOT}. */ public static final int EPOLLONESHOT = 1 << 30;
    private static final int EPOLL_CTL_ADD = 1;
    private static final int EPOLL_CTL_DEL = 2;
    private static final int EPOLL_CTL_MOD = 3;
    private static final int EPOLL_CLOEXEC = 02000000;
    private static final int EFD_CLOEXEC = 02000000;
    private static final int EFD_NONBLOCK = 04000;
    /** {@code POLLIN}. */ public static final short POLLIN = 0x001;

    /** {@code struct epoll_event} is packed (12 bytes) on x86_64 and 16 bytes on aarch64. */
    public static final long EVENT_SIZE = Libc.X86_64 ? 12 : 16;
    private static final long DATA_OFFSET = Libc.X86_64 ? 4 : 8;

    // Raw system calls through Libc.syscall (one downcall stub for the whole package).

    /** {@code epoll_create1(EPOLL_CLOEXEC)}. */
    public static int create() {
        try {
            MemorySegment state = Libc.errnoState();
            int fd = (int) Libc.syscall(state, Libc.Nr.EPOLL_CREATE1, EPOLL_CLOEXEC, 0, 0);
            if (fd < 0) {
                throw new ErrnoException("epoll_create1", Libc.errno(state));
            }
            return fd;
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    /** {@code eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)}. */
    public static int eventfd() {
        try {
            MemorySegment state = Libc.errnoState();
            int fd = (int) Libc.syscall(state, Libc.Nr.EVENTFD2, 0, EFD_CLOEXEC | EFD_NONBLOCK, 0);
            if (fd < 0) {
                throw new ErrnoException("eventfd", Libc.errno(state));
            }
            return fd;
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    /** Adds an fd with an opaque 64-bit token. */
    public static void add(int epfd, int fd, int events, long token) {
        ctl(epfd, EPOLL_CTL_ADD, fd, events, token, "epoll_ctl(ADD)");
    }

    /** Re-arms or changes the events of an fd. */
    public static void modify(int epfd, int fd, int events, long token) {
        ctl(epfd, EPOLL_CTL_MOD, fd, events, token, "epoll_ctl(MOD)");
    }

    /** Removes an fd; ENOENT/EBADF are ignored (already gone). */
    public static void delete(int epfd, int fd) {
        try {
            ctl(epfd, EPOLL_CTL_DEL, fd, 0, 0, "epoll_ctl(DEL)");
        } catch (ErrnoException e) {
            if (e.errno() != Errno.ENOENT && e.errno() != Errno.EBADF) {
                throw e;
            }
        }
    }

    private static void ctl(int epfd, int op, int fd, int events, long token, String call) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ev = arena.allocate(16, 8);
            Mem.putInt(ev, 0, events);
            Mem.putLong(ev, DATA_OFFSET, token); // unaligned on x86_64: the struct is packed
            MemorySegment state = Libc.errnoState();
            long rc = Libc.syscall(state, Libc.Nr.EPOLL_CTL, epfd, op, fd, ev.address(), 0, 0);
            if (rc != 0) {
                throw new ErrnoException(call + " fd " + fd, Libc.errno(state));
            }
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    /**
     * {@code epoll_wait}, as {@code epoll_pwait} without a signal mask.
     *
     * @return the number of events in {@code events} (0 on timeout or EINTR)
     */
    public static int await(int epfd, MemorySegment events, int maxEvents, int timeoutMillis) {
        try {
            MemorySegment state = Libc.errnoState();
            if (events.byteSize() < maxEvents * EVENT_SIZE) {
                throw new IllegalArgumentException("room for " + events.byteSize() / EVENT_SIZE + " events, not " + maxEvents);
            }
            int n = (int) Libc.syscall(state, Libc.Nr.EPOLL_PWAIT, epfd, events.address(), maxEvents, timeoutMillis,
                    0, SIGSET_SIZE);
            if (n < 0) {
                int e = Libc.errno(state);
                if (e == Errno.EINTR) {
                    return 0;
                }
                throw new ErrnoException("epoll_wait", e);
            }
            return n;
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    /** The kernel's signal set size, which epoll_pwait and ppoll check even without a mask. */
    private static final long SIGSET_SIZE = 8;

    /** A {@code struct timespec} per thread for ppoll's timeout. */
    private static final ThreadLocal<MemorySegment> TIMESPEC =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(16, 8));

    /**
     * {@code poll(fds, count, timeoutMillis)} as the {@code ppoll} system call: a negative timeout
     * waits for ever (no timespec), as poll's does.
     */
    private static int ppoll(MemorySegment state, MemorySegment pollfds, int count, int timeoutMillis) {
        long timeout = 0;
        if (timeoutMillis >= 0) {
            MemorySegment ts = TIMESPEC.get();
            Mem.putLongs(ts, 0, new long[] {timeoutMillis / 1000, (timeoutMillis % 1000) * 1_000_000L});
            timeout = ts.address();
        }
        return (int) Libc.syscall(state, Libc.Nr.PPOLL, pollfds.address(), count, timeout, 0, SIGSET_SIZE, 0);
    }

    /** The events of the i-th entry of an epoll_wait result. */
    public static int eventsAt(MemorySegment events, int i) {
        return Mem.getInt(events, i * EVENT_SIZE);
    }

    /** The token of the i-th entry of an epoll_wait result. */
    public static long tokenAt(MemorySegment events, int i) {
        return Mem.getLong(events, i * EVENT_SIZE + DATA_OFFSET);
    }

    /** {@code POLLOUT}. */ public static final short POLLOUT = 0x004;
    /** {@code POLLERR}. */ public static final short POLLERR = 0x008;
    /** {@code POLLHUP}. */ public static final short POLLHUP = 0x010;
    /** {@code POLLNVAL}. */ public static final short POLLNVAL = 0x020;

    /**
     * A {@code struct pollfd} ({@code int fd; short events; short revents;}) as the 64-bit word it
     * is in memory on this package's platforms, both little-endian: one write fills it in.
     */
    static long pollfd(int fd, short events) {
        return (fd & 0xFFFF_FFFFL) | (events & 0xFFFFL) << 32;
    }

    /** The {@code revents} of the first {@code count} {@code struct pollfd} after {@link #pollAny}, in one copy. */
    public static short[] revents(MemorySegment pollfds, int count) {
        long[] words = Mem.getLongs(pollfds, 0, count);
        short[] revents = new short[count];
        for (int i = 0; i < count; i++) {
            revents[i] = (short) (words[i] >>> 48);
        }
        return revents;
    }

    /**
     * {@code poll} on several fds; the caller retries its non-blocking I/O afterwards and may read
     * each fd's {@code revents} with {@link #revents} (all 0 after a timeout or EINTR). EINTR
     * counts as a wake-up.
     *
     * @param pollfds room for {@code count} {@code struct pollfd} (8 bytes each)
     */
    public static void pollAny(MemorySegment pollfds, int[] fds, short[] events, int count, int timeoutMillis) {
        try {
            if (pollfds.byteSize() < count * 8L) {
                throw new IllegalArgumentException("room for " + pollfds.byteSize() / 8 + " pollfds, not " + count);
            }
            long[] words = new long[count];
            for (int i = 0; i < count; i++) {
                words[i] = pollfd(fds[i], events[i]);
            }
            Mem.putLongs(pollfds, 0, words); // one copy, not a view per field
            MemorySegment state = Libc.errnoState();
            int n = ppoll(state, pollfds, count, timeoutMillis);
            if (n < 0 && Libc.errno(state) != Errno.EINTR) {
                throw new ErrnoException("poll", Libc.errno(state));
            }
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    /**
     * {@code poll} on one fd for POLLIN.
     *
     * @param pollfd room for one {@code struct pollfd} (8 bytes)
     * @return true when the fd is readable (or hung up), false on timeout or EINTR
     */
    public static boolean pollIn(MemorySegment pollfd, int fd, int timeoutMillis) {
        try {
            Mem.putLongs(pollfd, 0, new long[] {pollfd(fd, POLLIN)}); // one copy, not a view per field
            MemorySegment state = Libc.errnoState();
            int n = ppoll(state, pollfd, 1, timeoutMillis);
            if (n < 0) {
                int e = Libc.errno(state);
                if (e == Errno.EINTR) {
                    return false;
                }
                throw new ErrnoException("poll", e);
            }
            return n > 0;
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }
}
