package dev.subprocess4j.internal.linux;

import dev.subprocess4j.internal.linux.ffi.ErrnoException;
import dev.subprocess4j.internal.Errno;
import dev.subprocess4j.internal.linux.ffi.Epoll;
import dev.subprocess4j.internal.linux.ffi.Unistd;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.function.LongSupplier;

/** One pipe end of the JVM for a {@link LinuxChild}; its I/O runs under the child's lock ({@link ChildSync}). */
final class PipeChannel {
    /** What the child does when one of its channels is closed or its reactor work failed. */
    interface Owner {
        /** A channel was closed (lock held). */
        void channelClosed();

        /** The work run for a readiness event ({@link #onReady}) failed: nobody would read the pipe again. */
        void ioFailed(Throwable t);
    }

    final int fd;
    final String name;
    long token = -1;
    boolean closed;
    boolean eof;
    int ready;
    /** For pumped channels: what to do when the reactor says the fd is ready. */
    Runnable onReady;
    /** What the last {@code poll} of a platform thread in {@code communicate} returned for this fd. */
    int pollRevents;

    /** The child's lock, under which this channel's I/O runs. */
    final ChildSync sync;
    private final EpollReactor reactor;
    private final Owner owner;

    int takePollRevents() {
        int r = pollRevents;
        pollRevents = 0;
        return r;
    }

    /**
     * Whether this is the master of a pseudo-terminal ({@code Command.pty()}): its end of data is
     * the EIO of a read once no one holds the slave, never POLLHUP or a short read (a master
     * read returns at most what the line discipline holds, 4 KiB, while more may be queued).
     */
    final boolean tty;

    PipeChannel(int fd, String name, boolean tty, ChildSync sync, EpollReactor reactor, Owner owner) {
        this.fd = fd;
        this.name = name;
        this.tty = tty;
        this.sync = sync;
        this.reactor = reactor;
        this.owner = owner;
    }

    /** Whether {@code ch} is absent or closed. */
    static boolean isClosed(PipeChannel ch) {
        return ch == null || ch.closed;
    }

    /** Arms the channel (lock held). */
    void arm(int events) {
        if (closed) {
            return;
        }
        if (token < 0) {
            token = reactor.register(fd, events, this::readyFromReactor);
        } else {
            reactor.rearm(fd, events, token);
        }
    }

    private void readyFromReactor(int events) {
        Runnable r;
        sync.lock.lock();
        try {
            ready |= events;
            sync.changedLocked();
            r = onReady;
        } finally {
            sync.lock.unlock();
        }
        if (r != null) {
            try {
                r.run();
            } catch (Throwable t) {
                owner.ioFailed(t);
            }
        }
    }

    /**
     * Work for this channel's readiness that runs apart from the reactor thread (a pump's virtual
     * thread) failed: as a failure of {@link #onReady} itself, the child's I/O fails with {@code t}.
     */
    void failed(Throwable t) {
        owner.ioFailed(t);
    }

    /**
     * Leaves the fd to the caller that opened it (lock held): deregistered and marked closed, so no
     * readiness work runs for it any more, but not closed here (a failed start closes it).
     */
    void abandon() {
        closed = true;
        onReady = null;
        if (token >= 0) {
            reactor.deregister(fd, token);
            token = -1;
        }
    }

    /** Closes our end (lock held); {@code atEnd} marks it as a clean end of data. */
    void close(boolean atEnd) {
        if (closed) {
            return;
        }
        closed = true;
        eof |= atEnd;
        try {
            if (token >= 0) {
                reactor.deregister(fd, token);
            }
        } finally {
            // Closed all the same when the deregistration failed (the close takes the pipe out of
            // the epoll set too); the failure is still thrown.
            Unistd.closeQuietly(fd);
            owner.channelClosed();
            sync.changedLocked();
        }
    }

    /** Reads up to len bytes (lock held): >0 read, 0 end of file, -1 nothing now. */
    int read(byte[] into, int off, int len) {
        MemorySegment buffer = ScratchBuffers.borrow();
        try {
            long n = readOrEio(buffer, Math.min(len, ScratchBuffers.SIZE));
            if (n > 0) {
                MemorySegment.copy(buffer, ValueLayout.JAVA_BYTE, 0, into, off, (int) n);
            } else if (n < 0) {
                ready &= ~Epoll.EPOLLIN;
            }
            return (int) n;
        } finally {
            ScratchBuffers.release(buffer);
        }
    }

    /** No bytes: the end of the stream, for {@link #readChunk()}. */
    static final byte[] END = new byte[0];

    /**
     * Reads up to one scratch buffer (lock held) and returns a copy of exactly what was read:
     * {@link #END} at the end of file, null when nothing is there now. A pump allocates only what
     * its child wrote, not a whole buffer at each wake-up.
     */
    byte[] readChunk() {
        MemorySegment buffer = ScratchBuffers.borrow();
        try {
            long n = readOrEio(buffer, ScratchBuffers.SIZE);
            if (n > 0) {
                return buffer.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
            }
            if (n < 0) {
                ready &= ~Epoll.EPOLLIN;
                return null;
            }
            return END;
        } finally {
            ScratchBuffers.release(buffer);
        }
    }

    /**
     * Reads up to one scratch buffer straight into a capture (lock held): >0 read, 0 end of
     * file, -1 nothing now.
     */
    int readInto(CaptureBuffer capture) {
        MemorySegment buffer = ScratchBuffers.borrow();
        try {
            long n = readOrEio(buffer, ScratchBuffers.SIZE);
            if (n > 0) {
                capture.write(buffer, (int) n);
            } else if (n < 0) {
                ready &= ~Epoll.EPOLLIN;
            }
            return (int) n;
        } finally {
            ScratchBuffers.release(buffer);
        }
    }

    /** A read (see {@link #readOrEio(boolean, LongSupplier)}). */
    private long readOrEio(MemorySegment buffer, long len) {
        return readOrEio(tty, () -> Unistd.read(fd, buffer, len));
    }

    /**
     * One read as {@link Unistd#read}: bytes, 0 at the end, -1 when nothing is there now. On a
     * terminal's master, EIO (no one holds the slave any more) is the end once a second read
     * answers it too. The kernel's read moves what the slave wrote into the master's buffer, finds
     * it empty, and only then looks whether the slave was closed: a child that writes its last
     * bytes and exits between those two steps gets EIO answered while its bytes wait to be moved (a
     * CI run lost the last {@code "end\r\n"} of {@code PtyTest}'s mebibyte so). Nothing can be
     * written after the close, and the next read moves what was written before it: data, or EIO
     * for good (-1 if someone opened the slave again meanwhile).
     */
    static long readOrEio(boolean tty, LongSupplier read) {
        try {
            return read.getAsLong();
        } catch (ErrnoException e) {
            if (!tty || e.errno() != Errno.EIO) {
                throw e;
            }
        }
        try {
            return read.getAsLong();
        } catch (ErrnoException e) {
            if (e.errno() == Errno.EIO) {
                return 0;
            }
            throw e;
        }
    }

    /** Writes up to len bytes (lock held): bytes written, or -1 when the pipe is full. */
    int write(byte[] from, int off, int len) {
        int chunk = Math.min(len, ScratchBuffers.SIZE);
        MemorySegment buffer = ScratchBuffers.borrow();
        try {
            MemorySegment.copy(from, off, buffer, ValueLayout.JAVA_BYTE, 0, chunk);
            long n = Unistd.write(fd, buffer, chunk);
            if (n < 0) {
                ready &= ~Epoll.EPOLLOUT;
            }
            return (int) n;
        } finally {
            ScratchBuffers.release(buffer);
        }
    }
}
