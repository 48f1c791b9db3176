package dev.subprocess4j.internal.linux.ffi;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Reads and writes of C structs and arrays in native memory, through a {@link ByteBuffer} view of
 * the segment rather than {@link MemorySegment#get}/{@link MemorySegment#set}. Both check bounds
 * and that the segment's arena is alive; the difference is a JVM's first use: a layout's
 * {@link java.lang.invoke.VarHandle}, behind {@code get}/{@code set}, is built from method-handle
 * combinators whose lambda forms the JDK spins as classes, 3-8 ms for each layout used, while a
 * buffer view costs a fraction of a millisecond (subprocess4j-cli/README.md, "Start-up").
 * Addresses are 64-bit: the only platforms of this package are x86_64 and aarch64.
 */
public final class Mem {
    private Mem() {}

    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();

    private static ByteBuffer view(MemorySegment s) {
        return s.asByteBuffer().order(NATIVE);
    }

    private static int index(long offset) {
        return Math.toIntExact(offset);
    }

    /** The C {@code int} at {@code offset}. */
    public static int getInt(MemorySegment s, long offset) {
        return view(s).getInt(index(offset));
    }

    /** The C {@code long} (64-bit) at {@code offset}. */
    public static long getLong(MemorySegment s, long offset) {
        return view(s).getLong(index(offset));
    }

    /** The pointer at {@code offset}, as its address (0 for NULL). */
    public static long getAddress(MemorySegment s, long offset) {
        return getLong(s, offset);
    }

    /** The C {@code short} at {@code offset}. */
    public static short getShort(MemorySegment s, long offset) {
        return view(s).getShort(index(offset));
    }

    /** Writes a C {@code short} at {@code offset}. */
    public static void putShort(MemorySegment s, long offset, short value) {
        view(s).putShort(index(offset), value);
    }

    /** Writes a C {@code int} at {@code offset}. */
    public static void putInt(MemorySegment s, long offset, int value) {
        view(s).putInt(index(offset), value);
    }

    /** Writes a C {@code long} (64-bit) at {@code offset}. */
    public static void putLong(MemorySegment s, long offset, long value) {
        view(s).putLong(index(offset), value);
    }

    /** Writes a pointer to {@code target} ({@link MemorySegment#NULL} for NULL) at {@code offset}. */
    public static void putAddress(MemorySegment s, long offset, MemorySegment target) {
        putLong(s, offset, target.address());
    }

    /** The C {@code int} at index {@code i} of an {@code int} array. */
    public static int getIntAt(MemorySegment s, long i) {
        return getInt(s, 4 * i);
    }

    /** Writes a C {@code long} at index {@code i} of a {@code long} array. */
    public static void putLongAt(MemorySegment s, long i, long value) {
        putLong(s, 8 * i, value);
    }

    /** Writes a pointer at index {@code i} of a pointer array. */
    public static void putAddressAt(MemorySegment s, long i, MemorySegment target) {
        putAddress(s, 8 * i, target);
    }

    /**
     * {@code s} as a NUL-terminated UTF-8 C string from {@code arena}: what
     * {@link java.lang.foreign.Arena#allocateFrom(String)} makes, without the var handle it writes the NUL with.
     */
    public static MemorySegment cString(SegmentAllocator arena, String s) {
        return cString(arena, s.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * {@code bytes} followed by a NUL, from {@code arena}: one C string when they hold no NUL
     * (several one after the other when they end each but the last with one).
     */
    public static MemorySegment cString(SegmentAllocator arena, byte[] bytes) {
        MemorySegment segment = arena.allocate(bytes.length + 1L);
        MemorySegment.copy(bytes, 0, segment, ValueLayout.JAVA_BYTE, 0, bytes.length);
        segment.asSlice(bytes.length).fill((byte) 0); // the NUL: the allocator need not zero
        return segment;
    }

    /**
     * Writes {@code values} as C {@code long}s from {@code offset}: one bulk copy, where
     * {@link #putLong} makes a buffer view per value (an object each until the JIT has compiled the
     * caller). For whole structs and arrays filled in on the paths every spawn takes.
     */
    public static void putLongs(MemorySegment s, long offset, long[] values) {
        MemorySegment.copy(values, 0, s, ValueLayout.JAVA_LONG_UNALIGNED, offset, values.length);
    }

    /** {@code count} C {@code long}s from {@code offset}, in one bulk copy (see {@link #putLongs}). */
    public static long[] getLongs(MemorySegment s, long offset, int count) {
        long[] values = new long[count];
        MemorySegment.copy(s, ValueLayout.JAVA_LONG_UNALIGNED, offset, values, 0, count);
        return values;
    }

    /** {@code count} C {@code int}s from {@code offset}, in one bulk copy (see {@link #putLongs}). */
    public static int[] getInts(MemorySegment s, long offset, int count) {
        int[] values = new int[count];
        MemorySegment.copy(s, ValueLayout.JAVA_INT_UNALIGNED, offset, values, 0, count);
        return values;
    }
}
