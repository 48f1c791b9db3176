package dev.subprocess4j.internal.linux;

import dev.subprocess4j.Redirect;
import dev.subprocess4j.SpawnException;
import dev.subprocess4j.internal.Backend;
import dev.subprocess4j.internal.ByteString;
import dev.subprocess4j.internal.ChildProcess;
import dev.subprocess4j.internal.Errno;
import dev.subprocess4j.internal.Log;
import dev.subprocess4j.internal.SpawnChecks;
import dev.subprocess4j.internal.SpawnRequest;
import dev.subprocess4j.internal.linux.ffi.ErrnoException;
import dev.subprocess4j.internal.linux.ffi.Mem;
import dev.subprocess4j.internal.linux.ffi.Pidfd;
import dev.subprocess4j.internal.linux.ffi.Spawn;
import dev.subprocess4j.internal.linux.ffi.Unistd;
import java.lang.System.Logger.Level;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The Linux backend: the program itself is executed (no helper exec before it, but for user and
 * group changes) by one of three spawns, chosen per request in {@link #start}:
 * <ol>
 *   <li>the shared-table clone, the default ({@link SharedFdTable}, {@link ChildSetupSpawner}): the
 *       library's C code clones with {@code CLONE_VM | CLONE_VFORK | CLONE_FILES | CLONE_PIDFD}, and
 *       the child unshares a table holding its slots only; taken when the request keeps
 *       {@code closeFds}, passes no fds and changes no ids, the C code is shipped for this
 *       platform, and the probe child found {@code close_range(CLOSE_RANGE_UNSHARE)};
 *   <li>the child-setup clone without {@code CLONE_FILES}, for a request that needs child setup
 *       (limits, umask, passed fds, parent-death signal, ids) but cannot share the table;
 *   <li>{@link PosixSpawnPath}, the fallback, for every other request: {@code posix_spawn} through
 *       {@code java.lang.foreign}, then {@code pidfd_open}.
 * </ol>
 * Pipes have {@code O_CLOEXEC} and non-blocking parent ends; each child has a pidfd, and one
 * {@link EpollReactor} thread serves every child's exit, pipes and deadline.
 */
public final class LinuxBackend implements Backend {
    /** The one instance; {@link #probe} hands it out once the kernel and C library passed. */
    static final LinuxBackend INSTANCE = new LinuxBackend();

    /** The backend's name. */
    public static final String NAME = "linux-native";

    /** The JVM's own environment never changes (System.getenv is a snapshot): encode it once. */
    private static volatile MemorySegment inheritedEnvp;

    private LinuxBackend() {}

    /** The backend cannot work in this JVM, for good: the message says why. */
    public static final class Unavailable extends Exception {
        private static final long serialVersionUID = 1L;

        Unavailable(String why) {
            super(why, null, false, false);
        }
    }

    /**
     * The backend, once the bindings and kernel features it needs were tried; a missing one is
     * found here and not by the first spawn. Only a lasting reason makes it unavailable: a probe
     * that fails for want of a resource (no fd, no memory) shows the feature is there, and the
     * spawn that lacks the resource fails with its own errno.
     *
     * @throws Unavailable when this JVM, kernel or C library cannot run the backend
     */
    public static LinuxBackend probe() throws Unavailable {
        try {
            // The JVM's environment before anything else asks for it: the JDK's first System.getenv()
            // resets SIGCHLD (JdkEnvironment keeps an ignored one ignored).
            dev.subprocess4j.internal.JdkEnvironment.get();
            // The child-setup library first: it then serves every system call (ffi.Libc).
            ChildSetupSpawner.preload();
            try {
                Unistd.close(Pidfd.open(Unistd.getpid()));
            } catch (ErrnoException e) {
                if (e.errno() != Errno.EMFILE && e.errno() != Errno.ENFILE && e.errno() != Errno.ENOMEM) {
                    throw new Unavailable("the kernel refuses pidfd_open (needs Linux 5.3+): " + e.getMessage());
                }
            }
            if (!Spawn.hasAddChdir()) {
                throw new Unavailable("glibc lacks posix_spawn_file_actions_addchdir_np (needs 2.29+)");
            }
        } catch (IllegalCallerException e) {
            throw new Unavailable("native access is denied (--illegal-native-access=deny, or a module "
                    + "without --enable-native-access): " + e.getMessage());
        } catch (ExceptionInInitializerError | NoClassDefFoundError e) {
            Throwable cause = e;
            while (cause.getCause() != null) {
                cause = cause.getCause();
            }
            if (cause instanceof IllegalCallerException) {
                throw new Unavailable("native access is denied (--illegal-native-access=deny, or a module "
                        + "without --enable-native-access): " + cause.getMessage());
            }
            throw new Unavailable(cause.toString());
        }
        return INSTANCE;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Set<Feature> features() {
        Set<Feature> features = EnumSet.of(Feature.SESSIONS, Feature.PROCESS_GROUPS, Feature.KEEP_FDS,
                Feature.KEEP_SIGNAL_DISPOSITIONS, Feature.ANY_SIGNAL, Feature.ARGV0, Feature.ANY_FD_REDIRECT,
                Feature.KILL_GROUP, Feature.RESOURCE_USAGE);
        if (ChildSetupSpawner.available()) {
            features.addAll(EnumSet.of(Feature.RLIMITS, Feature.CREDENTIALS, Feature.UMASK, Feature.PASS_FDS,
                    Feature.KILL_ON_PARENT_EXIT, Feature.PTY));
        }
        return features;
    }

    /** An option of the child-setup path on a platform whose C code this build could not compile. */
    private static UnsupportedOperationException noChildSetup(SpawnRequest r) {
        String option = !r.setup().rlimits().isEmpty() ? "rlimit(" + r.setup().rlimits().keySet().iterator().next() + ", ...)"
                : r.identity().user().isPresent() ? "user(" + r.identity().user().orElseThrow() + ")"
                : r.identity().group().isPresent() ? "group(" + r.identity().group().orElseThrow() + ")"
                : r.identity().extraGroups().isPresent() ? "extraGroups(...)"
                : r.identity().umask().isPresent() ? "umask(0" + Integer.toOctalString(r.identity().umask().getAsInt()) + ")"
                : r.setup().passFds().length > 0 ? "passFds(" + r.setup().passFds()[0] + ")"
                : r.setup().pty().isPresent() ? "pty()"
                : "killOnParentExit()";
        return new UnsupportedOperationException(option + " is not supported by the " + NAME + " backend on "
                + ChildSetupFiles.platform() + ": this build of subprocess4j has no child-setup code for it");
    }

    @Override
    public ChildProcess start(SpawnRequest r) {
        return start(r, true, false);
    }

    /**
     * The child of {@code Command.run()}: the calling thread waits for it at once and polls its
     * pidfd itself, so the reactor is not asked to watch the exit (an {@code epoll_ctl} add and
     * delete per run, and on a pipe the reactor's wake-up and reap racing the caller's) until
     * someone waits asynchronously or on a virtual thread, or the caller stops waiting.
     */
    @Override
    public ChildProcess startForRun(SpawnRequest r) {
        return start(r, false, false);
    }

    /** The stages joined by pipes the JVM makes and hands to both children ({@link LinuxPipeline}). */
    @Override
    public List<ChildProcess> startPipeline(List<SpawnRequest> stages) {
        return LinuxPipeline.start(stages);
    }

    /**
     * A stage of a {@link LinuxPipeline}: not reaped until {@link LinuxChild#releaseReap()}, so the
     * group it leads or joins still exists while the later stages are spawned.
     */
    LinuxChild startStage(SpawnRequest r) {
        return start(r, true, true);
    }

    private LinuxChild start(SpawnRequest r, boolean watchExit, boolean holdReap) {
        boolean childSetup = ChildSetupSpawner.needed(r);
        if (childSetup && !ChildSetupSpawner.available()) {
            throw noChildSetup(r);
        }
        // Names are resolved before anything is made: an unknown one spawns nothing.
        Credentials credentials = Credentials.requested(r) ? Credentials.resolve(r) : null;
        String path = SpawnChecks.resolveProgram(r, ChildSetupSpawner.programProbe());
        SpawnFds.refuseReservedFds(r);
        reactor(r); // made (or made again after a failure) before there is a child to hand it
        List<Integer> toClose = new ArrayList<>(); // every fd we opened, until handed over
        int[] stdinPipe = null;
        int[] stdoutPipe = null;
        int[] stderrPipe = null;
        String spawnPath = "";
        String how; // the spawn path as the child reports it
        int pid;
        int pidfd = -1; // from the clone on the library's own paths; owned here until handed over
        long spawnNanos;
        int[] files;
        try {
            // The redirect files first, by the JVM (as Python does): nothing blocks inside the spawn.
            files = RedirectFiles.open(r, toClose);
            if (r.setup().pty().isPresent()) {
                // The terminal in place of the stdin and stdout pipes (Command made sure stdout is on it).
                int[][] ends = SpawnFds.ptyEnds(r, credentials, files, toClose);
                stdinPipe = ends[0];
                stdoutPipe = ends[1];
            }
            if (stdinPipe == null && SpawnFds.needsPipe(r.stdio().stdin())) {
                stdinPipe = SpawnFds.pipe(toClose, 1);
            }
            if (stdoutPipe == null && SpawnFds.needsPipe(r.stdio().stdout())) {
                stdoutPipe = SpawnFds.pipe(toClose, 0);
            }
            if (r.stdio().stderr() != Redirect.STDOUT && SpawnFds.needsPipe(r.stdio().stderr())) {
                stderrPipe = SpawnFds.pipe(toClose, 0);
            }
            SpawnFds.refuseOwnPipes(r, files, stdinPipe, stdoutPipe, stderrPipe);
            boolean sharedTable = SharedFdTable.eligible(r); // the first time, a probe spawn: not the child's time
            spawnNanos = System.nanoTime(); // the child's elapsed time counts from here
            ChildSetupSpawner.Spawned spawned = null;
            if (sharedTable) {
                try {
                    spawnPath = "shared-table clone";
                    spawned = ChildSetupSpawner.spawn(r, path, credentials, files, stdinPipe, stdoutPipe, stderrPipe,
                            true);
                } catch (SharedFdTable.Unsupported e) {
                    // nothing was started and the shared table is off now: a spawn that copies it, below
                }
            }
            if (spawned == null && childSetup) {
                spawnPath = "child-setup clone";
                spawned = ChildSetupSpawner.spawn(r, path, credentials, files, stdinPipe, stdoutPipe, stderrPipe,
                        false);
            }
            if (spawned != null) {
                pid = spawned.pid();
                pidfd = spawned.pidfd();
                SpawnFds.closeChildEnds(files, stdinPipe, stdoutPipe, stderrPipe, toClose);
            } else {
                spawnPath = "posix_spawn";
                try (Arena arena = Arena.ofConfined()) { // only this path's file actions and attributes need one
                    pid = PosixSpawnPath.spawn(r, path, arena, files, stdinPipe, stdoutPipe, stderrPipe, toClose);
                }
                pidfd = PosixSpawnPath.pidfd(r, pid, toClose);
            }
            how = credentials != null ? spawnPath + ", then the helper" : spawnPath; // (here: a failure kills the child)
        } catch (ErrnoException e) {
            // pipe2 or a file action could not be set up (EMFILE, ENFILE, ENOMEM): nothing was spawned
            // (or, after the clone, closing the child's ends failed: the child is killed and reaped)
            PosixSpawnPath.killAndReap(pidfd);
            toClose.forEach(Unistd::closeQuietly);
            throw new SpawnException(SpawnException.Step.FDS, e.errno(), r.program(), e.call(), e);
        } catch (RuntimeException | Error e) {
            PosixSpawnPath.killAndReap(pidfd); // a child made before the failure has no owner yet
            toClose.forEach(Unistd::closeQuietly);
            throw e;
        }
        // The timeout counts from here, as Python's does from Popen's return: not the time a
        // killOnParentExit spawn waited for a spawner thread.
        long startNanos = System.nanoTime();
        LinuxChild child;
        try {
            child = new LinuxChild(r, pid, pidfd, spawnNanos, startNanos,
                    stdinPipe == null ? -1 : stdinPipe[1],
                    stdoutPipe == null ? -1 : stdoutPipe[0],
                    stderrPipe == null ? -1 : stderrPipe[0], watchExit, holdReap);
            child.spawnPath(how);
        } catch (RuntimeException | Error e) {
            // e.g. epoll_ctl failed (ENOMEM, ENOSPC): nobody would ever reap this child
            PosixSpawnPath.killAndReap(pidfd);
            toClose.forEach(Unistd::closeQuietly);
            throw e;
        }
        if (Log.get().isLoggable(Level.DEBUG)) {
            Log.get().log(Level.DEBUG, "spawned pid {0,number,#}: {1} (cwd {2}, backend {3}{4})", pid,
                    dev.subprocess4j.Shlex.join(r.argv()), r.exec().cwd().map(Object::toString).orElse("inherited"), NAME,
                    childSetup ? ", child-setup path" : "");
        }
        return child;
    }

    /**
     * The reactor, made at the first spawn. Its fds or thread lacking is this spawn's failure,
     * with the errno, and the next spawn tries again.
     */
    private static EpollReactor reactor(SpawnRequest r) {
        try {
            return EpollReactor.get();
        } catch (ErrnoException e) {
            throw new SpawnException(SpawnException.Step.FDS, e.errno(), r.program(), e.call(), e);
        } catch (OutOfMemoryError e) {
            if (!String.valueOf(e.getMessage()).contains("native thread")) {
                throw e;
            }
            throw new SpawnException(SpawnException.Step.FDS, Errno.EAGAIN, r.program(),
                    "the subprocess4j-reactor thread (" + e.getMessage() + ")", e);
        }
    }

    static MemorySegment cString(SegmentAllocator arena, String s) {
        return Mem.cString(arena, s);
    }

    /** The child's argv: the exact bytes of each argument ({@link SpawnRequest#argBytes}). */
    static MemorySegment argv(SegmentAllocator arena, SpawnRequest r) {
        int n = r.argv().size();
        long[] pointers = new long[n + 1]; // NULL-terminated; written in one copy
        for (int i = 0; i < n; i++) {
            pointers[i] = Mem.cString(arena, r.argBytes(i)).address();
        }
        return pointerArray(arena, pointers);
    }

    /** An argv of byte strings. */
    static MemorySegment argv(SegmentAllocator arena, List<byte[]> argv) {
        long[] pointers = new long[argv.size() + 1];
        for (int i = 0; i < argv.size(); i++) {
            pointers[i] = Mem.cString(arena, argv.get(i)).address();
        }
        return pointerArray(arena, pointers);
    }

    private static MemorySegment pointerArray(SegmentAllocator arena, long[] pointers) {
        MemorySegment array = arena.allocate(8L * pointers.length, 8); // addresses are 64-bit on this package's platforms
        Mem.putLongs(array, 0, pointers);
        return array;
    }

    static MemorySegment envp(SegmentAllocator arena, SpawnRequest r) {
        if (r.env().inherited()) {
            MemorySegment cached = inheritedEnvp;
            if (cached == null) {
                cached = encodeEnv(Arena.global(), r.env().variables());
                inheritedEnvp = cached;
            }
            return cached;
        }
        return encodeEnv(arena, r.env().variables(), r.env().raw());
    }

    private static MemorySegment encodeEnv(SegmentAllocator arena, Map<String, String> env) {
        return encodeEnv(arena, env, Map.of());
    }

    /** {@code key=value} of each text variable in UTF-8, then each byte variable's exact bytes. */
    private static MemorySegment encodeEnv(SegmentAllocator arena, Map<String, String> env, Map<ByteString, byte[]> raw) {
        long[] pointers = new long[env.size() + raw.size() + 1]; // NULL-terminated
        int i = 0;
        for (Map.Entry<String, String> e : env.entrySet()) {
            pointers[i++] = cString(arena, e.getKey() + "=" + e.getValue()).address();
        }
        for (Map.Entry<ByteString, byte[]> e : raw.entrySet()) {
            byte[] key = e.getKey().bytes();
            byte[] value = e.getValue();
            byte[] entry = new byte[key.length + 1 + value.length];
            System.arraycopy(key, 0, entry, 0, key.length);
            entry[key.length] = '=';
            System.arraycopy(value, 0, entry, key.length + 1, value.length);
            pointers[i++] = Mem.cString(arena, entry).address();
        }
        return pointerArray(arena, pointers);
    }
}
