package dev.subprocess4j.internal.linux.ffi;

import static dev.subprocess4j.internal.linux.ffi.Libc.ADDRESS;
import static dev.subprocess4j.internal.linux.ffi.Libc.INT;
import static dev.subprocess4j.internal.linux.ffi.Libc.SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.Optional;

/**
 * {@code <spawn.h>}: {@code posix_spawn} with its file actions and attributes. These calls return
 * an error number instead of setting errno.
 */
public final class Spawn {
    private Spawn() {}

    /** {@code POSIX_SPAWN_SETPGROUP}. */ public static final short SETPGROUP = 0x02;
    /** {@code POSIX_SPAWN_SETSIGDEF}. */ public static final short SETSIGDEF = 0x04;
    /** {@code POSIX_SPAWN_SETSIGMASK}. */ public static final short SETSIGMASK = 0x08;
    /** {@code POSIX_SPAWN_SETSID} (glibc 2.26). */ public static final short SETSID = 0x80;

    /** Generous sizes: glibc x86_64 uses 80 and 336 bytes; aarch64 the same or less. */
    private static final long FILE_ACTIONS_SIZE = 256;
    private static final long ATTR_SIZE = 1024;
    /** {@code sigset_t} is 1024 bits in glibc. */
    public static final long SIGSET_SIZE = 128;

    // Each handle, or each group of handles always called together, is made at its first call, in a
    // holder class of its own (see Libc).
    private static final class PosixSpawn {
        static final MethodHandle POSIX_SPAWN = Libc.plain("posix_spawn",
                FunctionDescriptor.of(INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    }
    private static final class FileActions {
        static final MethodHandle FILE_ACTIONS_INIT = Libc.plain("posix_spawn_file_actions_init",
                FunctionDescriptor.of(INT, ADDRESS));
        static final MethodHandle FILE_ACTIONS_DESTROY = Libc.plain("posix_spawn_file_actions_destroy",
                FunctionDescriptor.of(INT, ADDRESS));
    }
    private static final class AddDup2 {
        static final MethodHandle ADD_DUP2 = Libc.plain("posix_spawn_file_actions_adddup2",
                FunctionDescriptor.of(INT, ADDRESS, INT, INT));
    }
    private static final class AddOpen {
        static final MethodHandle ADD_OPEN = Libc.plain("posix_spawn_file_actions_addopen",
                FunctionDescriptor.of(INT, ADDRESS, INT, ADDRESS, INT, INT));
    }
    private static final class AddClose {
        static final MethodHandle ADD_CLOSE = Libc.plain("posix_spawn_file_actions_addclose",
                FunctionDescriptor.of(INT, ADDRESS, INT));
    }
    private static final class AddChdir {
        /** glibc 2.29. */
        static final Optional<MethodHandle> ADD_CHDIR = Libc.optional("posix_spawn_file_actions_addchdir_np",
                FunctionDescriptor.of(INT, ADDRESS, ADDRESS));
    }
    private static final class AddClosefrom {
        /** glibc 2.34. */
        static final Optional<MethodHandle> ADD_CLOSEFROM = Libc.optional("posix_spawn_file_actions_addclosefrom_np",
                FunctionDescriptor.of(INT, ADDRESS, INT));
    }
    /** What every {@link #attrInit} calls. */
    private static final class Attr {
        static final MethodHandle ATTR_INIT = Libc.plain("posix_spawnattr_init", FunctionDescriptor.of(INT, ADDRESS));
        static final MethodHandle ATTR_SETFLAGS = Libc.plain("posix_spawnattr_setflags",
                FunctionDescriptor.of(INT, ADDRESS, SHORT));
        static final MethodHandle SIGEMPTYSET = Libc.plain("sigemptyset", FunctionDescriptor.of(INT, ADDRESS));
        static final MethodHandle ATTR_SETSIGMASK = Libc.plain("posix_spawnattr_setsigmask",
                FunctionDescriptor.of(INT, ADDRESS, ADDRESS));
    }
    private static final class AttrSetpgroup {
        static final MethodHandle ATTR_SETPGROUP = Libc.plain("posix_spawnattr_setpgroup",
                FunctionDescriptor.of(INT, ADDRESS, INT));
    }
    /** What {@code SETSIGDEF} adds. */
    private static final class AttrSigdefault {
        static final MethodHandle SIGADDSET = Libc.plain("sigaddset", FunctionDescriptor.of(INT, ADDRESS, INT));
        static final MethodHandle ATTR_SETSIGDEFAULT = Libc.plain("posix_spawnattr_setsigdefault",
                FunctionDescriptor.of(INT, ADDRESS, ADDRESS));
    }
    private static final class AttrDestroy {
        static final MethodHandle ATTR_DESTROY = Libc.plain("posix_spawnattr_destroy",
                FunctionDescriptor.of(INT, ADDRESS));
    }

    /** Whether {@code posix_spawn_file_actions_addchdir_np} exists (glibc 2.29+). */
    public static boolean hasAddChdir() {
        // The symbol only: its handle is made at its first use (a new shape: a downcall stub, ~8 ms).
        return Libc.exists("posix_spawn_file_actions_addchdir_np");
    }

    /** Whether {@code posix_spawn_file_actions_addclosefrom_np} exists (glibc 2.34+). */
    public static boolean hasAddClosefrom() {
        return AddClosefrom.ADD_CLOSEFROM.isPresent();
    }

    private static void check(String call, int rc) {
        if (rc != 0) {
            throw new ErrnoException(call, rc);
        }
    }

    /** Allocates and initialises a {@code posix_spawn_file_actions_t}; destroy it with {@link #fileActionsDestroy}. */
    public static MemorySegment fileActionsInit(Arena arena) {
        MemorySegment fa = arena.allocate(FILE_ACTIONS_SIZE, 16);
        try {
            check("posix_spawn_file_actions_init", (int) FileActions.FILE_ACTIONS_INIT.invokeExact(fa));
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
        return fa;
    }

    /** {@code posix_spawn_file_actions_destroy}. */
    public static void fileActionsDestroy(MemorySegment fa) {
        try {
            int ignored = (int) FileActions.FILE_ACTIONS_DESTROY.invokeExact(fa);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    /** {@code posix_spawn_file_actions_adddup2}. */
    public static void addDup2(MemorySegment fa, int fd, int newFd) {
        try {
            check("posix_spawn_file_actions_adddup2", (int) AddDup2.ADD_DUP2.invokeExact(fa, fd, newFd));
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    /** {@code posix_spawn_file_actions_addopen}; glibc copies the path. */
    public static void addOpen(MemorySegment fa, int fd, MemorySegment path, int flags, int mode) {
        try {
            check("posix_spawn_file_actions_addopen", (int) AddOpen.ADD_OPEN.invokeExact(fa, fd, path, flags, mode));
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    /** {@code posix_spawn_file_actions_addclose}. */
    public static void addClose(MemorySegment fa, int fd) {
        try {
            check("posix_spawn_file_actions_addclose", (int) AddClose.ADD_CLOSE.invokeExact(fa, fd));
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    /** {@code posix_spawn_file_actions_addchdir_np} (glibc 2.29). */
    public static void addChdir(MemorySegment fa, MemorySegment path) {
        MethodHandle h = AddChdir.ADD_CHDIR.orElseThrow(() -> new UnsupportedOperationException(
                "posix_spawn_file_actions_addchdir_np is missing (glibc older than 2.29)"));
        try {
            check("posix_spawn_file_actions_addchdir_np", (int) h.invokeExact(fa, path));
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    /** {@code posix_spawn_file_actions_addclosefrom_np} (glibc 2.34). */
    public static void addClosefrom(MemorySegment fa, int from) {
        MethodHandle h = AddClosefrom.ADD_CLOSEFROM.orElseThrow();
        try {
            check("posix_spawn_file_actions_addclosefrom_np", (int) h.invokeExact(fa, from));
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    /**
     * Allocates and initialises a {@code posix_spawnattr_t}: the given flags, an empty signal mask,
     * and (with {@code SETSIGDEF}) default dispositions for {@code defaultSignals}.
     */
    public static MemorySegment attrInit(Arena arena, short flags, int pgroup, int[] defaultSignals) {
        MemorySegment attr = arena.allocate(ATTR_SIZE, 16);
        try {
            check("posix_spawnattr_init", (int) Attr.ATTR_INIT.invokeExact(attr));
            check("posix_spawnattr_setflags", (int) Attr.ATTR_SETFLAGS.invokeExact(attr, flags));
            if ((flags & SETPGROUP) != 0) {
                check("posix_spawnattr_setpgroup", (int) AttrSetpgroup.ATTR_SETPGROUP.invokeExact(attr, pgroup));
            }
            MemorySegment set = arena.allocate(SIGSET_SIZE, 8);
            check("sigemptyset", (int) Attr.SIGEMPTYSET.invokeExact(set));
            check("posix_spawnattr_setsigmask", (int) Attr.ATTR_SETSIGMASK.invokeExact(attr, set));
            if ((flags & SETSIGDEF) != 0) {
                MemorySegment defaults = arena.allocate(SIGSET_SIZE, 8);
                check("sigemptyset", (int) Attr.SIGEMPTYSET.invokeExact(defaults));
                for (int sig : defaultSignals) {
                    check("sigaddset", (int) AttrSigdefault.SIGADDSET.invokeExact(defaults, sig));
                }
                check("posix_spawnattr_setsigdefault",
                        (int) AttrSigdefault.ATTR_SETSIGDEFAULT.invokeExact(attr, defaults));
            }
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
        return attr;
    }

    private static final java.util.concurrent.ConcurrentHashMap<Short, MemorySegment> SHARED_ATTRS =
            new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * A {@code posix_spawnattr_t} for these flags (without SETPGROUP), built once and shared:
     * {@code posix_spawn} only reads it, and building one costs some thirty calls. Never destroy it.
     */
    public static MemorySegment sharedAttr(short flags, int[] defaultSignals) {
        if ((flags & SETPGROUP) != 0) {
            throw new IllegalArgumentException("a process group is per call: use attrInit");
        }
        return SHARED_ATTRS.computeIfAbsent(flags, f -> attrInit(Arena.global(), f, 0, defaultSignals));
    }

    /** {@code posix_spawnattr_destroy}. */
    public static void attrDestroy(MemorySegment attr) {
        try {
            int ignored = (int) AttrDestroy.ATTR_DESTROY.invokeExact(attr);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    /**
     * {@code posix_spawn}.
     *
     * @param pidOut an int segment that receives the pid
     * @return 0, or the error number (the exec's errno, or a file action's)
     */
    public static int posixSpawn(MemorySegment pidOut, MemorySegment path, MemorySegment fileActions,
                                 MemorySegment attr, MemorySegment argv, MemorySegment envp) {
        try {
            return (int) PosixSpawn.POSIX_SPAWN.invokeExact(pidOut, path, fileActions, attr, argv, envp);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }
}
