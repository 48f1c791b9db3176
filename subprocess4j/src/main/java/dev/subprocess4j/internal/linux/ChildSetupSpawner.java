package dev.subprocess4j.internal.linux;

import dev.subprocess4j.Redirect;
import dev.subprocess4j.Rlimit;
import dev.subprocess4j.SpawnException;
import dev.subprocess4j.internal.Errno;
import dev.subprocess4j.internal.Log;
import dev.subprocess4j.internal.SpawnChecks;
import dev.subprocess4j.internal.SpawnRequest;
import dev.subprocess4j.internal.Uninterruptibly;
import dev.subprocess4j.internal.linux.ffi.ChildSetup;
import dev.subprocess4j.internal.linux.ffi.Mem;
import dev.subprocess4j.internal.linux.ffi.Scratch;
import dev.subprocess4j.internal.linux.ffi.Unistd;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

/**
 * The library's own spawn, {@code sp4j_spawn} of {@code libsubprocess4j.so} ({@code src/main/c/spawn.c}):
 * the Linux backend's default spawn and the only one that can do what {@code posix_spawn}
 * cannot (resource limits, umask, passed fds, the parent-death signal, user and group changes),
 * done by the C code between the clone and the exec. {@code docs/architecture.md} says when
 * each spawn is taken.
 *
 * <p>It clones the JVM vfork-style ({@code CLONE_VM | CLONE_VFORK | CLONE_PIDFD}) and sets the
 * child up in place. With {@code shared} (the default, {@link SharedFdTable}) the clone adds
 * {@code CLONE_FILES}: the child shares the JVM's fd table and unshares a copy of fds below its
 * slots only ({@code close_range(CLOSE_RANGE_UNSHARE)}), and a failed step is reported in the
 * caller's memory, which the clone shares; without it (passed fds, {@code closeFds(false)}, ids
 * to change) the kernel copies the table and a failed step is reported on a close-on-exec pipe.
 * When the ids change, the child executes
 * {@code subprocess4j-helper} instead of the program, through the helper's open fd
 * ({@code execveat(fd, "", ..., AT_EMPTY_PATH)}: never by a name, see {@link ChildSetupFiles}),
 * which changes them in a process of its own
 * (a CLONE_VM child that changed them would leave the whole JVM non-dumpable) and then executes
 * the program, reporting on the same pipe. A report is (step, errno); end of file on the pipe, or
 * no report once the vfork-style clone returned, means the program was executed, before
 * {@code start()} returns.
 *
 * <p>The C code is placed in a sealed memfd (else a private file removed at once) and used only
 * through its open fd ({@link ChildSetupFiles}).
 *
 * <p>{@code killOnParentExit}: Linux sends the parent-death signal when the <em>thread</em> that
 * created the child ends, not the process (man 2 prctl, PR_SET_PDEATHSIG). So those children are
 * created by the library's long-lived daemon threads ({@link SpawnerThreads}), which never end
 * before the JVM does; the caller's thread only waits for one.
 */
final class ChildSetupSpawner {
    private ChildSetupSpawner() {}

    /** Looked up at the first question, not at every spawn's {@link #needed} (two jar look-ups). */
    private static final class Shipped {
        static final boolean SHIPPED = ChildSetupFiles.shipped();
    }

    /** Whether this jar holds the C code for this platform, so the options that need it work. */
    static boolean available() {
        return Shipped.SHIPPED;
    }

    /** Whether a request needs the child-setup path rather than {@code posix_spawn}. */
    static boolean needed(SpawnRequest r) {
        return !r.setup().rlimits().isEmpty() || r.identity().umask().isPresent() || r.setup().passFds().length > 0 || r.lifetime().killOnParentExit()
                || Credentials.requested(r) || r.setup().pty().isPresent();
    }

    /**
     * How the PATH lookup looks at its candidates: {@code sp4j_find_program}, one downcall for the
     * whole PATH, once the library is loaded ({@link #preload()} at the backend's start, else the
     * first spawn that needs it); else through the JDK's file API.
     */
    static SpawnChecks.ProgramProbe programProbe() {
        ChildSetup loaded = library;
        return loaded != null ? loaded.programProbe() : SpawnChecks.FILES;
    }

    /** The files, made at first use. */
    private static ChildSetupFiles files;
    /** The loaded library, once it was placed and checked. */
    private static volatile ChildSetup library;

    /** The child-setup files of this JVM (for tests, too). */
    static synchronized ChildSetupFiles files() {
        if (files == null) {
            files = ChildSetupFiles.fromJar();
        }
        return files;
    }

    /**
     * Loads the library now when this jar ships it and the default spawn path will use it (the
     * shared-table spawn, not turned off, in a JVM not told to use the jdk backend), so that it
     * serves the JVM's system calls from the first one ({@code Libc}); a failure is left for the
     * first spawn that needs the library. Elsewhere the library waits for a spawn that needs it.
     */
    static void preload() {
        if (available() && !"false".equals(System.getProperty(SharedFdTable.PROPERTY))
                && !"jdk".equals(System.getProperty(dev.subprocess4j.internal.BackendSelector.PROPERTY))) {
            try {
                library();
            } catch (RuntimeException | LinkageError e) {
                // reported by the spawn that needs it (library() tries again); syscalls go through the C library
            }
        }
    }

    /**
     * The library, loaded at first use from a sealed memfd (else a file the JVM made and removed
     * again) as {@code /proc/self/fd/N} ({@link ChildSetupFiles}). A failure (neither way works)
     * is thrown to that spawn as an {@link IllegalStateException} naming why, and tried again by
     * the next one.
     */
    static ChildSetup library() {
        ChildSetup loaded = library;
        if (loaded == null) {
            synchronized (ChildSetupSpawner.class) {
                loaded = library;
                if (loaded == null) {
                    loaded = files().loadLibrary(ChildSetup::load);
                    library = loaded;
                }
            }
        }
        return loaded;
    }

    /**
     * A started child: its pid and its pidfd, which the clone made ({@code CLONE_PIDFD}); the
     * caller owns the pidfd.
     */
    record Spawned(int pid, int pidfd) {}

    /**
     * Starts the child on the child-setup path.
     *
     * @param path the program resolved in the child's PATH
     * @param credentials the ids to switch to, or null
     * @param files per stream (0-2), the redirect file the JVM opened for it ({@link RedirectFiles}), or -1
     * @param stdinPipe the stdin pipe or null; likewise stdoutPipe and stderrPipe
     * @param shared whether to take the shared-table path ({@link SharedFdTable}; the caller checked
     *     {@link SharedFdTable#eligible})
     * @return the child, which has executed its program, with its pidfd
     * @throws SpawnException when a step of the set-up failed (the child is reaped)
     * @throws SharedFdTable.Unsupported when the shared-table child found no close_range(CLOSE_RANGE_UNSHARE):
     *     nothing was started, and the path is now off; spawn again without it
     */
    static Spawned spawn(SpawnRequest r, String path, Credentials credentials, int[] files, int[] stdinPipe,
                         int[] stdoutPipe, int[] stderrPipe, boolean shared) {
        // A pass fd that was closed may have been reused for one of our pipes, or be one of the
        // child-setup code's own fds: it is not the caller's.
        for (int fd : r.setup().passFds()) {
            ChildSetupFiles.Open libraryFile = files().library();
            if (libraryFile != null && fd == libraryFile.fd()
                    || credentials != null && fd == files().helper().fd()) {
                throw new SpawnException(SpawnException.Step.FDS, Errno.EBADF, r.program(), "fd " + fd);
            }
            for (int[] p : Arrays.asList(files, stdinPipe, stdoutPipe, stderrPipe)) {
                if (p != null && Arrays.stream(p).anyMatch(f -> f == fd)) {
                    throw new SpawnException(SpawnException.Step.FDS, Errno.EBADF, r.program(), "fd " + fd);
                }
            }
        }
        if (!r.lifetime().killOnParentExit()) {
            return spawnHere(r, path, credentials, files, stdinPipe, stdoutPipe, stderrPipe, shared);
        }
        FutureTask<Spawned> task = new FutureTask<>(() -> spawnHere(r, path, credentials, files, stdinPipe,
                stdoutPipe, stderrPipe, shared));
        SpawnerThreads.submit(task, r.program());
        // Wait without giving up on an interrupt: the child is being made and must be handed over.
        try {
            return Uninterruptibly.get(task::get);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    private static Spawned spawnHere(SpawnRequest r, String path, Credentials credentials, int[] files,
                                     int[] stdinPipe, int[] stdoutPipe, int[] stderrPipe, boolean shared) {
        ChildSetup library = library();
        ChildSetupFiles.Open helper = credentials != null ? files().helper() : null; // placed at the first use
        try (Scratch arena = Scratch.open()) {
            ChildSetup.Spec spec = new ChildSetup.Spec();
            long flags = 0;
            long parentPid = Unistd.getpid();
            if (credentials != null) {
                flags |= ChildSetup.FLAG_HELPER;
                spec.put(ChildSetup.SPEC_EXEC_FD, helper.fd()); // executed through its fd: execveat
            } else {
                spec.putAddress(ChildSetup.SPEC_PATH, Mem.cString(arena, r.pathBytes(path)));
                spec.putAddress(ChildSetup.SPEC_ARGV, LinuxBackend.argv(arena, r));
                if (r.lifetime().killOnParentExit()) {
                    flags |= ChildSetup.FLAG_PDEATHSIG;
                }
            }
            spec.putAddress(ChildSetup.SPEC_ENVP, LinuxBackend.envp(arena, r));
            if (r.exec().cwd().isPresent()) {
                spec.putAddress(ChildSetup.SPEC_CWD, LinuxBackend.cString(arena, r.exec().cwd().orElseThrow().toString()));
            }
            if (r.setup().newSession()) {
                flags |= ChildSetup.FLAG_SETSID;
            }
            if (r.setup().pty().isPresent()) {
                // stdout is always on the terminal (Command refuses pty() otherwise)
                flags |= ChildSetup.FLAG_CTTY;
                spec.put(ChildSetup.SPEC_CTTY_FD, 1);
            }
            if (r.setup().processGroup().isPresent()) {
                flags |= ChildSetup.FLAG_SETPGID;
                spec.put(ChildSetup.SPEC_PGID, r.setup().processGroup().getAsInt());
            }
            if (r.identity().umask().isPresent()) {
                flags |= ChildSetup.FLAG_UMASK;
                spec.put(ChildSetup.SPEC_UMASK, r.identity().umask().getAsInt());
            }
            if (r.setup().restoreSignals()) {
                flags |= ChildSetup.FLAG_RESTORE_SIGNALS;
            }
            if (r.setup().closeFds()) {
                flags |= ChildSetup.FLAG_CLOSE_FDS;
            }
            spec.put(ChildSetup.SPEC_PARENT_PID, parentPid);
            if (!r.setup().rlimits().isEmpty() && credentials == null) { // else the helper sets them: see helperArgv
                MemorySegment limits = arena.allocate(ValueLayout.JAVA_LONG, 3L * r.setup().rlimits().size());
                int i = 0;
                for (Map.Entry<Rlimit, long[]> e : r.setup().rlimits().entrySet()) {
                    Mem.putLongAt(limits, i++, e.getKey().resource());
                    Mem.putLongAt(limits, i++, kernelLimit(e.getValue()[0]));
                    Mem.putLongAt(limits, i++, kernelLimit(e.getValue()[1]));
                }
                spec.put(ChildSetup.SPEC_NRLIMITS, r.setup().rlimits().size());
                spec.putAddress(ChildSetup.SPEC_RLIMITS, limits);
            }
            if (r.setup().passFds().length > 0) {
                MemorySegment fds = arena.allocate(ValueLayout.JAVA_LONG, r.setup().passFds().length);
                for (int i = 0; i < r.setup().passFds().length; i++) {
                    Mem.putLongAt(fds, i, r.setup().passFds()[i]); // ascending: Command sorts them
                }
                spec.put(ChildSetup.SPEC_NPASS_FDS, r.setup().passFds().length);
                spec.putAddress(ChildSetup.SPEC_PASS_FDS, fds);
            }
            redirect(spec, 0, r.stdio().stdin(), files[0], stdinPipe == null ? -1 : stdinPipe[0]);
            redirect(spec, 1, r.stdio().stdout(), files[1], stdoutPipe == null ? -1 : stdoutPipe[1]);
            if (r.stdio().stderr() == Redirect.STDOUT) {
                spec.put(ChildSetup.SPEC_REDIRECT_KIND + 16, ChildSetup.REDIRECT_STDOUT);
            } else {
                redirect(spec, 2, r.stdio().stderr(), files[2], stderrPipe == null ? -1 : stderrPipe[1]);
            }
            MemorySegment report = arena.allocate(ChildSetup.REPORT_SIZE, 4);
            MemorySegment pidfd = arena.allocate(ValueLayout.JAVA_INT);

            if (shared) {
                // No error pipe: the child writes its report into `report` (it shares our memory).
                spec.put(ChildSetup.SPEC_FLAGS, flags | ChildSetup.FLAG_SHARED_TABLE);
                SharedFdTable.Slots slots = SharedFdTable.take();
                int pid;
                try {
                    SharedFdTable.fill(spec, slots, SharedFdTable.placeholder());
                    pid = library.spawn(spec.in(arena), report, pidfd);
                } finally {
                    SharedFdTable.give(slots); // sp4j_spawn put the placeholder back
                }
                if (pid > 0) {
                    return spawned(pid, pidfd);
                }
                int errno = Mem.getInt(report, ChildSetup.REPORT_ERROR);
                int detail = Mem.getInt(report, ChildSetup.REPORT_DETAIL);
                if (SharedFdTable.missingUnshare(detail, errno)) {
                    SharedFdTable.disable("a child's close_range(CLOSE_RANGE_UNSHARE) failed with " + Errno.name(errno));
                    throw new SharedFdTable.Unsupported(Errno.name(errno));
                }
                throw failure(r, path, null, Mem.getInt(report, ChildSetup.REPORT_STEP), errno, detail);
            }
            spec.put(ChildSetup.SPEC_FLAGS, flags);

            // The error pipe last: once sp4j_spawn is called it owns both ends and closes them.
            int[] errorPipe = Unistd.pipe2Above(3, Unistd.O_CLOEXEC); // never 0-2, which the child redirects
            MemorySegment in;
            try {
                spec.put(ChildSetup.SPEC_ERR_READ_FD, errorPipe[0]);
                spec.put(ChildSetup.SPEC_ERR_WRITE_FD, errorPipe[1]);
                if (credentials != null) {
                    int helperFlags = credentials.helperFlags() | (r.lifetime().killOnParentExit() ? ChildSetup.HELPER_PDEATHSIG : 0);
                    spec.putAddress(ChildSetup.SPEC_ARGV, LinuxBackend.argv(arena,
                            helperArgv(errorPipe[1], helperFlags, parentPid, credentials, path, r)));
                }
                in = spec.in(arena);
            } catch (RuntimeException | Error e) {
                Unistd.closeQuietly(errorPipe[0]);
                Unistd.closeQuietly(errorPipe[1]);
                throw e;
            }
            int pid = library.spawn(in, report, pidfd);
            if (pid > 0) {
                return spawned(pid, pidfd);
            }
            throw failure(r, path, helper, Mem.getInt(report, ChildSetup.REPORT_STEP),
                    Mem.getInt(report, ChildSetup.REPORT_ERROR),
                    Mem.getInt(report, ChildSetup.REPORT_DETAIL));
        }
    }

    /**
     * The child the clone made, with the pidfd it wrote into {@code pidfdCell}: read without a
     * copy, and killed and reaped when even its record cannot be made (an OutOfMemoryError), so
     * that no child is left without an owner.
     */
    private static Spawned spawned(int pid, MemorySegment pidfdCell) {
        int pidfd = pidfdCell.get(ValueLayout.JAVA_INT, 0);
        try {
            return new Spawned(pid, pidfd);
        } catch (Error e) {
            PosixSpawnPath.killAndReap(pidfd);
            throw e;
        }
    }

    /** {@link Rlimit#UNLIMITED} is {@code RLIM_INFINITY}, all ones. */
    private static long kernelLimit(long value) {
        return value == Rlimit.UNLIMITED ? -1L : value;
    }

    /** Fd {@code fd} of the child: inherited, or a copy of the file the JVM opened for it, its pipe or its fd. */
    private static void redirect(ChildSetup.Spec spec, int fd, Redirect r, int file, int pipeEnd) {
        long kind;
        long source = -1;
        // instanceof, not a pattern switch: each pattern switch makes the JVM spin a class at its
        // first run (~1 ms), and this one runs at every JVM's first spawn.
        if (file >= 0) { // DEVNULL, read, file, append: opened by the JVM (RedirectFiles); a pty's slave
            kind = ChildSetup.REDIRECT_DUP;
            source = file;
        } else if (r == Redirect.INHERIT) {
            kind = ChildSetup.REDIRECT_INHERIT;
        } else if (r instanceof Redirect.Fd(int n)) {
            kind = ChildSetup.REDIRECT_DUP;
            source = n;
        } else { // PIPE, from, to, lines: our pipe
            kind = ChildSetup.REDIRECT_DUP;
            source = pipeEnd;
        }
        spec.put(ChildSetup.SPEC_REDIRECT_KIND + 8L * fd, kind);
        spec.put(ChildSetup.SPEC_REDIRECT_FD + 8L * fd, source);
    }

    /**
     * The helper's argv as protocol.h describes it: keep in sync with protocol.h. The resource
     * limits go here, not into the spec, so that they bind the program and not the helper.
     */
    private static List<byte[]> helperArgv(int errorFd, int helperFlags, long parentPid, Credentials c, String path,
                                           SpawnRequest r) {
        List<String> argv = new ArrayList<>(11 + c.groups().length + 3 * r.setup().rlimits().size() + r.argv().size());
        argv.add(ChildSetupFiles.HELPER);
        argv.add(Integer.toString(ChildSetup.VERSION));
        argv.add(Integer.toString(errorFd));
        argv.add(Integer.toString(helperFlags));
        argv.add(Long.toString(parentPid));
        argv.add(Long.toString(Math.max(c.uid(), 0)));
        argv.add(Long.toString(Math.max(c.gid(), 0)));
        argv.add(Integer.toString(c.groups().length));
        for (long g : c.groups()) {
            argv.add(Long.toString(g));
        }
        argv.add(Integer.toString(r.setup().rlimits().size()));
        for (Map.Entry<Rlimit, long[]> e : r.setup().rlimits().entrySet()) {
            argv.add(Integer.toString(e.getKey().resource()));
            argv.add(Long.toString(kernelLimit(e.getValue()[0])));
            argv.add(Long.toString(kernelLimit(e.getValue()[1])));
        }
        List<byte[]> bytes = new ArrayList<>(argv.size() + 1 + r.argv().size());
        for (String a : argv) {
            bytes.add(a.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        bytes.add(r.pathBytes(path));
        for (int i = 0; i < r.argv().size(); i++) {
            bytes.add(r.argBytes(i)); // the program's own argv: exact bytes
        }
        return bytes;
    }

    /** The exception for a step the child reported. */
    private static SpawnException failure(SpawnRequest r, String path, ChildSetupFiles.Open helper, int stepNumber, int errno,
                                          int detail) {
        // The report's step numbers are the ordinals of SpawnException.Step: keep in sync with protocol.h.
        SpawnException.Step step = stepNumber >= 0 && stepNumber < SpawnException.Step.values().length
                ? SpawnException.Step.values()[stepNumber] : SpawnException.Step.HELPER;
        String subject = switch (step) {
            case EXEC -> r.program().contains("/") ? path : r.program();
            case CHDIR -> String.valueOf(r.exec().cwd().orElse(null));
            case OPEN_REDIRECT -> redirectSubject(r, detail);
            case FDS -> detail == ChildSetup.DETAIL_UNSHARE ? "close_range(CLOSE_RANGE_UNSHARE)" : "fd " + detail;
            case RLIMIT -> rlimitSubject(r, detail);
            case UMASK -> "0" + Integer.toOctalString(r.identity().umask().orElse(0));
            case SIGNALS -> "signal " + detail;
            case SETSID -> detail == ChildSetup.DETAIL_CTTY ? "ioctl(TIOCSCTTY)" : r.program();
            case SETPGID -> "process group " + detail;
            case SETGROUPS -> String.valueOf(r.identity().extraGroups().orElse(List.of()));
            case SETGID -> r.identity().group().orElseGet(() -> r.identity().user().orElse(null) + " (primary group "
                    + Integer.toUnsignedLong(detail) + ")");
            case SETUID -> String.valueOf(r.identity().user().orElse(null));
            case PDEATHSIG -> r.program();
            case HELPER, CONNECT -> helper == null ? ChildSetupFiles.HELPER : helper.description();
        };
        return new SpawnException(step, errno, r.program(), subject);
    }

    private static String redirectSubject(SpawnRequest r, int fd) {
        Redirect redirect = fd == 0 ? r.stdio().stdin() : fd == 1 ? r.stdio().stdout() : r.stdio().stderr();
        return switch (redirect) {
            case Redirect.ReadFile(Path p) -> p.toString();
            case Redirect.WriteFile(Path p, boolean append) -> p.toString();
            default -> "/dev/null";
        };
    }

    private static String rlimitSubject(SpawnRequest r, int resource) {
        for (Map.Entry<Rlimit, long[]> e : r.setup().rlimits().entrySet()) {
            if (e.getKey().resource() == resource) {
                return "rlimit(" + e.getKey() + ", " + limitText(e.getValue()[0]) + ", " + limitText(e.getValue()[1]) + ")";
            }
        }
        return "resource " + resource;
    }

    private static String limitText(long v) {
        return v == Rlimit.UNLIMITED ? "UNLIMITED" : Long.toString(v);
    }
}
