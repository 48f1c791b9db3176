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
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
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
 *   <li>{@link #posixSpawn}, the fallback, for every other request: {@code posix_spawn} through
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
    /** Every signal 1–31 but SIGKILL and SIGSTOP, whose dispositions cannot change. */
    private static final int[] DEFAULT_SIGNALS = new int[29];

    static {
        int n = 0;
        for (int s = 1; s <= 31; s++) {
            if (s != 9 && s != 19) {
                DEFAULT_SIGNALS[n++] = s;
            }
        }
    }

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
        String path = SpawnChecks.resolveProgram(r);
        refuseReservedFds(r);
        reactor(r); // made (or made again after a failure) before there is a child to hand it
        List<Integer> toClose = new ArrayList<>(); // every fd we opened, until handed over
        int[] stdinPipe = null;
        int[] stdoutPipe = null;
        int[] stderrPipe = null;
        String spawnPath = "";
        int pid;
        int pidfd = -1; // from the clone on the library's own paths; owned here until handed over
        int[] files;
        try (Arena arena = Arena.ofConfined()) {
            // The redirect files first, by the JVM (as Python does): nothing blocks inside the spawn.
            files = RedirectFiles.open(r, toClose);
            if (r.setup().pty().isPresent()) {
                // The terminal in place of the stdin and stdout pipes (Command made sure stdout is on it).
                int[][] ends = ptyEnds(r, credentials, files, toClose);
                stdinPipe = ends[0];
                stdoutPipe = ends[1];
            }
            if (stdinPipe == null && needsPipe(r.stdio().stdin())) {
                stdinPipe = pipe(toClose, 1);
            }
            if (stdoutPipe == null && needsPipe(r.stdio().stdout())) {
                stdoutPipe = pipe(toClose, 0);
            }
            if (r.stdio().stderr() != Redirect.STDOUT && needsPipe(r.stdio().stderr())) {
                stderrPipe = pipe(toClose, 0);
            }
            refuseOwnPipes(r, files, stdinPipe, stdoutPipe, stderrPipe);
            ChildSetupSpawner.Spawned spawned = null;
            if (SharedFdTable.eligible(r)) {
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
                closeChildEnds(files, stdinPipe, stdoutPipe, stderrPipe, toClose);
            } else {
                spawnPath = "posix_spawn";
                pid = posixSpawn(r, path, arena, files, stdinPipe, stdoutPipe, stderrPipe, toClose);
                pidfd = pidfdAfterPosixSpawn(r, pid, toClose);
            }
        } catch (ErrnoException e) {
            // pipe2 or a file action could not be set up (EMFILE, ENFILE, ENOMEM): nothing was spawned
            toClose.forEach(Unistd::closeQuietly);
            throw new SpawnException(SpawnException.Step.FDS, e.errno(), r.program(), e.call(), e);
        } catch (RuntimeException | Error e) {
            toClose.forEach(Unistd::closeQuietly);
            throw e;
        }
        // The timeout counts from here, as Python's does from Popen's return: not the time a
        // killOnParentExit spawn waited for a spawner thread.
        long startNanos = System.nanoTime();
        LinuxChild child;
        try {
            child = new LinuxChild(r, pid, pidfd, startNanos,
                    stdinPipe == null ? -1 : stdinPipe[1],
                    stdoutPipe == null ? -1 : stdoutPipe[0],
                    stderrPipe == null ? -1 : stderrPipe[0], watchExit, holdReap);
            child.spawnPath(credentials != null ? spawnPath + ", then the helper" : spawnPath);
        } catch (RuntimeException | Error e) {
            // e.g. epoll_ctl failed (ENOMEM, ENOSPC): nobody would ever reap this child
            killAndReap(pidfd);
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
     * A new pseudo-terminal for {@code Command.pty()}: the master ({@code posix_openpt}: non-blocking,
     * close-on-exec, no controlling terminal of the JVM's) with the window size set, and its slave
     * opened through it ({@code TIOCGPTPEER}), given to the user the child will run as. Returns
     * {stdin "pipe", stdout "pipe"} as {child's end, JVM's end}: the slave and the master, each a
     * copy of its own so that closing one stream leaves the other (stdin null when it is not on
     * the terminal); stderr left to inherit gets the slave through {@code files[2]}. Every fd is in
     * {@code toClose}; the child's ends are closed after the spawn like pipe ends.
     */
    private static int[][] ptyEnds(SpawnRequest r, Credentials credentials, int[] files, List<Integer> toClose) {
        int master = dev.subprocess4j.internal.linux.ffi.Pty.openMaster();
        toClose.add(master);
        dev.subprocess4j.internal.linux.ffi.Pty.setWindowSize(master, r.setup().pty().orElseThrow().columns(),
                r.setup().pty().orElseThrow().rows());
        int slave = dev.subprocess4j.internal.linux.ffi.Pty.openSlave(master);
        toClose.add(slave);
        if (credentials != null && credentials.uid() >= 0) {
            dev.subprocess4j.internal.linux.ffi.Pty.chown(slave, credentials.uid());
        }
        int[] stdout = {master, slave};
        int[] stdin = null;
        if (needsPipe(r.stdio().stdin())) {
            stdin = new int[] {dupCloexec(slave, toClose), dupCloexec(master, toClose)};
        }
        if (r.stdio().stderr() == Redirect.INHERIT) {
            files[2] = dupCloexec(slave, toClose);
        }
        return new int[][] {stdin, stdout};
    }

    private static int dupCloexec(int fd, List<Integer> toClose) {
        int copy = Unistd.dupCloexecAbove(fd, 3);
        toClose.add(copy);
        return copy;
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

    /**
     * The pidfd of a child {@code posix_spawn} started, which returns a pid only. That pid is a
     * handle only while the child is unreaped: with SIGCHLD ignored the kernel reaps it at its exit,
     * maybe before {@code pidfd_open} runs (ESRCH), and may give its pid to another process. Such a
     * child is reported as exited with its status unknown (-1 here: see {@link LinuxChild}), never
     * as a failed spawn: it ran. The library's own clone makes the pidfd with the child
     * ({@code CLONE_PIDFD}) and has no such window.
     */
    private static int pidfdAfterPosixSpawn(SpawnRequest r, int pid, List<Integer> toClose) {
        int pidfd;
        try {
            pidfd = Pidfd.open(pid);
        } catch (ErrnoException e) {
            if (e.errno() == Errno.ESRCH) {
                return -1; // reaped by the kernel already
            }
            // EMFILE, ENFILE, ENOMEM: no handle on a child that runs. Free our ends of its pipes
            // and try once more, so that it can be ended through a pidfd: never by its pid.
            toClose.forEach(Unistd::closeQuietly);
            toClose.clear();
            try {
                pidfd = Pidfd.open(pid);
            } catch (ErrnoException again) {
                if (again.errno() != Errno.ESRCH) {
                    Log.get().log(Level.WARNING, "no pidfd for pid {0,number,#} ({1}): it is left to run, unwatched "
                            + "(a pid is never signalled)", pid, Errno.name(again.errno()));
                }
                throw new SpawnException(SpawnException.Step.FDS, e.errno(), r.program(), "pidfd_open", e);
            }
            boolean ours;
            try (Arena arena = Arena.ofConfined()) {
                ours = Pidfd.isUnreapedChild(pidfd, arena.allocate(Pidfd.SIGINFO_SIZE, 8));
            }
            if (ours) {
                killAndReap(pidfd);
            } else {
                Unistd.closeQuietly(pidfd); // reaped by the kernel and its pid someone else's: never signalled
            }
            throw new SpawnException(SpawnException.Step.FDS, e.errno(), r.program(), "pidfd_open", e);
        }
        try (Arena arena = Arena.ofConfined()) {
            if (Pidfd.isUnreapedChild(pidfd, arena.allocate(Pidfd.SIGINFO_SIZE, 8))) {
                return pidfd;
            }
        }
        // Reaped by the kernel, and its pid given to a process that is not our child: not ours to watch.
        Unistd.closeQuietly(pidfd);
        return -1;
    }

    /** SIGKILL through the pidfd, then a wait for the child, then the pidfd closed (-1: nothing to do). */
    private static void killAndReap(int pidfd) {
        if (pidfd < 0) {
            return;
        }
        try (Arena arena = Arena.ofConfined()) {
            Pidfd.sendSignal(pidfd, dev.subprocess4j.Signal.SIGKILL.number()); // ESRCH: gone already
            Pidfd.waitid(pidfd, arena.allocate(Pidfd.SIGINFO_SIZE, 8), Pidfd.WEXITED, MemorySegment.NULL); // ECHILD: reaped by the kernel
        } finally {
            Unistd.closeQuietly(pidfd);
        }
    }

    /**
     * A {@code Redirect.fd(n)} naming one of the pipes or redirect files just opened for this child: n
     * was closed when they were made, so it is not the caller's fd (the child would get our end of its
     * own pipe, or another stream's file). EBADF, as for any closed fd, on every path.
     */
    private static void refuseOwnPipes(SpawnRequest r, int[] files, int[]... pipes) {
        for (Redirect any : List.of(r.stdio().stdin(), r.stdio().stdout(), r.stdio().stderr())) {
            if (any instanceof Redirect.Fd(int fd) && (fd == files[0] || fd == files[1] || fd == files[2])) {
                throw new SpawnException(SpawnException.Step.FDS, Errno.EBADF, r.program(), "fd " + fd);
            }
            if (any instanceof Redirect.Fd(int fd)) {
                for (int[] p : pipes) {
                    if (p != null && (p[0] == fd || p[1] == fd)) {
                        throw new SpawnException(SpawnException.Step.FDS, Errno.EBADF, r.program(), "fd " + fd);
                    }
                }
            }
        }
    }

    /** A {@code Redirect.fd} or pass fd that is one of the shared-table path's slots is not the caller's. */
    private static void refuseReservedFds(SpawnRequest r) {
        for (Redirect any : List.of(r.stdio().stdin(), r.stdio().stdout(), r.stdio().stderr())) {
            if (any instanceof Redirect.Fd(int fd) && SharedFdTable.reserved(fd)) {
                throw new SpawnException(SpawnException.Step.FDS, Errno.EBADF, r.program(), "fd " + fd);
            }
        }
        for (int fd : r.setup().passFds()) {
            if (SharedFdTable.reserved(fd)) {
                throw new SpawnException(SpawnException.Step.FDS, Errno.EBADF, r.program(), "fd " + fd);
            }
        }
    }

    /**
     * The fallback spawn, for a request without child setup when the shared-table clone is not
     * taken ({@code closeFds(false)}, that clone turned off or unsupported, or no C code for this
     * platform): {@code posix_spawn} of the program itself.
     */
    private static int posixSpawn(SpawnRequest r, String path, Arena arena, int[] files, int[] stdinPipe,
                                 int[] stdoutPipe, int[] stderrPipe, List<Integer> toClose) {
        MemorySegment fa = Spawn.fileActionsInit(arena);
        short flags = Spawn.SETSIGMASK;
        if (r.setup().restoreSignals()) {
            flags |= Spawn.SETSIGDEF;
        }
        if (r.setup().newSession()) {
            flags |= Spawn.SETSID;
        }
        if (r.setup().processGroup().isPresent()) {
            flags |= Spawn.SETPGROUP;
        }
        boolean sharedAttr = r.setup().processGroup().isEmpty();
        MemorySegment attr = sharedAttr ? Spawn.sharedAttr(flags, DEFAULT_SIGNALS)
                : Spawn.attrInit(arena, flags, r.setup().processGroup().getAsInt(), DEFAULT_SIGNALS);
        int rc;
        MemorySegment pidOut = arena.allocate(ValueLayout.JAVA_INT);
        try {
            addRedirect(fa, r.stdio().stdin(), files[0], stdinPipe == null ? -1 : stdinPipe[0], 0);
            addRedirect(fa, r.stdio().stdout(), files[1], stdoutPipe == null ? -1 : stdoutPipe[1], 1);
            if (r.stdio().stderr() == Redirect.STDOUT) {
                Spawn.addDup2(fa, 1, 2);
            } else {
                addRedirect(fa, r.stdio().stderr(), files[2], stderrPipe == null ? -1 : stderrPipe[1], 2);
            }
            if (r.setup().closeFds()) {
                addCloseFrom3(fa);
            }
            if (r.exec().cwd().isPresent()) {
                Spawn.addChdir(fa, cString(arena, r.exec().cwd().orElseThrow().toString()));
            }
            rc = Spawn.posixSpawn(pidOut, Mem.cString(arena, r.pathBytes(path)), fa, attr, argv(arena, r), envp(arena, r));
        } finally {
            Spawn.fileActionsDestroy(fa);
            if (!sharedAttr) {
                Spawn.attrDestroy(attr);
            }
        }
        // The child has its copies (or failed): close ours of its ends.
        closeChildEnds(files, stdinPipe, stdoutPipe, stderrPipe, toClose);
        if (rc != 0) {
            throw spawnFailure(r, rc, path);
        }
        return Mem.getInt(pidOut, 0);
    }

    private static void closeChildEnds(int[] files, int[] stdinPipe, int[] stdoutPipe, int[] stderrPipe,
                                       List<Integer> toClose) {
        for (int fd : files) {
            if (fd >= 0) {
                closeNow(fd, toClose);
            }
        }
        if (stdinPipe != null) {
            closeNow(stdinPipe[0], toClose);
        }
        if (stdoutPipe != null) {
            closeNow(stdoutPipe[1], toClose);
        }
        if (stderrPipe != null) {
            closeNow(stderrPipe[1], toClose);
        }
    }

    private static boolean needsPipe(Redirect r) {
        return r == Redirect.PIPE || r instanceof Redirect.FromStream || r instanceof Redirect.ToStream
                || r instanceof Redirect.Lines;
    }

    /** A pipe; the JVM's end ({@code parentEnd} 0 = read, 1 = write) is non-blocking, the child's is not. */
    private static int[] pipe(List<Integer> toClose, int parentEnd) {
        int[] p = Unistd.pipe2(Unistd.O_CLOEXEC);
        toClose.add(p[0]);
        toClose.add(p[1]);
        Unistd.setNonBlocking(p[parentEnd]);
        return p;
    }

    private static void closeNow(int fd, List<Integer> toClose) {
        toClose.remove(Integer.valueOf(fd));
        Unistd.closeQuietly(fd);
    }

    /** Fd {@code target} of the child: inherited, or a copy of the file opened for it, its pipe or its fd. */
    private static void addRedirect(MemorySegment fa, Redirect r, int file, int pipeEnd, int target) {
        if (r == Redirect.INHERIT) {
            return;
        }
        int source = file >= 0 ? file : r instanceof Redirect.Fd(int fd) ? fd : pipeEnd;
        if (source != target) {
            Spawn.addDup2(fa, source, target);
        }
    }

    /** Closes every fd from 3 up in the child: glibc 2.34's closefrom action, else one close per open fd. */
    private static void addCloseFrom3(MemorySegment fa) {
        if (Spawn.hasAddClosefrom()) {
            Spawn.addClosefrom(fa, 3);
            return;
        }
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path p : fds.toList()) {
                int fd = Integer.parseInt(p.getFileName().toString());
                if (fd >= 3) {
                    Spawn.addClose(fa, fd);
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static MemorySegment cString(Arena arena, String s) {
        return Mem.cString(arena, s);
    }

    /** The child's argv: the exact bytes of each argument ({@link SpawnRequest#argBytes}). */
    static MemorySegment argv(Arena arena, SpawnRequest r) {
        int n = r.argv().size();
        MemorySegment array = arena.allocate(ValueLayout.ADDRESS, n + 1);
        for (int i = 0; i < n; i++) {
            Mem.putAddressAt(array, i, Mem.cString(arena, r.argBytes(i)));
        }
        Mem.putAddressAt(array, n, MemorySegment.NULL);
        return array;
    }

    /** An argv of byte strings. */
    static MemorySegment argv(Arena arena, List<byte[]> argv) {
        MemorySegment array = arena.allocate(ValueLayout.ADDRESS, argv.size() + 1);
        for (int i = 0; i < argv.size(); i++) {
            Mem.putAddressAt(array, i, Mem.cString(arena, argv.get(i)));
        }
        Mem.putAddressAt(array, argv.size(), MemorySegment.NULL);
        return array;
    }

    static MemorySegment envp(Arena arena, SpawnRequest r) {
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

    private static MemorySegment encodeEnv(Arena arena, Map<String, String> env) {
        return encodeEnv(arena, env, Map.of());
    }

    /** {@code key=value} of each text variable in UTF-8, then each byte variable's exact bytes. */
    private static MemorySegment encodeEnv(Arena arena, Map<String, String> env, Map<ByteString, byte[]> raw) {
        MemorySegment array = arena.allocate(ValueLayout.ADDRESS, env.size() + raw.size() + 1L);
        int i = 0;
        for (Map.Entry<String, String> e : env.entrySet()) {
            Mem.putAddressAt(array, i++, cString(arena, e.getKey() + "=" + e.getValue()));
        }
        for (Map.Entry<ByteString, byte[]> e : raw.entrySet()) {
            byte[] key = e.getKey().bytes();
            byte[] value = e.getValue();
            byte[] entry = new byte[key.length + 1 + value.length];
            System.arraycopy(key, 0, entry, 0, key.length);
            entry[key.length] = '=';
            System.arraycopy(value, 0, entry, key.length + 1, value.length);
            Mem.putAddressAt(array, i++, Mem.cString(arena, entry));
        }
        Mem.putAddressAt(array, i, MemorySegment.NULL);
        return array;
    }

    /**
     * {@code posix_spawn} reports one errno for all its steps; find the step by checking the
     * directory, else it was the exec.
     */
    private static SpawnException spawnFailure(SpawnRequest r, int errno, String path) {
        SpawnException known = SpawnChecks.cwdFailure(r); // the redirect files were opened by the JVM
        if (known != null) {
            return known;
        }
        for (Redirect any : List.of(r.stdio().stdin(), r.stdio().stdout(), r.stdio().stderr())) {
            if (any instanceof Redirect.Fd(int fd) && !Unistd.isOpen(fd)) {
                return new SpawnException(SpawnException.Step.FDS, Errno.EBADF, r.program(), "fd " + fd);
            }
        }
        return new SpawnException(SpawnException.Step.EXEC, errno, r.program(), r.program().contains("/") ? path : r.program());
    }
}
