package dev.subprocess4j.internal.linux;

import dev.subprocess4j.Redirect;
import dev.subprocess4j.SpawnException;
import dev.subprocess4j.internal.Errno;
import dev.subprocess4j.internal.SpawnRequest;
import dev.subprocess4j.internal.linux.ffi.Unistd;
import java.util.List;

/** The JVM's fds of one spawn: its pipes and terminal ends, closing the child's ends, and refusing fds that are not the caller's. */
final class SpawnFds {
    private SpawnFds() {}

    /**
     * A new pseudo-terminal for {@code Command.pty()}: the master ({@code posix_openpt}: non-blocking,
     * close-on-exec, no controlling terminal of the JVM's) with the window size set, and its slave
     * opened through it ({@code TIOCGPTPEER}), given to the user the child will run as. Returns
     * {stdin "pipe", stdout "pipe"} as {child's end, JVM's end}: the slave and the master, each a
     * copy of its own so that closing one stream leaves the other (stdin null when it is not on
     * the terminal); stderr left to inherit gets the slave through {@code files[2]}. Every fd is in
     * {@code toClose}; the child's ends are closed after the spawn like pipe ends.
     */
    static int[][] ptyEnds(SpawnRequest r, Credentials credentials, int[] files, List<Integer> toClose) {
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
     * A {@code Redirect.fd(n)} naming one of the pipes or redirect files just opened for this child: n
     * was closed when they were made, so it is not the caller's fd (the child would get our end of its
     * own pipe, or another stream's file). EBADF, as for any closed fd, on every path.
     */
    static void refuseOwnPipes(SpawnRequest r, int[] files, int[]... pipes) {
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
    static void refuseReservedFds(SpawnRequest r) {
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

    static void closeChildEnds(int[] files, int[] stdinPipe, int[] stdoutPipe, int[] stderrPipe,
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

    static boolean needsPipe(Redirect r) {
        return r == Redirect.PIPE || r instanceof Redirect.FromStream || r instanceof Redirect.ToStream
                || r instanceof Redirect.Lines;
    }

    /** A pipe; the JVM's end ({@code parentEnd} 0 = read, 1 = write) is non-blocking, the child's is not. */
    static int[] pipe(List<Integer> toClose, int parentEnd) {
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
}
