package dev.subprocess4j.internal.linux.ffi;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Pseudo-terminals: the master as {@code posix_openpt} opens it, its slave through the master
 * ({@code TIOCGPTPEER}, Linux 4.13: never by its {@code /dev/pts/N} name, which another process
 * could swap between the lookup and the open), and the window size. The ioctl numbers are the
 * generic ones, the same on x86_64 and aarch64.
 */
public final class Pty {
    private Pty() {}

    private static final int O_RDWR = 02;
    private static final int O_NOCTTY = 0400;
    private static final int AT_FDCWD = -100;
    private static final long TIOCSPTLCK = 0x40045431L;
    private static final long TIOCGPTPEER = 0x5441;
    private static final long TIOCGPTN = 0x80045430L;
    private static final long TIOCSWINSZ = 0x5414;
    private static final long TIOCGWINSZ = 0x5413;

    /**
     * A new master: {@code /dev/ptmx} opened {@code O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK},
     * unlocked ({@code grantpt} has nothing to do with devpts).
     *
     * @throws ErrnoException when it cannot be opened (ENOENT without devpts, EMFILE...)
     */
    public static int openMaster() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Libc.errnoState();
            int fd = (int) Libc.syscall(state, Libc.Nr.OPENAT, AT_FDCWD, Mem.cString(arena, "/dev/ptmx").address(),
                    O_RDWR | O_NOCTTY | Unistd.O_CLOEXEC | Unistd.O_NONBLOCK, 0, 0, 0);
            if (fd < 0) {
                throw new ErrnoException("open(/dev/ptmx)", Libc.errno(state));
            }
            MemorySegment zero = arena.allocate(4, 4); // zeroed: unlock
            if (Libc.syscall(state, Libc.Nr.IOCTL, fd, TIOCSPTLCK, zero.address()) < 0) {
                int e = Libc.errno(state);
                Unistd.closeQuietly(fd);
                throw new ErrnoException("ioctl(TIOCSPTLCK)", e);
            }
            return fd;
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    /**
     * The slave of {@code master}, opened through it: {@code O_RDWR | O_NOCTTY | O_CLOEXEC},
     * blocking (the child's end).
     *
     * @throws ErrnoException when it cannot be opened
     */
    public static int openSlave(int master) {
        try {
            MemorySegment state = Libc.errnoState();
            int fd = (int) Libc.syscall(state, Libc.Nr.IOCTL, master, TIOCGPTPEER, O_RDWR | O_NOCTTY | Unistd.O_CLOEXEC);
            if (fd < 0) {
                throw new ErrnoException("ioctl(TIOCGPTPEER)", Libc.errno(state));
            }
            return fd;
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    /** The number N of the slave {@code /dev/pts/N} of {@code master}. */
    public static int number(int master) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Libc.errnoState();
            MemorySegment n = arena.allocate(4, 4);
            if (Libc.syscall(state, Libc.Nr.IOCTL, master, TIOCGPTN, n.address()) < 0) {
                throw new ErrnoException("ioctl(TIOCGPTN)", Libc.errno(state));
            }
            return Mem.getInt(n, 0);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    /**
     * {@code TIOCSWINSZ}: the window size of the terminal {@code fd} (master or slave); the kernel
     * sends SIGWINCH to the terminal's foreground process group when it changes.
     *
     * @throws ErrnoException when the ioctl fails
     */
    public static void setWindowSize(int fd, int columns, int rows) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Libc.errnoState();
            MemorySegment ws = arena.allocate(8, 2); // struct winsize: rows, cols, xpixel, ypixel
            ws.set(Libc.SHORT, 0, (short) rows);
            ws.set(Libc.SHORT, 2, (short) columns);
            if (Libc.syscall(state, Libc.Nr.IOCTL, fd, TIOCSWINSZ, ws.address()) < 0) {
                throw new ErrnoException("ioctl(TIOCSWINSZ)", Libc.errno(state));
            }
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    /** {@code TIOCGWINSZ}: {columns, rows} of the terminal {@code fd}. */
    public static int[] windowSize(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Libc.errnoState();
            MemorySegment ws = arena.allocate(8, 2);
            if (Libc.syscall(state, Libc.Nr.IOCTL, fd, TIOCGWINSZ, ws.address()) < 0) {
                throw new ErrnoException("ioctl(TIOCGWINSZ)", Libc.errno(state));
            }
            return new int[] {Short.toUnsignedInt(ws.get(Libc.SHORT, 2)), Short.toUnsignedInt(ws.get(Libc.SHORT, 0))};
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    /**
     * {@code fchown(fd, uid, -1)}: the slave made the user's, as login programs do (its group,
     * devpts' {@code tty} group, and mode stay).
     *
     * @throws ErrnoException when it fails (EPERM without CAP_CHOWN)
     */
    public static void chown(int fd, long uid) {
        try {
            MemorySegment state = Libc.errnoState();
            if (Libc.syscall(state, Libc.Nr.FCHOWN, fd, uid, -1L & 0xffffffffL) < 0) {
                throw new ErrnoException("fchown", Libc.errno(state));
            }
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }
}
