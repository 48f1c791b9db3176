package dev.subprocess4j.internal.linux;

import dev.subprocess4j.Redirect;
import dev.subprocess4j.SpawnException;
import dev.subprocess4j.TimeoutExpiredException;
import dev.subprocess4j.internal.Errno;
import dev.subprocess4j.internal.SpawnRequest;
import dev.subprocess4j.internal.linux.ffi.Epoll;
import dev.subprocess4j.internal.linux.ffi.Unistd;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The files a spawn's redirects name ({@code Redirect.read}, {@code file}, {@code append},
 * {@code DEVNULL}), opened by the JVM before the spawn, as Python's {@code Popen} does, never by
 * the child: nothing then blocks inside the spawn, where the calling thread sleeps until the
 * exec and can be neither interrupted nor timed out. The child gets each as a {@code dup2} source.
 *
 * <p>Each file is opened close-on-exec and non-blocking, then made blocking again (the child gets
 * the file as an ordinary open would give it). A FIFO is the one file whose open waits: for a
 * reader until a writer opens it, for a writer until a reader does. Opened non-blocking, a FIFO's
 * read end would not wait (and the child would read end-of-file at once while no writer is
 * there), and its write end fails with {@code ENXIO} while no reader is there. So for a FIFO the
 * blocking open, which alone waits for exactly the other end, is made by a short-lived daemon
 * thread of the library, and the caller waits for it as for anything else: until the command's
 * timeout ({@link TimeoutExpiredException}, no child started), or an interrupt ({@link SpawnException}
 * step {@code OPEN_REDIRECT}, {@code EINTR}, the interrupt status kept). On either, the caller
 * opens the FIFO's other end non-blocking for a moment, which ends the waiting open; that thread
 * then closes what it got.
 */
final class RedirectFiles {
    private RedirectFiles() {}

    /** How often a wait for a FIFO's writer checks the read end it holds (see waitForOtherEnd). */
    private static final long SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    /**
     * Opens the files of the request's redirects.
     *
     * @param toClose receives every fd opened, until it is handed over
     * @return per stream (0-2), the fd opened for it (3 or above, close-on-exec), or -1
     * @throws SpawnException step {@code OPEN_REDIRECT} when a file cannot be opened, or the wait
     *     for a FIFO was interrupted
     * @throws TimeoutExpiredException when a FIFO's other end did not come within the timeout
     */
    static int[] open(SpawnRequest r, List<Integer> toClose) {
        int[] fds = {-1, -1, -1};
        long startNanos = System.nanoTime();
        List<Redirect> redirects = List.of(r.stdio().stdin(), r.stdio().stdout(), r.stdio().stderr());
        for (int i = 0; i < 3; i++) {
            Redirect redirect = redirects.get(i);
            String path;
            Path shown;
            int flags;
            // instanceof, not a pattern switch: each pattern switch makes the JVM spin a class at its
            // first run (~1 ms), and this one runs at every JVM's first spawn.
            if (redirect == Redirect.DEVNULL) {
                path = "/dev/null";
                shown = null;
                flags = i == 0 ? Unistd.O_RDONLY : Unistd.O_WRONLY;
            } else if (redirect instanceof Redirect.ReadFile(Path p)) {
                path = p.toAbsolutePath().toString();
                shown = p;
                flags = Unistd.O_RDONLY;
            } else if (redirect instanceof Redirect.WriteFile(Path p, boolean append)) {
                path = p.toAbsolutePath().toString();
                shown = p;
                flags = Unistd.O_WRONLY | Unistd.O_CREAT | (append ? Unistd.O_APPEND : Unistd.O_TRUNC);
            } else {
                continue;
            }
            int fd = openOne(r, path, shown == null ? path : shown.toString(), flags, startNanos);
            toClose.add(fd);
            if (fd < 3) {
                // fds 0-2 of the JVM were closed: above 2, so that no other redirect overwrites it
                int moved = Unistd.dupCloexecAbove(fd, 3);
                toClose.remove(Integer.valueOf(fd));
                Unistd.closeQuietly(fd);
                toClose.add(moved);
                fd = moved;
            }
            fds[i] = fd;
        }
        return fds;
    }

    private static int openOne(SpawnRequest r, String path, String shown, int flags, long startNanos) {
        if (path.equals("/dev/null")) {
            int fd = Unistd.tryOpen(path, flags | Unistd.O_CLOEXEC, 0); // never blocks: no O_NONBLOCK to clear
            if (fd < 0) {
                throw new SpawnException(SpawnException.Step.OPEN_REDIRECT, -fd, r.program(), shown);
            }
            return fd;
        }
        boolean reading = (flags & Unistd.O_WRONLY) == 0;
        // A file created here gets the command's umask too, as when the child created it.
        int mode = 0666 & ~r.identity().umask().orElse(0);
        int fd = Unistd.tryOpen(path, flags | Unistd.O_CLOEXEC | Unistd.O_NONBLOCK, mode);
        if (fd == -Errno.ENXIO && !reading) {
            return waitForOtherEnd(r, path, shown, flags, startNanos, -1); // a FIFO without a reader
        }
        if (fd < 0) {
            throw new SpawnException(SpawnException.Step.OPEN_REDIRECT, -fd, r.program(), shown);
        }
        boolean fifo;
        try {
            fifo = reading && Unistd.isPipe(fd);
            if (!fifo) {
                Unistd.clearNonBlocking(fd);
            }
        } catch (RuntimeException | Error e) {
            Unistd.closeQuietly(fd);
            throw e;
        }
        // A FIFO: wait for a writer, keeping this read end open meanwhile, so that a writer that
        // opens and writes at once finds a reader (no EPIPE). waitForOtherEnd closes it.
        return fifo ? waitForOtherEnd(r, path, shown, flags, startNanos, fd) : fd;
    }

    /**
     * The blocking open of a FIFO, made by a thread of its own while the caller waits with the
     * timeout and its interrupt. {@code held} (or -1) is the non-blocking read end the caller opened
     * already: a writer that came and went before the blocking open began (which would then wait
     * for the next one) shows there as data or a hang-up, checked every {@link #SLICE_NANOS}; then
     * {@code held} is the child's. Else it is closed before this returns.
     */
    private static int waitForOtherEnd(SpawnRequest r, String path, String shown, int flags, long startNanos,
                                       int held) {
        CompletableFuture<Integer> opened = new CompletableFuture<>();
        boolean keepHeld = false;
        try (Arena arena = Arena.ofConfined()) {
            try {
                Thread.ofPlatform().daemon().name("subprocess4j-fifo-open").start(() -> {
                    // without O_CREAT: a FIFO that vanished meanwhile is ENOENT, not a new file
                    int fd = Unistd.tryOpen(path, (flags & ~Unistd.O_CREAT) | Unistd.O_CLOEXEC, 0);
                    if (!opened.complete(fd) && fd >= 0) {
                        Unistd.closeQuietly(fd); // the caller gave up meanwhile
                    }
                });
            } catch (OutOfMemoryError e) {
                throw new SpawnException(SpawnException.Step.OPEN_REDIRECT, Errno.EAGAIN, r.program(), shown, e);
            }
            MemorySegment pollfd = arena.allocate(8, 4);
            for (;;) {
                long left = r.lifetime().timeout().isEmpty() ? Long.MAX_VALUE
                        : r.lifetime().timeout().orElseThrow().toNanos() - (System.nanoTime() - startNanos);
                try {
                    int fd = held < 0 && r.lifetime().timeout().isEmpty() ? opened.get()
                            : opened.get(Math.max(0, Math.min(left, held < 0 ? left : SLICE_NANOS)), TimeUnit.NANOSECONDS);
                    if (fd < 0) {
                        throw new SpawnException(SpawnException.Step.OPEN_REDIRECT, -fd, r.program(), shown);
                    }
                    return fd;
                } catch (InterruptedException e) {
                    giveUp(opened, path, flags);
                    Thread.currentThread().interrupt();
                    throw new SpawnException(SpawnException.Step.OPEN_REDIRECT, Errno.EINTR, r.program(), shown, e);
                } catch (TimeoutException e) {
                    if (held >= 0 && Epoll.pollIn(pollfd, held, 0)) {
                        giveUp(opened, path, flags); // a writer came (and maybe went): its bytes are in held
                        Unistd.clearNonBlocking(held);
                        keepHeld = true;
                        return held;
                    }
                    if (left <= SLICE_NANOS || held < 0) {
                        giveUp(opened, path, flags);
                        throw new TimeoutExpiredException(r.argv(), r.lifetime().timeout().orElseThrow(), null, null);
                    }
                } catch (ExecutionException e) {
                    throw new IllegalStateException(e.getCause()); // the opener completes with a number only
                }
            }
        } finally {
            if (held >= 0 && !keepHeld) {
                Unistd.closeQuietly(held);
            }
        }
    }

    /**
     * Ends the opener's wait: the FIFO's other end, opened non-blocking and closed again at once,
     * is the partner the blocking open waits for. If the open completed meanwhile, its fd is closed.
     */
    private static void giveUp(CompletableFuture<Integer> opened, String path, int flags) {
        if (opened.complete(-Errno.EINTR)) {
            boolean reading = (flags & Unistd.O_WRONLY) == 0;
            int other = Unistd.tryOpen(path, (reading ? Unistd.O_WRONLY : Unistd.O_RDONLY) | Unistd.O_NONBLOCK
                    | Unistd.O_CLOEXEC, 0);
            if (other >= 0) {
                Unistd.closeQuietly(other);
            }
            // else the path names something else now: the opener waits until someone opens that FIFO
        } else {
            int fd = opened.join();
            if (fd >= 0) {
                Unistd.closeQuietly(fd);
            }
        }
    }
}
