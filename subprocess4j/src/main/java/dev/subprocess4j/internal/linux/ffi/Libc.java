package dev.subprocess4j.internal.linux.ffi;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Optional;

/**
 * The shared plumbing of the bindings: the linker, symbol lookup in the C library, and
 * {@code errno} capture ({@link Linker.Option#captureCallState}). Only the header classes of
 * this package use it.
 *
 * <p>The header classes make each downcall handle at its first call, not when they are
 * initialised: each handle sits in a holder class of its own (or with the handles always called
 * together), a {@code static final} field the JIT still treats as a constant. Making a handle
 * costs a few milliseconds when its {@link FunctionDescriptor} (with its options) is new to the
 * JVM, because the JDK spins a stub class and several lambda forms for it; a handle whose
 * descriptor was seen before shares that stub and costs little. So every system call goes
 * through {@link #syscall}, and the child-setup library's entry has the same shape: a JVM's first
 * spawn makes one stub (it made 12 with a C wrapper per call, 19 with handles made at class
 * initialisation; figures in subprocess4j-cli/README.md). A required symbol that is missing is therefore reported at its
 * first call ({@link UnsatisfiedLinkError} naming it), not when the backend is probed; each one
 * is older than glibc 2.29, which the probe requires.
 */
public final class Libc {
    private Libc() {}

    static final Linker LINKER = Linker.nativeLinker();
    static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    /** Where errno sits in {@link #CAPTURE_LAYOUT}: summed over its members, not by a layout path
     * and var handle, whose first use costs a JVM ~9 ms (see {@link Mem}). */
    private static final long ERRNO_OFFSET = memberOffset(CAPTURE_LAYOUT, "errno");
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    /** Whether this JVM runs on x86_64 (else aarch64; other architectures are refused by the selector). */
    public static final boolean X86_64 = System.getProperty("os.arch").equals("amd64")
            || System.getProperty("os.arch").equals("x86_64");

    /** One capture-state buffer per thread; freed with the thread by the GC. */
    private static final ThreadLocal<MemorySegment> STATE =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CAPTURE_LAYOUT));

    static MemorySegment errnoState() {
        return STATE.get();
    }

    static int errno(MemorySegment state) {
        return Mem.getInt(state, ERRNO_OFFSET);
    }

    private static long memberOffset(StructLayout layout, String name) {
        long offset = 0;
        for (java.lang.foreign.MemoryLayout member : layout.memberLayouts()) {
            if (member.name().filter(name::equals).isPresent()) {
                return offset;
            }
            offset += member.byteSize();
        }
        throw new IllegalStateException("no " + name + " in " + layout);
    }

    /**
     * The Linux system call numbers this package calls through {@link #syscall}, for x86_64 and
     * aarch64 (whose generic table has no {@code poll}, {@code epoll_wait} or {@code eventfd}:
     * their {@code ppoll}, {@code epoll_pwait} and {@code eventfd2} forms serve on both).
     */
    static final class Nr {
        private Nr() {}

        static final long READ = X86_64 ? 0 : 63;
        static final long WRITE = X86_64 ? 1 : 64;
        static final long CLOSE = X86_64 ? 3 : 57;
        static final long OPENAT = X86_64 ? 257 : 56;
        static final long FCNTL = X86_64 ? 72 : 25;
        static final long PIPE2 = X86_64 ? 293 : 59;
        static final long KILL = X86_64 ? 62 : 129;
        static final long GETEUID = X86_64 ? 107 : 175;
        static final long GETPID = X86_64 ? 39 : 172;
        static final long GETRUSAGE = X86_64 ? 98 : 165;
        static final long WAIT4 = X86_64 ? 61 : 260;
        static final long WAITID = X86_64 ? 247 : 95;
        static final long PPOLL = X86_64 ? 271 : 73;
        static final long EPOLL_CREATE1 = X86_64 ? 291 : 20;
        static final long EPOLL_CTL = X86_64 ? 233 : 21;
        static final long EPOLL_PWAIT = X86_64 ? 281 : 22;
        static final long EVENTFD2 = X86_64 ? 290 : 19;
        static final long RT_SIGACTION = X86_64 ? 13 : 134;
        static final long PREAD64 = X86_64 ? 17 : 67;
        static final long FCHMOD = X86_64 ? 91 : 52;
        static final long MKDIRAT = X86_64 ? 258 : 34;
        static final long UNLINKAT = X86_64 ? 263 : 35;
        static final long MEMFD_CREATE = X86_64 ? 319 : 279;
        static final long STATX = X86_64 ? 332 : 291;
        static final long IOCTL = X86_64 ? 16 : 29;
        static final long FCHOWN = X86_64 ? 93 : 55;
        static final long PIDFD_SEND_SIGNAL = 424;
        static final long PIDFD_OPEN = 434;
    }

    /**
     * {@code syscall(2)} with every argument as a {@code long} (pointers as their address): one
     * descriptor, so one downcall stub, for every system call of this package that sets
     * {@code errno}. Calling the C library's wrapper of each ({@code read}, {@code close},
     * {@code epoll_ctl}...) made the JDK spin a stub and its lambda forms per signature, some
     * 5 ms each at a JVM's first spawn (subprocess4j-cli/README.md, "Start-up"); the kernel ignores
     * the arguments a call does not take.
     *
     * <p>Through {@code sp4j_syscall} of the child-setup library when that was loaded first (the
     * backend loads it before its first system call): the same call as a plain function of seven
     * {@code long}s, whose stub the JDK makes ~14 ms faster at a JVM's first spawn than one for the
     * variadic {@code syscall} of the C library, and which {@code sp4j_spawn} shares. Otherwise
     * (the library not shipped for this platform, not loadable, or the system property
     * {@code subprocess4j.libcSyscall=true}), through the C library's {@code syscall}.
     */
    private static final class Syscall {
        static final boolean OWN;
        static final MethodHandle SYSCALL;

        static {
            MemorySegment own = Boolean.getBoolean("subprocess4j.libcSyscall") ? null : ownSyscall;
            OWN = own != null;
            SYSCALL = OWN ? sevenLongs(own)
                    : LINKER.downcallHandle(symbol("syscall"), SEVEN_LONGS, CAPTURE_ERRNO, Linker.Option.firstVariadicArg(1));
        }
    }

    private static final FunctionDescriptor SEVEN_LONGS = FunctionDescriptor.of(ValueLayout.JAVA_LONG,
            ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
            ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG);

    /** {@code sp4j_syscall} of the child-setup library, offered when it is loaded. */
    private static volatile MemorySegment ownSyscall;

    /**
     * Offers {@code sp4j_syscall} of the just loaded child-setup library for {@link #syscall}: taken
     * when no system call was made before in this JVM, else left (the C library's serves).
     */
    static void offerSyscall(MemorySegment symbol) {
        ownSyscall = symbol;
    }

    /** Whether {@link #syscall} goes through the child-setup library's {@code sp4j_syscall}. */
    static boolean ownSyscall() {
        return Syscall.OWN;
    }

    /**
     * A handle for {@code symbol}, a C function {@code long f(long, long, long, long, long, long, long)},
     * with its errno captured: the shape of {@code sp4j_syscall}, so that {@code sp4j_spawn}
     * shares its downcall stub.
     */
    static MethodHandle sevenLongs(MemorySegment symbol) {
        return LINKER.downcallHandle(symbol, SEVEN_LONGS, CAPTURE_ERRNO);
    }

    /**
     * System call {@code nr} with up to six arguments; {@code state} receives its errno.
     *
     * @return what the call returned: -1 on failure, with the errno in {@code state}
     */
    static long syscall(MemorySegment state, long nr, long a1, long a2, long a3, long a4, long a5, long a6) {
        try {
            return (long) Syscall.SYSCALL.invokeExact(state, nr, a1, a2, a3, a4, a5, a6);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * The C library's {@code syscall(2)} called as a plain function of seven {@code long}s, for the
     * few calls that place the child-setup library in memory before it is loaded
     * ({@link NativeFiles}): {@link #syscall} must not be called before that load, or its choice
     * (above) would fall on the C library's variadic stub for the JVM's life. The plain shape is
     * that of {@code sp4j_syscall}, so this shares its downcall stub. Calling the variadic
     * {@code syscall} this way is sound on the two architectures supported: on Linux aarch64 a
     * variadic call passes these integer arguments in the same registers and stack slot as a plain
     * one, and on x86_64 the only difference, {@code %al} (the number of vector registers used), is
     * not read by glibc's {@code syscall}, which is written in assembly and moves the integer
     * registers only.
     */
    private static final class PlainSyscall {
        static final MethodHandle SYSCALL = sevenLongs(symbol("syscall"));
    }

    /** {@code syscall(2)} through {@link PlainSyscall}: -1 on failure, with the errno in {@code state}. */
    static long plainSyscall(MemorySegment state, long nr, long a1, long a2, long a3, long a4, long a5) {
        try {
            return (long) PlainSyscall.SYSCALL.invokeExact(state, nr, a1, a2, a3, a4, a5, 0L);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@link #syscall} with three arguments. */
    static long syscall(MemorySegment state, long nr, long a1, long a2, long a3) {
        return syscall(state, nr, a1, a2, a3, 0, 0, 0);
    }

    /** A handle for a required C function that reports errors by its return value only. */
    static MethodHandle plain(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(symbol(name), descriptor);
    }

    /** A handle for a C function that older C libraries lack. */
    static Optional<MethodHandle> optional(String name, FunctionDescriptor descriptor) {
        return find(name).map(s -> LINKER.downcallHandle(s, descriptor));
    }

    /** Whether the C library has {@code name}. */
    static boolean exists(String name) {
        return find(name).isPresent();
    }

    private static MemorySegment symbol(String name) {
        return find(name).orElseThrow(() -> new UnsatisfiedLinkError("C library symbol not found: " + name));
    }

    /**
     * A symbol of the C library: the linker's default lookup, else the loaded {@code libc.so.6}
     * itself. The JDK makes its default lookup once per JVM by loading a library of its own, which
     * needs a free fd; made when none was free (EMFILE), it finds nothing for the JVM's life. A
     * {@code dlopen} of the C library, which is loaded already, opens no file.
     */
    private static Optional<MemorySegment> find(String name) {
        Optional<MemorySegment> found = LINKER.defaultLookup().find(name);
        return found.isPresent() ? found : SymbolLookup.libraryLookup("libc.so.6", Arena.global()).find(name);
    }

    static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;
    static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT;
    static final java.lang.foreign.AddressLayout ADDRESS = ValueLayout.ADDRESS;

    /** Rethrows what a downcall threw (they declare Throwable), or a failure held back, as unchecked. */
    public static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new IllegalStateException(t);
    }
}
