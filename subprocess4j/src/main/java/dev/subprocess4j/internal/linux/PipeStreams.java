package dev.subprocess4j.internal.linux;

import dev.subprocess4j.internal.Errno;
import dev.subprocess4j.internal.linux.ffi.Epoll;
import dev.subprocess4j.internal.linux.ffi.ErrnoException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.Objects;

/** The blocking streams of {@code Popen} over a {@link LinuxChild}'s pipes: each call waits under the child's lock. */
final class PipeStreams {
    private PipeStreams() {}

    /** Reads a child's output pipe. */
    static final class In extends InputStream {
        private final PipeChannel ch;
        private final ChildPipes pipes;
        private final int pid;

        In(PipeChannel ch, ChildPipes pipes, int pid) {
            this.ch = ch;
            this.pipes = pipes;
            this.pid = pid;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            if (len == 0) {
                return 0;
            }
            try {
                ch.sync.lock.lockInterruptibly();
                try {
                    while (true) {
                        if (ch.closed) {
                            if (ch.eof) {
                                return -1;
                            }
                            throw pipes.ioFailure != null ? new IOException("the library gave up reading " + ch.name
                                    + " of pid " + pid, pipes.ioFailure) : new IOException("Stream closed");
                        }
                        int n = ch.read(b, off, len);
                        if (n > 0) {
                            return n;
                        }
                        if (n == 0) {
                            ch.close(true);
                            return -1;
                        }
                        ch.sync.awaitIo(ch, Epoll.EPOLLIN, Long.MAX_VALUE);
                    }
                } finally {
                    ch.sync.lock.unlock();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while reading " + ch.name + " of pid " + pid);
            } catch (ErrnoException e) {
                throw new IOException(e.getMessage(), e);
            }
        }

        @Override
        public void close() {
            closeLocked(ch.sync, ch);
        }
    }

    /** Writes a child's stdin pipe. */
    static final class Out extends OutputStream {
        private final PipeChannel ch;
        private final int pid;

        Out(PipeChannel ch, int pid) {
            this.ch = ch;
            this.pid = pid;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            try {
                ch.sync.lock.lockInterruptibly();
                try {
                    while (len > 0) {
                        if (ch.closed) {
                            throw new IOException("Stream closed");
                        }
                        int n;
                        try {
                            n = ch.write(b, off, len);
                        } catch (ErrnoException e) {
                            if (e.errno() == Errno.EPIPE) {
                                throw new IOException("Broken pipe", e);
                            }
                            throw new IOException(e.getMessage(), e);
                        }
                        if (n < 0) {
                            ch.sync.awaitIo(ch, Epoll.EPOLLOUT, Long.MAX_VALUE);
                        } else {
                            off += n;
                            len -= n;
                        }
                    }
                } finally {
                    ch.sync.lock.unlock();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while writing stdin of pid " + pid);
            }
        }

        @Override
        public void close() {
            closeLocked(ch.sync, ch);
        }
    }

    /** Closes our end of a pipe the caller was given (not at its end: a read after it fails), under the child's lock. */
    private static void closeLocked(ChildSync sync, PipeChannel ch) {
        sync.lock.lock();
        try {
            ch.close(false);
        } finally {
            sync.lock.unlock();
        }
    }
}
