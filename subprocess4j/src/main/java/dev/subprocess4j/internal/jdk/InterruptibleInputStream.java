package dev.subprocess4j.internal.jdk;

import dev.subprocess4j.internal.PumpThreads;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.Objects;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A child's output pipe as the JDK gives it, made to answer {@link Thread#interrupt()} as the
 * native backend's streams do: a read that would block waits on a condition, which an interrupt
 * ends with {@link InterruptedIOException} (the interrupt flag stays set), while a virtual thread
 * does the blocking read. That thread is started by the first read that would block (reads of
 * data already in the pipe are made directly) and holds at most one chunk ahead of the reader.
 */
final class InterruptibleInputStream extends InputStream {
    private static final int CHUNK = 64 * 1024;

    private final InputStream in;
    private final String name;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    /** Filled by the pump only while {@link #count} is 0; guarded by the lock otherwise. */
    private final byte[] buffer = new byte[CHUNK];
    private int start;
    private int count;
    private boolean pumping;
    private boolean eof;
    private boolean closed;
    private IOException failure;

    InterruptibleInputStream(InputStream in, String name) {
        this.in = in;
        this.name = name;
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
        lock.lock();
        try {
            while (true) {
                if (closed) {
                    throw new IOException("Stream closed");
                }
                if (count > 0) {
                    int n = Math.min(len, count);
                    System.arraycopy(buffer, start, b, off, n);
                    start += n;
                    count -= n;
                    if (count == 0) {
                        changed.signalAll();
                    }
                    return n;
                }
                if (failure != null) {
                    throw new IOException("reading " + name + " failed", failure);
                }
                if (eof) {
                    return -1;
                }
                if (!pumping) {
                    int ready = in.available();
                    if (ready > 0) {
                        return in.read(b, off, Math.min(len, ready)); // cannot block: the data is there
                    }
                    pumping = true;
                    PumpThreads.start("jdk-read-" + name, this::pump);
                }
                changed.await();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while reading " + name);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public int available() throws IOException {
        lock.lock();
        try {
            if (closed) {
                throw new IOException("Stream closed");
            }
            return count > 0 || pumping ? count : in.available();
        } finally {
            lock.unlock();
        }
    }

    /** Reads the pipe ahead of the reader, one chunk at a time, until end of file, a failure or close. */
    private void pump() throws InterruptedException {
        while (true) {
            lock.lock();
            try {
                while (count > 0 && !closed) {
                    changed.await();
                }
                if (closed) {
                    return;
                }
            } finally {
                lock.unlock();
            }
            int n;
            IOException failed = null;
            try {
                n = in.read(buffer, 0, CHUNK); // blocks; the buffer is the pump's alone while count is 0
            } catch (IOException e) {
                n = -1;
                failed = e;
            }
            lock.lock();
            try {
                if (failed != null) {
                    failure = closed ? null : failed;
                    eof = true;
                } else if (n < 0) {
                    eof = true;
                } else {
                    start = 0;
                    count = n;
                }
                changed.signalAll();
                if (eof) {
                    return;
                }
            } finally {
                lock.unlock();
            }
        }
    }

    @Override
    public void close() throws IOException {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            count = 0;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        in.close();
    }
}
