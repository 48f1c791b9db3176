package dev.subprocess4j.internal.linux.ffi;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;

/**
 * Native memory for the short-lived buffers of one spawn or one wait (a spawn's spec, argv and
 * report; {@code waitid}'s siginfo and rusage; a {@code pollfd}), which a platform thread reuses
 * from call to call instead of an {@link Arena#ofConfined()} per call: no {@code malloc},
 * {@code free} or cleanup record per buffer on the paths every {@code run()} takes.
 *
 * <p>Use it as an arena: {@code try (Scratch s = Scratch.open()) { ... }}. Every segment it gives
 * is zeroed, as an arena's is, and must not be used after {@code close()} (the memory then serves
 * the thread's next call). A platform thread gets its own block of {@value #BLOCK} bytes, taken
 * the first time and freed by the GC with the thread; what does not fit, a virtual thread (which
 * would keep a block per virtual thread) and a nested use (a scratch open on this thread already)
 * get a confined arena of their own, closed with the scratch.
 *
 * <p>Close it exactly once, with try-with-resources: the thread's scratch is one object, so a
 * second {@code close()} would give back a block that a later {@code open()} has taken. Unlike
 * a confined arena's, the block's segments stay accessible after {@code close()} and from other
 * threads: nothing detects a segment that escapes its try block, so none may (every caller copies
 * what it reads out of them before the block is closed).
 */
public final class Scratch implements SegmentAllocator, AutoCloseable {
    /** Bytes of a platform thread's block: a spawn's spec, report and an argv of a few hundred bytes. */
    static final long BLOCK = 2048;

    private static final ThreadLocal<Scratch> MINE =
            ThreadLocal.withInitial(() -> new Scratch(Arena.ofAuto().allocate(BLOCK, 16)));

    /** How many overflow arenas this thread made (the tests: its plain spawns and waits make none). */
    private static final ThreadLocal<long[]> OVERFLOWS = ThreadLocal.withInitial(() -> new long[1]);

    /** The thread's block, or null: this scratch allocates from {@link #overflow} only. */
    private final MemorySegment block;
    private long used;
    private boolean open;
    private Arena overflow;

    private Scratch(MemorySegment block) {
        this.block = block;
    }

    /** The calling thread's scratch, empty, or a one-use one when that one is taken or the thread is virtual. */
    public static Scratch open() {
        if (!Thread.currentThread().isVirtual()) {
            Scratch mine = MINE.get();
            if (!mine.open) {
                mine.open = true;
                mine.used = 0;
                return mine;
            }
        }
        Scratch once = new Scratch(null);
        once.open = true;
        return once;
    }

    @Override
    public MemorySegment allocate(long byteSize, long byteAlignment) {
        if (!open) {
            throw new IllegalStateException("scratch memory used after close");
        }
        if (byteSize < 0 || byteAlignment <= 0 || (byteAlignment & (byteAlignment - 1)) != 0) {
            throw new IllegalArgumentException("size " + byteSize + ", alignment " + byteAlignment
                    + ": the size must not be negative and the alignment must be a power of two");
        }
        if (block != null && byteAlignment <= 16) {
            long start = (used + byteAlignment - 1) & -byteAlignment;
            if (byteSize <= BLOCK - start) {
                used = start + byteSize;
                return block.asSlice(start, byteSize).fill((byte) 0);
            }
        }
        if (overflow == null) {
            overflow = Arena.ofConfined();
            OVERFLOWS.get()[0]++; // a scratch is used by the thread that opened it
        }
        return overflow.allocate(byteSize, byteAlignment);
    }

    static long overflowsOnThisThread() {
        return OVERFLOWS.get()[0];
    }

    /** Frees what did not fit in the block and gives the block back to the thread's next call. */
    @Override
    public void close() {
        open = false;
        if (overflow != null) {
            Arena o = overflow;
            overflow = null;
            o.close();
        }
    }
}
