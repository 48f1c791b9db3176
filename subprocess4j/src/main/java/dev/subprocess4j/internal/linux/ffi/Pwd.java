package dev.subprocess4j.internal.linux.ffi;

import static dev.subprocess4j.internal.linux.ffi.Libc.ADDRESS;
import static dev.subprocess4j.internal.linux.ffi.Libc.INT;
import static dev.subprocess4j.internal.linux.ffi.Libc.LONG;

import dev.subprocess4j.internal.Errno;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.Optional;

/**
 * {@code <pwd.h>}: the password database through the C library, so that every NSS source
 * configured in {@code /etc/nsswitch.conf} (files, LDAP, systemd's dynamic users...) answers,
 * not only {@code /etc/passwd}.
 */
public final class Pwd {
    private Pwd() {}

    /** A user's entry: its uid and primary gid. */
    public record Entry(long uid, long gid) {}

    /** {@code struct passwd} on 64-bit Linux: pw_uid at 16, pw_gid at 20, 48 bytes in all. */
    private static final long PASSWD_SIZE = 48;
    private static final long PW_UID = 16;
    private static final long PW_GID = 20;

    // Each handle is made at its first call, in a holder class of its own (see Libc).
    private static final class GetpwnamR {
        static final MethodHandle GETPWNAM_R = Libc.plain("getpwnam_r",
                FunctionDescriptor.of(INT, ADDRESS, ADDRESS, ADDRESS, LONG, ADDRESS));
    }
    private static final class GetpwuidR {
        static final MethodHandle GETPWUID_R = Libc.plain("getpwuid_r",
                FunctionDescriptor.of(INT, INT, ADDRESS, ADDRESS, LONG, ADDRESS));
    }

    /** {@code getpwnam_r}: empty when there is no such user. */
    public static Optional<Entry> byName(String name) {
        return lookup("getpwnam_r(" + name + ")", (arena, pwd, buf, len, result) ->
                (int) GetpwnamR.GETPWNAM_R.invokeExact(Mem.cString(arena, name), pwd, buf, len, result));
    }

    /** {@code getpwuid_r}: empty when no user has this uid. */
    public static Optional<Entry> byUid(long uid) {
        return lookup("getpwuid_r(" + uid + ")", (arena, pwd, buf, len, result) ->
                (int) GetpwuidR.GETPWUID_R.invokeExact((int) uid, pwd, buf, len, result));
    }

    @FunctionalInterface
    private interface Call {
        int invoke(Arena arena, MemorySegment pwd, MemorySegment buf, long len, MemorySegment result) throws Throwable;
    }

    private static Optional<Entry> lookup(String what, Call call) {
        long size = 1024;
        while (true) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment pwd = arena.allocate(PASSWD_SIZE, 8);
                MemorySegment buf = arena.allocate(size);
                MemorySegment result = arena.allocate(ADDRESS);
                int rc = call.invoke(arena, pwd, buf, size, result);
                if (rc == Errno.ERANGE && size < (1 << 24)) {
                    size *= 4; // a big entry (a long list of members, a long gecos): retry
                    continue;
                }
                if (rc != 0) {
                    throw new ErrnoException(what, rc);
                }
                if (Mem.getAddress(result, 0) == 0) {
                    return Optional.empty();
                }
                return Optional.of(new Entry(Integer.toUnsignedLong(Mem.getInt(pwd, PW_UID)),
                        Integer.toUnsignedLong(Mem.getInt(pwd, PW_GID))));
            } catch (Throwable t) {
                throw Libc.rethrow(t);
            }
        }
    }
}
