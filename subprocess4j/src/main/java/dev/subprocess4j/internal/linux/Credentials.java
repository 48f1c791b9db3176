package dev.subprocess4j.internal.linux;

import dev.subprocess4j.internal.SpawnRequest;
import dev.subprocess4j.internal.linux.ffi.ChildSetup;
import dev.subprocess4j.internal.linux.ffi.Grp;
import dev.subprocess4j.internal.linux.ffi.Pwd;
import java.util.List;

/**
 * The ids a child switches to, resolved in the JVM before anything is spawned (names through the
 * C library's {@code getpwnam_r}/{@code getgrnam_r}, so every NSS source answers; all-digit
 * values are taken as numeric ids).
 *
 * <p>{@code user(x)} alone gives x's uid, x's primary gid and no supplementary group;
 * {@code group(g)} overrides the gid; {@code extraGroups(...)} sets the supplementary groups (with
 * or without a user). {@code group(g)} alone changes the gid only, as Python's {@code group=}.
 *
 * @param helperFlags which of setgroups, setgid, setuid the helper does ({@code HELPER_*})
 * @param uid the uid for setuid
 * @param gid the gid for setgid
 * @param groups the supplementary gids for setgroups
 */
record Credentials(int helperFlags, long uid, long gid, long[] groups) {

    /** Whether the request changes any id. */
    static boolean requested(SpawnRequest r) {
        return r.identity().user().isPresent() || r.identity().group().isPresent() || r.identity().extraGroups().isPresent();
    }

    /**
     * Resolves the request's user, group and extra groups.
     *
     * @throws IllegalArgumentException naming an unknown user or group
     */
    static Credentials resolve(SpawnRequest r) {
        int flags = 0;
        long uid = -1;
        long gid = -1;
        long[] groups = new long[0];
        if (r.identity().user().isPresent()) {
            Pwd.Entry user = user(r.identity().user().orElseThrow(), r.identity().group().isEmpty());
            uid = user.uid();
            gid = user.gid();
            flags |= ChildSetup.HELPER_SETUID | ChildSetup.HELPER_SETGID | ChildSetup.HELPER_SETGROUPS;
        }
        if (r.identity().group().isPresent()) {
            gid = group(r.identity().group().orElseThrow(), "group");
            flags |= ChildSetup.HELPER_SETGID;
        }
        if (r.identity().extraGroups().isPresent()) {
            List<String> names = r.identity().extraGroups().orElseThrow();
            groups = new long[names.size()];
            for (int i = 0; i < groups.length; i++) {
                groups[i] = group(names.get(i), "extra group");
            }
            flags |= ChildSetup.HELPER_SETGROUPS;
        }
        return new Credentials(flags, uid, gid, groups);
    }

    private static Pwd.Entry user(String nameOrUid, boolean needPrimaryGroup) {
        if (isNumber(nameOrUid)) {
            long uid = id(nameOrUid, "user");
            return Pwd.byUid(uid).orElseGet(() -> {
                if (needPrimaryGroup) {
                    throw new IllegalArgumentException("user " + nameOrUid
                            + " has no entry in the password database, so no primary group: give group(...) too");
                }
                return new Pwd.Entry(uid, -1);
            });
        }
        return Pwd.byName(nameOrUid)
                .orElseThrow(() -> new IllegalArgumentException("unknown user: '" + nameOrUid + "'"));
    }

    private static long group(String nameOrGid, String what) {
        if (isNumber(nameOrGid)) {
            return id(nameOrGid, what);
        }
        return Grp.gidByName(nameOrGid)
                .orElseThrow(() -> new IllegalArgumentException("unknown " + what + ": '" + nameOrGid + "'"));
    }

    private static boolean isNumber(String s) {
        return !s.isEmpty() && s.chars().allMatch(c -> c >= '0' && c <= '9');
    }

    /** A uid or gid: 0 to 2^32 - 2 ({@code (uid_t) -1} means "unchanged" to the kernel). */
    private static long id(String digits, String what) {
        try {
            long id = Long.parseLong(digits);
            if (id <= 0xFFFF_FFFEL) {
                return id;
            }
        } catch (NumberFormatException e) {
            // too many digits: out of range below
        }
        throw new IllegalArgumentException(what + " id out of range: " + digits);
    }
}
