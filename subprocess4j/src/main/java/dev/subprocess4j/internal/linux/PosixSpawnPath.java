package dev.subprocess4j.internal.linux;

import dev.subprocess4j.Redirect;
import dev.subprocess4j.SpawnException;
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
import java.util.List;

/** The fallback spawn: glibc's {@code posix_spawn} of the program, then {@code pidfd_open} and the check that the pid is still our child. */
final class PosixSpawnPath {
    private PosixSpawnPath() {}

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

    /**
     * The pidfd of a child {@code posix_spawn} started, which returns a pid only. That pid is a
     * handle only while the child is unreaped: with SIGCHLD ignored the kernel reaps it at its exit,
     * maybe before {@code pidfd_open} runs (ESRCH), and may give its pid to another process. Such a
     * child is reported as exited with its status unknown (-1 here: see {@link LinuxChild}), never
     * as a failed spawn: it ran. The library's own clone makes the pidfd with the child
     * ({@code CLONE_PIDFD}) and has no such window.
     */
    static int pidfd(SpawnRequest r, int pid, List<Integer> toClose) {
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
    static void killAndReap(int pidfd) {
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
     * The fallback spawn, for a request without child setup when the shared-table clone is not
     * taken ({@code closeFds(false)}, that clone turned off or unsupported, or no C code for this
     * platform): {@code posix_spawn} of the program itself.
     */
    static int spawn(SpawnRequest r, String path, Arena arena, int[] files, int[] stdinPipe,
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
                Spawn.addChdir(fa, LinuxBackend.cString(arena, r.exec().cwd().orElseThrow().toString()));
            }
            rc = Spawn.posixSpawn(pidOut, Mem.cString(arena, r.pathBytes(path)), fa, attr, LinuxBackend.argv(arena, r), LinuxBackend.envp(arena, r));
        } finally {
            Spawn.fileActionsDestroy(fa);
            if (!sharedAttr) {
                Spawn.attrDestroy(attr);
            }
        }
        // The child has its copies (or failed): close ours of its ends.
        SpawnFds.closeChildEnds(files, stdinPipe, stdoutPipe, stderrPipe, toClose);
        if (rc != 0) {
            throw spawnFailure(r, rc, path);
        }
        return Mem.getInt(pidOut, 0);
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
