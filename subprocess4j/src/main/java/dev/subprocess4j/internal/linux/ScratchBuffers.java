package dev.subprocess4j.internal.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Native 64 KiB buffers for pipe reads and writes, borrowed for one system call and returned:
 * allocating (and zeroing) one per pipe per child cost more than the rest of a captured run.
 * Up to {@link #KEEP} idle buffers are kept; beyond that, extra ones are left to the GC.
 */
final class ScratchBuffers {
    static final int SIZE = 64 * 1024;
    private static final int KEEP = 64;
    private static final ConcurrentLinkedQueue<MemorySegment> IDLE = new ConcurrentLinkedQueue<>();
    private static final AtomicInteger IDLE_COUNT = new AtomicInteger();
    /** Buffers ever taken from the global arena (never freed): at most {@link #KEEP}. */
    private static final AtomicInteger GLOBAL_ALLOCATED = new AtomicInteger();

    private ScratchBuffers() {}

    static MemorySegment borrow() {
        MemorySegment b = IDLE.poll();
        if (b != null) {
            IDLE_COUNT.decrementAndGet();
            return b;
        }
        if (GLOBAL_ALLOCATED.incrementAndGet() <= KEEP) {
            return Arena.global().allocate(SIZE, 8);
        }
        GLOBAL_ALLOCATED.decrementAndGet();
        return Arena.ofAuto().allocate(SIZE, 8); // a burst beyond KEEP: freed by the GC when dropped
    }

    static void release(MemorySegment b) {
        if (IDLE_COUNT.incrementAndGet() <= KEEP) {
            IDLE.offer(b);
        } else {
            IDLE_COUNT.decrementAndGet();
        }
    }
}
