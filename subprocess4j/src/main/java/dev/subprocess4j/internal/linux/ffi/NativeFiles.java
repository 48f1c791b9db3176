package dev.subprocess4j.internal.linux.ffi;

import dev.subprocess4j.internal.Errno;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The system calls that put the child-setup code into files only this JVM can reach: sealed
 * {@code memfd_create} files, else files in a directory of its own, always used through the open
 * fd ({@code dev.subprocess4j.internal.linux.ChildSetupFiles}). Each goes through
 * {@link Libc#plainSyscall}, usable before the child-setup library is loaded.
 */
public final class NativeFiles {
    private NativeFiles() {}

    /** {@code MFD_CLOEXEC}. */ public static final int MFD_CLOEXEC = 0x1;
    /** {@code MFD_ALLOW_SEALING}. */ public static final int MFD_ALLOW_SEALING = 0x2;
    /** {@code MFD_EXEC} (Linux 6.3): executable even when {@code vm.memfd_noexec} is 1. */
    public static final int MFD_EXEC = 0x10;
    /** {@code F_SEAL_SEAL}. */ public static final int F_SEAL_SEAL = 0x1;
    /** {@code F_SEAL_SHRINK}. */ public static final int F_SEAL_SHRINK = 0x2;
    /** {@code F_SEAL_GROW}. */ public static final int F_SEAL_GROW = 0x4;
    /** {@code F_SEAL_WRITE}. */ public static final int F_SEAL_WRITE = 0x8;
    /** Every seal the library sets: the content and size can never change again, nor the seals. */
    public static final int ALL_SEALS = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;
    private static final int F_ADD_SEALS = 1033;
    private static final int F_GET_SEALS = 1034;
    /** {@code O_DIRECTORY}. */ public static final int O_DIRECTORY = 0200000;
    /** {@code O_NOFOLLOW}. */ public static final int O_NOFOLLOW = 0400000;
    /** {@code O_EXCL}. */ public static final int O_EXCL = 0200;
    private static final int AT_FDCWD = -100;
    private static final int AT_REMOVEDIR = 0x200;
    private static final int AT_EMPTY_PATH = 0x1000;
    private static final int STATX_BASIC_STATS = 0x7ff;

    /** What {@code statx} says of an open file: its type and permission bits, owner and size. */
    public record Stat(int mode, long uid, long size) {
        /** Whether it is a regular file. */
        public boolean regular() {
            return (mode & 0170000) == 0100000;
        }

        /** Whether it is a directory. */
        public boolean directory() {
            return (mode & 0170000) == 0040000;
        }
    }

    private static long call(String what, long nr, long a1, long a2, long a3, long a4, long a5) {
        MemorySegment state = Libc.errnoState();
        while (true) {
            long rc = Libc.plainSyscall(state, nr, a1, a2, a3, a4, a5);
            if (rc >= 0) {
                return rc;
            }
            int e = Libc.errno(state);
            if (e != Errno.EINTR) {
                throw new ErrnoException(what, e);
            }
        }
    }

    /**
     * {@code memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC)}; without
     * {@code MFD_EXEC} on a kernel that does not know it (EINVAL, before 6.3).
     */
    public static int memfdCreate(String name) {
        try (Arena arena = Arena.ofConfined()) {
            long n = Mem.cString(arena, name).address();
            try {
                return (int) call("memfd_create", Libc.Nr.MEMFD_CREATE, n, MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC, 0, 0, 0);
            } catch (ErrnoException e) {
                if (e.errno() != Errno.EINVAL) {
                    throw e;
                }
                return (int) call("memfd_create", Libc.Nr.MEMFD_CREATE, n, MFD_CLOEXEC | MFD_ALLOW_SEALING, 0, 0, 0);
            }
        }
    }

    /** {@code fcntl(fd, F_ADD_SEALS, seals)}. */
    public static void addSeals(int fd, int seals) {
        call("fcntl(F_ADD_SEALS)", Libc.Nr.FCNTL, fd, F_ADD_SEALS, seals, 0, 0);
    }

    /** {@code fcntl(fd, F_GET_SEALS)}: the seals of a memfd; EINVAL for a file that cannot have any. */
    public static int seals(int fd) {
        return (int) call("fcntl(F_GET_SEALS)", Libc.Nr.FCNTL, fd, F_GET_SEALS, 0, 0, 0);
    }

    /** Writes all of {@code bytes} to {@code fd} at its current offset. */
    public static void writeFully(int fd, byte[] bytes) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(Math.max(1, bytes.length));
            MemorySegment.copy(bytes, 0, buffer, ValueLayout.JAVA_BYTE, 0, bytes.length);
            long done = 0;
            while (done < bytes.length) {
                done += call("write", Libc.Nr.WRITE, fd, buffer.address() + done, bytes.length - done, 0, 0);
            }
        }
    }

    /**
     * Whether the file {@code fd} holds exactly {@code bytes}: read back through that fd
     * ({@code pread}, from offset 0), so what is checked is the very file the fd names.
     */
    public static boolean holds(int fd, byte[] bytes) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(bytes.length + 1L); // one more: a longer file differs
            long done = 0;
            while (done < buffer.byteSize()) {
                long n = call("pread", Libc.Nr.PREAD64, fd, buffer.address() + done, buffer.byteSize() - done, done, 0);
                if (n == 0) {
                    break;
                }
                done += n;
            }
            return done == bytes.length
                    && MemorySegment.ofArray(bytes).mismatch(buffer.asSlice(0, bytes.length)) == -1;
        }
    }

    /** {@code statx(fd, "", AT_EMPTY_PATH, ...)}: the file {@code fd} names. */
    public static Stat stat(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(256, 8);
            MemorySegment empty = Mem.cString(arena, "");
            call("statx", Libc.Nr.STATX, fd, empty.address(), AT_EMPTY_PATH, STATX_BASIC_STATS, buf.address());
            // struct statx: stx_uid at 20 (u32), stx_mode at 28 (u16), stx_size at 40 (u64)
            return new Stat(Short.toUnsignedInt(Mem.getShort(buf, 28)), Integer.toUnsignedLong(Mem.getInt(buf, 20)),
                    Mem.getLong(buf, 40));
        }
    }

    /** {@code mkdirat(AT_FDCWD, path, mode)}. */
    public static void mkdir(String path, int mode) {
        try (Arena arena = Arena.ofConfined()) {
            call("mkdir(" + path + ")", Libc.Nr.MKDIRAT, AT_FDCWD, Mem.cString(arena, path).address(), mode, 0, 0);
        }
    }

    /** {@code openat(dirFd, name, flags, mode)}; {@code dirFd} -1 means the current directory (AT_FDCWD). */
    public static int openAt(int dirFd, String name, int flags, int mode) {
        try (Arena arena = Arena.ofConfined()) {
            return (int) call("open(" + name + ")", Libc.Nr.OPENAT, dirFd < 0 ? AT_FDCWD : dirFd,
                    Mem.cString(arena, name).address(), flags, mode, 0);
        }
    }

    /** {@code fchmod(fd, mode)}. */
    public static void fchmod(int fd, int mode) {
        call("fchmod", Libc.Nr.FCHMOD, fd, mode, 0, 0, 0);
    }

    /** {@code unlinkat(dirFd, name, 0)}: removes the entry {@code name} of the directory {@code dirFd}. */
    public static void unlinkAt(int dirFd, String name) {
        try (Arena arena = Arena.ofConfined()) {
            call("unlink(" + name + ")", Libc.Nr.UNLINKAT, dirFd, Mem.cString(arena, name).address(), 0, 0, 0);
        }
    }

    /** {@code unlinkat(AT_FDCWD, path, AT_REMOVEDIR)}: removes an empty directory. */
    public static void rmdir(String path) {
        try (Arena arena = Arena.ofConfined()) {
            call("rmdir(" + path + ")", Libc.Nr.UNLINKAT, AT_FDCWD, Mem.cString(arena, path).address(), AT_REMOVEDIR, 0, 0);
        }
    }

    /** {@code close(fd)}, errors ignored: for clean-up paths, before or after the library is loaded. */
    public static void closeQuietly(int fd) {
        if (fd >= 0) {
            Libc.plainSyscall(Libc.errnoState(), Libc.Nr.CLOSE, fd, 0, 0, 0, 0);
        }
    }
}
