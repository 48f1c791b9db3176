package dev.subprocess4j.internal.linux;

import dev.subprocess4j.internal.Errno;
import dev.subprocess4j.internal.Log;
import dev.subprocess4j.internal.SpawnRequest;
import dev.subprocess4j.internal.Uninterruptibly;
import dev.subprocess4j.internal.linux.ffi.ChildSetup;
import dev.subprocess4j.internal.linux.ffi.ErrnoException;
import dev.subprocess4j.internal.linux.ffi.Mem;
import dev.subprocess4j.internal.linux.ffi.Unistd;
import java.lang.System.Logger.Level;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;

/**
 * The shared-table spawn, the Linux backend's default: a child that never copies the JVM's fd table.
 *
 * <p>Any fork-like spawn ({@code posix_spawn}'s clone, or ours) copies the caller's whole fd table in
 * the kernel, and the child then closes all but 0-2 again: with a pidfd (and maybe a pipe) per
 * live child in the JVM, every spawn costs more the more children are alive (10,000 live children:
 * 2-2.5 times the start time of a C loop that holds no fds). Instead {@code sp4j_spawn} clones with
 * {@code CLONE_FILES} (the child shares the JVM's table, nothing is copied), and the child's first
 * act is {@code close_range(K, ~0U, CLOSE_RANGE_UNSHARE)} (Linux 5.9): the kernel then gives it a
 * table of its own holding copies of fds 0 .. K-1 only.
 *
 * <p>So everything the child needs must be below K before the clone: a few low fds are reserved
 * once per JVM as <em>slots</em> (close-on-exec copies of /dev/null, taken with
 * {@code F_DUPFD_CLOEXEC} from 3 up, so the lowest free numbers), in sets of three (stdin, stdout,
 * stderr). A spawn takes a set for itself, {@code dup3}s the sources of its redirects into the slots
 * (atomically: the number never stops being open, so no other thread of the JVM can be handed it or
 * see it closed), clones, and puts /dev/null back. Each set has its own K (its highest slot + 1),
 * and the child closes every fd from 3 up once it has set up 0-2. Spawns with {@code passFds},
 * with {@code closeFds(false)} or with credentials (the exec'd helper) are not eligible: they take
 * the child-setup clone without {@code CLONE_FILES}, or {@code posix_spawn} when they need no child
 * setup (see {@link LinuxBackend}).
 *
 * <p>It is used when the library's C code is shipped for this platform and a probe child (once per
 * JVM) found {@code close_range(CLOSE_RANGE_UNSHARE)} to work; {@code -Dsubprocess4j.sharedFdTable=false}
 * turns it off (read at every spawn). Any other failure to set it up turns it off for the JVM's life.
 */
final class SharedFdTable {
    private SharedFdTable() {}

    static final String PROPERTY = "subprocess4j.sharedFdTable";

    /** Slots above this make K so large that the copy saved is small: then the path is not used. */
    private static final int MAX_SLOT = 1024;

    /** A set of slots: the slot of stream i (0-2), and K, every fd of the set being below it. */
    record Slots(int[] fds, int limit) {}

    /** The sets and the placeholder they hold between spawns; null until set up, or when unusable. */
    private record Pool(ArrayBlockingQueue<Slots> free, int placeholder, BitSet reservedBits) {}

    private static volatile Pool pool;
    private static volatile boolean unusable;
    private static String unusableReason = "not tried";

    /** Thrown by a spawn whose child found close_range(CLOSE_RANGE_UNSHARE) missing: the caller spawns again with a copied table. */
    static final class Unsupported extends RuntimeException {
        Unsupported(String message) {
            super(message, null, false, false);
        }
    }

    /** Whether this request can take the shared-table path now (setting the slots up at the first ask). */
    static boolean eligible(SpawnRequest r) {
        return r.setup().closeFds() && r.setup().passFds().length == 0 && !Credentials.requested(r)
                && !"false".equals(System.getProperty(PROPERTY)) && !unusable && ChildSetupSpawner.available()
                && pool() != null;
    }

    /** Why the path is not used ("not tried" before the first spawn): for tests and logs. */
    static synchronized String unusableReason() {
        return unusable ? unusableReason : pool != null ? "" : "not tried";
    }

    /** Whether the slots are set up and the probe passed. */
    static boolean active() {
        return pool != null && !unusable;
    }

    private static Pool pool() {
        Pool p = pool;
        if (p != null) {
            return p;
        }
        synchronized (SharedFdTable.class) {
            if (pool == null && !unusable) {
                try {
                    pool = setUp();
                } catch (Unsupported e) {
                    disable(e.getMessage());
                } catch (ErrnoException e) {
                    if (!Errno.isShortage(e.errno())) {
                        disable("set-up failed: " + e);
                    } // else no fd, memory or process left now: this spawn copies, the next one tries again
                } catch (RuntimeException | Error e) {
                    disable("set-up failed: " + e);
                }
            }
            return pool;
        }
    }

    static synchronized void disable(String reason) {
        if (!unusable) {
            unusable = true;
            unusableReason = reason;
            Log.get().log(Level.DEBUG, "shared-table spawn off ({0}): every spawn copies the JVM''s fd table", reason);
        }
    }

    /** Reserves the slots and runs the probe child; closes what it made when either fails. */
    private static Pool setUp() {
        // A set is held from before the clone until the child has executed its program, which on a
        // busy machine waits for a CPU: 4 per CPU, so that threads spawning at once (sp parallel -j 8
        // on 2 CPUs) seldom wait for a set (a park and an unpark each: with 2 per CPU, 3-4 % of
        // sp's own CPU there).
        int sets = Math.clamp(4L * Runtime.getRuntime().availableProcessors(), 8, 16);
        List<Integer> made = new ArrayList<>();
        try {
            int placeholder = Unistd.open("/dev/null", Unistd.O_RDONLY | Unistd.O_CLOEXEC);
            made.add(placeholder);
            ArrayBlockingQueue<Slots> free = new ArrayBlockingQueue<>(sets);
            for (int s = 0; s < sets; s++) {
                int[] fds = new int[3];
                int limit = 0;
                for (int i = 0; i < 3; i++) {
                    fds[i] = Unistd.dupCloexecAbove(placeholder, 3);
                    made.add(fds[i]);
                    limit = Math.max(limit, fds[i] + 1);
                }
                if (limit > MAX_SLOT) {
                    // every fd below it is in use now: a shortage, tried again by the next spawn
                    throw new ErrnoException("reserving fd slots below " + MAX_SLOT, Errno.EMFILE);
                }
                // K rounded up to a multiple of 64 (BITS_PER_LONG): the kernel copies whole 64-fd words
                // of the table anyway (fs/file.c sane_fdtable_size), and some older kernels mishandled
                // an unaligned close_range bound in that copy (fs/file.c now aligns it itself; the
                // comment there tells the story).
                free.add(new Slots(fds, (limit + 63) / 64 * 64));
            }
            BitSet bits = new BitSet();
            made.forEach(bits::set);
            Pool p = new Pool(free, placeholder, bits);
            String probe = probe(p);
            if (probe != null) {
                throw new Unsupported(probe);
            }
            return p;
        } catch (RuntimeException | Error e) {
            made.forEach(Unistd::closeQuietly);
            throw e;
        }
    }

    /** One child that unshares and exits: null when that works, else why not. */
    private static String probe(Pool p) {
        Slots slots = p.free().peek();
        try (Arena arena = Arena.ofConfined()) {
            ChildSetup.Spec spec = new ChildSetup.Spec();
            spec.put(ChildSetup.SPEC_FLAGS,
                    ChildSetup.FLAG_SHARED_TABLE | ChildSetup.FLAG_PROBE | ChildSetup.FLAG_CLOSE_FDS);
            fill(spec, slots, p.placeholder());
            MemorySegment report = arena.allocate(ChildSetup.REPORT_SIZE, 4);
            // the probe child is reaped (and its pidfd closed) by sp4j_spawn
            int pid = ChildSetupSpawner.library().spawn(spec.in(arena), report, arena.allocate(ValueLayout.JAVA_INT));
            if (pid > 0) {
                return null;
            }
            int errno = Mem.getInt(report, ChildSetup.REPORT_ERROR);
            if (Errno.isShortage(errno)) {
                throw new ErrnoException("the probe child's clone", errno); // says nothing of close_range
            }
            return "probe child: close_range(CLOSE_RANGE_UNSHARE) failed with " + Errno.name(errno);
        }
    }

    /** The spec's shared-table fields (not its flags) for one set of slots. */
    static void fill(ChildSetup.Spec spec, Slots slots, int placeholder) {
        spec.put(ChildSetup.SPEC_ERR_READ_FD, -1);
        spec.put(ChildSetup.SPEC_ERR_WRITE_FD, -1);
        spec.put(ChildSetup.SPEC_SLOT_LIMIT, slots.limit());
        for (int i = 0; i < 3; i++) {
            spec.put(ChildSetup.SPEC_SLOT + 8L * i, slots.fds()[i]);
        }
        spec.put(ChildSetup.SPEC_PLACEHOLDER_FD, placeholder);
    }

    /** A set of slots for one spawn; waits (not interruptibly: the spawn is under way) when all are taken. */
    static Slots take() {
        ArrayBlockingQueue<Slots> free = pool.free();
        Slots s = free.poll();
        if (s != null) {
            return s;
        }
        return Uninterruptibly.get(free::take);
    }

    /** Gives a set back once {@code sp4j_spawn} has returned (it put the placeholder back). */
    static void give(Slots s) {
        pool.free().add(s);
    }

    static int placeholder() {
        return pool.placeholder();
    }

    /**
     * Whether {@code fd} is one of this path's own (a slot or the placeholder). A caller naming one
     * in {@code Redirect.fd} or {@code passFds} would give a child whatever a concurrent spawn put
     * there: refused as not the caller's fd (EBADF), as a closed one would be.
     */
    static boolean reserved(int fd) {
        Pool p = pool;
        return p != null && fd >= 3 && fd < p.reservedBits().length() && p.reservedBits().get(fd);
    }

    /** The fds this path keeps open for the JVM's life (the slots and the placeholder): for tests. */
    static List<Integer> reservedFds() {
        Pool p = pool;
        List<Integer> fds = new ArrayList<>();
        if (p != null) {
            fds.add(p.placeholder());
            // Sets taken by a spawn right now are missing from the queue: tests call this when idle.
            for (Slots s : p.free()) {
                for (int fd : s.fds()) {
                    fds.add(fd);
                }
            }
        }
        return fds;
    }

    /** Whether a report says the child's close_range(CLOSE_RANGE_UNSHARE) is missing here (not a passing failure). */
    static boolean missingUnshare(int detail, int errno) {
        return detail == ChildSetup.DETAIL_UNSHARE
                && (errno == Errno.ENOSYS || errno == Errno.EINVAL || errno == Errno.EPERM);
    }
}
