package dev.subprocess4j.internal.linux.ffi;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
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
 * descriptor was seen before shares that stub and costs little. {@code sp run -- true} makes 18
 * handles of 11 descriptors; made at class initialisation, it made 30 of 19 (figures in
 * subprocess4j-cli/README.md). A required symbol that is missing is therefore reported at its
 * first call ({@link UnsatisfiedLinkError} naming it), not when the backend is probed; each one
 * is older than glibc 2.29, which the probe requires.
 */
public final class Libc {
    private Libc() {}

    static final Linker LINKER = Linker.nativeLinker();
    static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE_LAYOUT.varHandle(
            java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));
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
        return (int) ERRNO.get(state, 0L);
    }

    /** A handle for a required C function; the first argument is the errno capture segment. */
    static MethodHandle withErrno(String name, FunctionDescriptor descriptor, Linker.Option... extra) {
        Linker.Option[] options = new Linker.Option[extra.length + 1];
        options[0] = CAPTURE_ERRNO;
        System.arraycopy(extra, 0, options, 1, extra.length);
        return LINKER.downcallHandle(symbol(name), descriptor, options);
    }

    /** A handle for a required C function that reports errors by its return value only. */
    static MethodHandle plain(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(symbol(name), descriptor);
    }

    /** A handle for a C function that older C libraries lack. */
    static Optional<MethodHandle> optional(String name, FunctionDescriptor descriptor) {
        return LINKER.defaultLookup().find(name).map(s -> LINKER.downcallHandle(s, descriptor));
    }

    private static MemorySegment symbol(String name) {
        return LINKER.defaultLookup().find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("C library symbol not found: " + name));
    }

    static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;
    static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT;
    static final java.lang.foreign.AddressLayout ADDRESS = ValueLayout.ADDRESS;

    /** Rethrows what a downcall threw (they declare Throwable) as unchecked. */
    static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new IllegalStateException(t);
    }
}
