package dev.subprocess4j.internal.linux.ffi;

import static dev.subprocess4j.internal.linux.ffi.Libc.ADDRESS;
import static dev.subprocess4j.internal.linux.ffi.Libc.INT;
import static dev.subprocess4j.internal.linux.ffi.Libc.LONG;

import dev.subprocess4j.internal.Errno;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.OptionalLong;

/** {@code <grp.h>}: the group database through the C library (every NSS source answers). */
public final class Grp {
    private Grp() {}

    /** {@code struct group} on 64-bit Linux: gr_gid at 16, 32 bytes in all. */
    private static final long GROUP_SIZE = 32;
    private static final long GR_GID = 16;

    // Each handle is made at its first call, in a holder class of its own (see Libc).
    private static final class GetgrnamR {
        static final MethodHandle GETGRNAM_R = Libc.plain("getgrnam_r",
                FunctionDescriptor.of(INT, ADDRESS, ADDRESS, ADDRESS, LONG, ADDRESS));
    }

    /** {@code getgrnam_r}: the group's gid, empty when there is no such group. */
    public static OptionalLong gidByName(String name) {
        long size = 4096;
        while (true) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment group = arena.allocate(GROUP_SIZE, 8);
                MemorySegment buf = arena.allocate(size);
                MemorySegment result = arena.allocate(ADDRESS);
                int rc = (int) GetgrnamR.GETGRNAM_R.invokeExact(Mem.cString(arena, name), group, buf,
                        size, result);
                if (rc == Errno.ERANGE && size < (1 << 24)) {
                    size *= 4; // a group with many members: retry with room for them
                    continue;
                }
                if (rc != 0) {
                    throw new ErrnoException("getgrnam_r(" + name + ")", rc);
                }
                if (Mem.getAddress(result, 0) == 0) {
                    return OptionalLong.empty();
                }
                return OptionalLong.of(Integer.toUnsignedLong(Mem.getInt(group, GR_GID)));
            } catch (Throwable t) {
                throw Libc.rethrow(t);
            }
        }
    }
}
