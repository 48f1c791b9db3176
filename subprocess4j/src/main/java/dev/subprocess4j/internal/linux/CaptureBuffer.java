package dev.subprocess4j.internal.linux;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * The captured output of one stream: a list of blocks filled straight from the native read buffer,
 * joined into one array at the end. Unlike {@code ByteArrayOutputStream} it never copies what it
 * holds in order to grow, and needs no Java scratch array: 1 GiB of output costs one copy out of
 * the native buffer and one at the end, not also the regrowth copies and {@code toByteArray}'s
 * (measured: the page faults of the regrown arrays made {@code captureOutput()} of 1 GiB several
 * times slower than reading it through {@code stdout()}). An empty stream allocates nothing.
 * Not thread-safe: the child's lock guards it.
 */
final class CaptureBuffer {
    private static final byte[] EMPTY = new byte[0];
    /** The smallest block: one {@code echo} line does not need 64 KiB. */
    private static final int SMALLEST = 256;
    /** The largest block: past it, blocks stop growing (a G1 region is at most 32 MiB). */
    private static final int LARGEST = 16 << 20;
    /** The longest Java array the VM hands out reliably. */
    private static final long MAX_ARRAY = Integer.MAX_VALUE - 8;

    private final List<byte[]> fullBlocks = new ArrayList<>();
    private long fullBytes;
    private byte[] block = EMPTY;
    private int used;

    /** Appends {@code n} bytes from the start of {@code source}. */
    void write(MemorySegment source, int n) {
        int done = 0;
        while (done < n) {
            if (used == block.length) {
                nextBlock(n - done);
            }
            int k = Math.min(n - done, block.length - used);
            MemorySegment.copy(source, ValueLayout.JAVA_BYTE, done, block, used, k);
            used += k;
            done += k;
        }
    }

    /** A new block: as large as what is held so far (so the blocks grow geometrically), within bounds. */
    private void nextBlock(int need) {
        if (block.length > 0) {
            fullBlocks.add(block);
            fullBytes += block.length;
        }
        long size = Math.max(need, Math.min(LARGEST, Math.max(SMALLEST, fullBytes)));
        if (fullBytes + size > MAX_ARRAY) {
            size = Math.max(need, MAX_ARRAY - fullBytes); // the last block; toByteArray reports the overflow
        }
        block = new byte[(int) Math.min(size, MAX_ARRAY)];
        used = 0;
    }

    long size() {
        return fullBytes + used;
    }

    /** A copy of everything captured so far. */
    byte[] toByteArray() {
        long size = size();
        if (size > MAX_ARRAY) {
            throw new OutOfMemoryError("captured output of " + size + " bytes does not fit in a Java array");
        }
        byte[] all = new byte[(int) size];
        int at = 0;
        for (byte[] b : fullBlocks) {
            System.arraycopy(b, 0, all, at, b.length);
            at += b.length;
        }
        System.arraycopy(block, 0, all, at, used);
        return all;
    }
}
