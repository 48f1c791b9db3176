package dev.subprocess4j.internal.linux.ffi;

import dev.subprocess4j.internal.SpawnChecks;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.List;

/**
 * {@code src/main/c/protocol.h}: the library's own child-setup code, {@code sp4j_spawn} of
 * {@code libsubprocess4j.so}, and the layout of what it reads and reports; and its PATH lookup,
 * {@code sp4j_find_program}. Every constant here is kept in sync with protocol.h.
 */
public final class ChildSetup {
    /** Fields of {@code struct sp4j_spec}, each 8 bytes wide: keep in sync with protocol.h. */
    public static final long SPEC_PATH = 0, SPEC_ARGV = 8, SPEC_ENVP = 16, SPEC_CWD = 24, SPEC_FLAGS = 32,
            SPEC_PGID = 40, SPEC_UMASK = 48, SPEC_PARENT_PID = 56, SPEC_NRLIMITS = 64, SPEC_RLIMITS = 72,
            SPEC_NPASS_FDS = 80, SPEC_PASS_FDS = 88, SPEC_REDIRECT_KIND = 96, SPEC_REDIRECT_FD = 120,
            SPEC_REDIRECT_PATH = 144, SPEC_REDIRECT_FLAGS = 168, SPEC_ERR_READ_FD = 192, SPEC_ERR_WRITE_FD = 200,
            SPEC_SLOT_LIMIT = 208, SPEC_SLOT = 216, SPEC_PLACEHOLDER_FD = 240, SPEC_EXEC_FD = 248, SPEC_CTTY_FD = 256;
    /** {@code sizeof(struct sp4j_spec)}: {@code SP4J_SPEC_FIELDS * 8}. */
    public static final long SPEC_SIZE = 33 * 8;

    /**
     * A {@code struct sp4j_spec} being filled in: its fields in a Java array, which {@link #in}
     * copies into native memory in one go (a view or var handle per field would cost each spawn
     * an object per field until the JIT has compiled the caller).
     */
    public static final class Spec {
        private final long[] fields = new long[(int) (SPEC_SIZE / 8)];

        /** Sets the field at byte {@code offset}: a {@code SPEC_*} constant, plus 8 × i in its arrays. */
        public void put(long offset, long value) {
            if ((offset & 7) != 0) {
                throw new IllegalArgumentException("spec fields are 8 bytes wide: offset " + offset);
            }
            fields[Math.toIntExact(offset >>> 3)] = value;
        }

        /** Sets a pointer field to {@code target}'s address ({@link MemorySegment#NULL} for NULL). */
        public void putAddress(long offset, MemorySegment target) {
            put(offset, target.address());
        }

        /** The struct in native memory from {@code allocator}, for {@link #spawn}. */
        public MemorySegment in(SegmentAllocator allocator) {
            MemorySegment s = allocator.allocate(SPEC_SIZE, 8);
            Mem.putLongs(s, 0, fields);
            return s;
        }
    }

    /** {@code SP4J_*} flags of the spec: keep in sync with protocol.h. */
    public static final long FLAG_SETSID = 0x01, FLAG_SETPGID = 0x02, FLAG_UMASK = 0x04,
            FLAG_RESTORE_SIGNALS = 0x08, FLAG_PDEATHSIG = 0x10, FLAG_CLOSE_FDS = 0x20, FLAG_HELPER = 0x40,
            FLAG_SHARED_TABLE = 0x80, FLAG_PROBE = 0x100, FLAG_CTTY = 0x200;

    /** {@code SP4J_DETAIL_UNSHARE}: the detail of an FDS report when the child's close_range(CLOSE_RANGE_UNSHARE) failed. */
    public static final int DETAIL_UNSHARE = -1;

    /** {@code SP4J_DETAIL_CTTY}: the detail of a SETSID report when the child's ioctl(TIOCSCTTY) failed. */
    public static final int DETAIL_CTTY = -2;

    /** {@code SP4J_REDIRECT_*}: keep in sync with protocol.h. */
    public static final long REDIRECT_INHERIT = 0, REDIRECT_DUP = 1, REDIRECT_STDOUT = 3; // 2 is no longer used

    /** {@code SP4J_HELPER_*} flags of the helper's argv[3]: keep in sync with protocol.h. */
    public static final int HELPER_SETGROUPS = 0x1, HELPER_SETGID = 0x2, HELPER_SETUID = 0x4, HELPER_PDEATHSIG = 0x8;

    /** {@code SP4J_PROTOCOL_VERSION}, the helper's argv[1]: keep in sync with protocol.h. */
    public static final int VERSION = 1;

    /** {@code struct sp4j_report}: three int32 (step, error, detail); keep in sync with protocol.h. */
    public static final long REPORT_STEP = 0, REPORT_ERROR = 4, REPORT_DETAIL = 8, REPORT_SIZE = 12;

    private final MethodHandle spawn;
    /** {@code sp4j_stacks_mapped}, bound only when asked (the tests): no stub made at start-up. */
    private final MemorySegment stacksMapped;
    /** {@code sp4j_clone3}, bound only when asked (the tests). */
    private final MemorySegment clone3;

    private final MethodHandle findProgram;

    /**
     * The last candidates {@link #findProgram} was given (an unmodifiable list, so the same object
     * always holds the same names), and them as C strings one after the other.
     */
    private record LastNames(List<String> candidates, byte[] bytes) {}

    private volatile LastNames lastNames;

    /** {@link #findProgram} as the PATH lookup's probe: one object, not one per spawn. */
    private final SpawnChecks.ProgramProbe programProbe = this::findProgram;

    /** This library's PATH lookup ({@link #findProgram}) as a {@link SpawnChecks.ProgramProbe}. */
    public SpawnChecks.ProgramProbe programProbe() {
        return programProbe;
    }

    private ChildSetup(MethodHandle spawn, MemorySegment stacksMapped, MemorySegment clone3, MethodHandle findProgram) {
        this.spawn = spawn;
        this.stacksMapped = stacksMapped;
        this.clone3 = clone3;
        this.findProgram = findProgram;
    }

    /**
     * Loads {@code libsubprocess4j.so} for the life of the JVM.
     *
     * @param library the name for {@code dlopen}: {@code /proc/self/fd/N} of the file the caller
     *     placed and checked (a name, not a {@link java.nio.file.Path}: the JDK would resolve a path
     *     to its real one, which for a memfd names no file)
     */
    public static ChildSetup load(String library) {
        SymbolLookup lookup = SymbolLookup.libraryLookup(library, Arena.global());
        MemorySegment symbol = lookup.find("sp4j_spawn")
                .orElseThrow(() -> new UnsatisfiedLinkError("sp4j_spawn not found in " + library));
        Libc.offerSyscall(lookup.find("sp4j_syscall")
                .orElseThrow(() -> new UnsatisfiedLinkError("sp4j_syscall not found in " + library)));
        // No Linker.Option.critical: the call lasts until the child has executed its program, and
        // a critical call would hold off the garbage collector for all that time. The shape of
        // sp4j_syscall (protocol.h): no downcall stub of its own.
        return new ChildSetup(Libc.sevenLongs(symbol), lookup.find("sp4j_stacks_mapped")
                .orElseThrow(() -> new UnsatisfiedLinkError("sp4j_stacks_mapped not found in " + library)),
                lookup.find("sp4j_clone3").orElseThrow(() -> new UnsatisfiedLinkError("sp4j_clone3 not found in " + library)),
                Libc.sevenLongs(lookup.find("sp4j_find_program")
                        .orElseThrow(() -> new UnsatisfiedLinkError("sp4j_find_program not found in " + library))));
    }

    /** {@code sp4j_clone3} ops: read the state, turn clone3 off, let the next spawn try it again. */
    public static final long CLONE3_READ = 0, CLONE3_OFF = 1, CLONE3_RETRY = 2;

    /**
     * How {@code sp4j_spawn} clones (for the tests): 1 with {@code clone3(CLONE_CLEAR_SIGHAND)}, the
     * kernel resetting the child's handlers (x86_64, Linux 5.5+, no seccomp filter refusing it); -1 with
     * glibc's {@code clone}, the child reading and resetting each disposition itself; 0 before the
     * first spawn. {@code op} {@link #CLONE3_OFF} turns clone3 off, {@link #CLONE3_RETRY} lets the
     * next spawn try it again. Returns the state before the op.
     */
    public long clone3(long op) {
        try {
            return (long) Libc.sevenLongs(clone3).invokeExact(Libc.errnoState(), op, 0L, 0L, 0L, 0L, 0L, 0L);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    /**
     * How many stacks for its children {@code sp4j_spawn} ever mapped: it keeps up to 8 idle ones
     * for the next spawns instead of mapping and unmapping one per spawn. For the tests.
     */
    public long stacksMapped() {
        try {
            return (long) Libc.sevenLongs(stacksMapped).invokeExact(Libc.errnoState(), 0L, 0L, 0L, 0L, 0L, 0L, 0L);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    /**
     * {@code sp4j_find_program}: the index of the first of {@code candidates} that is an executable
     * regular file, else {@link SpawnChecks#DENIED} or {@link SpawnChecks#NOT_FOUND}
     * ({@link SpawnChecks.ProgramProbe}); one downcall for the whole PATH.
     */
    public int findProgram(List<String> candidates) {
        LastNames last = lastNames;
        byte[] bytes;
        if (last != null && last.candidates() == candidates) { // SpawnChecks gives the same list again
            bytes = last.bytes();
        } else {
            StringBuilder list = new StringBuilder();
            for (String c : candidates) {
                // a name with NUL names no file: "" (ENOENT) in its place
                list.append(c.indexOf('\0') < 0 ? c : "").append('\0');
            }
            bytes = list.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
            lastNames = new LastNames(candidates, bytes);
        }
        try (Scratch s = Scratch.open()) {
            MemorySegment names = Mem.cString(s, bytes);
            return (int) (long) findProgram.invokeExact(Libc.errnoState(), names.address(), (long) candidates.size(),
                    0L, 0L, 0L, 0L, 0L);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    /**
     * {@code sp4j_spawn(spec, report, pidfd)}: starts the child and returns once it has executed its
     * program. Takes over (closes) both ends of the spec's error pipe.
     *
     * @param pidfd an int segment that receives the child's pidfd, made by the clone itself
     *     ({@code CLONE_PIDFD}: never a window between the pid and a handle on it); -1 when the
     *     call fails or for a probe child. The caller owns it.
     * @return the pid, or -1 when a step failed ({@code report} says which; the child is reaped)
     */
    public int spawn(MemorySegment spec, MemorySegment report, MemorySegment pidfd) {
        try {
            // The caller keeps the segments alive (its arena or scratch) until the call returns.
            return (int) (long) spawn.invokeExact(Libc.errnoState(), spec.address(), report.address(), pidfd.address(),
                    0L, 0L, 0L, 0L);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }
}
