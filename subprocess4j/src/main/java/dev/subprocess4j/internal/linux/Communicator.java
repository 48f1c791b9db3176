package dev.subprocess4j.internal.linux;

import dev.subprocess4j.internal.Callbacks;
import dev.subprocess4j.internal.CommunicateTimeout;
import dev.subprocess4j.internal.Deadlines;
import dev.subprocess4j.internal.Outcome;
import dev.subprocess4j.internal.linux.ffi.Epoll;
import dev.subprocess4j.internal.linux.ffi.ErrnoException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * {@code communicate} of a {@link LinuxChild}, synchronous and asynchronous: writes the input to
 * its stdin pipe and captures its piped output into memory. Both share the state (input, offset,
 * captures) and the steps that write and read; the synchronous one waits on its own thread, the
 * asynchronous one runs a bounded step on each readiness event of the reactor. Guarded by the
 * child's lock.
 */
final class Communicator {
    /** The most a reactor event reads or writes for one stream before it serves the others. */
    private static final int ASYNC_CHUNKS_PER_EVENT = 4;

    private final long pid;
    private final ChildSync sync;
    private final EpollReactor reactor;
    private final ChildPipes pipes;
    /** Which streams are the caller's pipes ({@code Redirect.PIPE}), not pumped or absent. */
    private final boolean stdinPiped;
    private final boolean stdoutPiped;
    private final boolean stderrPiped;
    private final ExitWatcher exit;
    /** The child's deadline; null without a timeout. */
    private final ChildDeadline deadline;
    /** The child's pumps; null without a pumped redirect. */
    private final Pumps pumps;

    private boolean started;
    private byte[] pendingInput;
    private int inputOffset;
    private CaptureBuffer stdoutCapture;
    private CaptureBuffer stderrCapture;
    /** Completed (lock held) when input is done and the captured pipes are at their end or closed. */
    private CompletableFuture<Void> asyncIo;

    Communicator(long pid, ChildSync sync, EpollReactor reactor, ChildPipes pipes, boolean stdinPiped,
                 boolean stdoutPiped, boolean stderrPiped, ExitWatcher exit, ChildDeadline deadline, Pumps pumps) {
        this.pid = pid;
        this.sync = sync;
        this.reactor = reactor;
        this.pipes = pipes;
        this.stdinPiped = stdinPiped;
        this.stdoutPiped = stdoutPiped;
        this.stderrPiped = stderrPiped;
        this.exit = exit;
        this.deadline = deadline;
        this.pumps = pumps;
    }

    /** Whether communicate (sync or async) has started (lock held). */
    boolean started() {
        return started;
    }

    /** Whether an asynchronous communicate has started (lock held). */
    boolean asyncStarted() {
        return asyncIo != null;
    }

    /**
     * The first communicate (sync or async), under the lock: checks the input against stdin,
     * closes an unused stdin pipe so the child sees end of file, and sets up the capture buffers.
     */
    private void begin(byte[] input) {
        if (input != null && !stdinPiped) {
            throw new IllegalStateException(
                    "input given but stdin is not a pipe: start the command with stdin(Redirect.PIPE)");
        }
        started = true;
        pendingInput = input;
        if (stdinPiped && (input == null || input.length == 0) && !pipes.stdin.closed) {
            pipes.stdin.close(false);
        }
        stdoutCapture = stdoutPiped ? new CaptureBuffer() : null;
        stderrCapture = stderrPiped ? new CaptureBuffer() : null;
    }

    Outcome communicate(byte[] input, Duration timeout) throws CommunicateTimeout, InterruptedException {
        long deadlineNanos = Deadlines.fromNow(timeout);
        sync.lock.lockInterruptibly();
        boolean ioDone = false;
        try {
            // The first call polls before it reads: the child was most likely just started, and a
            // read would only find its pipes empty (a wasted system call per pipe).
            boolean pollFirst = !started;
            if (!started) {
                begin(input);
            } else if (input != null) {
                throw new IllegalStateException("Cannot send input after starting communication");
            }
            if (Thread.currentThread().isVirtual()) {
                exit.watchExit(); // a virtual thread waits on conditions; only the reactor sees the exit then
            } else {
                exit.pollItself(); // this thread polls the pidfd with the pipes (ChildSync.awaitIo) and reaps
            }
            PipeChannel[] waitOn = new PipeChannel[3];
            int[] waitFor = new int[3];
            while (true) {
                int count = 0;
                if (pendingInput != null && stdinPiped && !pipes.stdin.closed && !writeInput(Integer.MAX_VALUE)) {
                    waitOn[count] = pipes.stdin;
                    waitFor[count++] = Epoll.EPOLLOUT;
                }
                if (stdoutCapture != null && !pipes.stdout.closed
                        && (pollFirst || !drainInto(pipes.stdout, stdoutCapture))) {
                    waitOn[count] = pipes.stdout;
                    waitFor[count++] = Epoll.EPOLLIN;
                }
                if (stderrCapture != null && !pipes.stderr.closed
                        && (pollFirst || !drainInto(pipes.stderr, stderrCapture))) {
                    waitOn[count] = pipes.stderr;
                    waitFor[count++] = Epoll.EPOLLIN;
                }
                pollFirst = false;
                if (count == 0) {
                    break;
                }
                long limit = deadlineNanos;
                long graceEnd = deadline == null ? Long.MAX_VALUE : deadline.drainGraceEnd();
                if (graceEnd != Long.MAX_VALUE) {
                    if (System.nanoTime() >= graceEnd) {
                        closeAfterGrace();
                        break;
                    }
                    limit = Math.min(limit, graceEnd);
                }
                if (!sync.awaitIo(waitOn, waitFor, count, limit, exit) && System.nanoTime() >= deadlineNanos) {
                    throw partial();
                }
            }
            ioDone = true;
        } finally {
            try {
                if (!ioDone) {
                    exit.watchExit(); // leaving early (interrupt, timeout, failure): the reactor reaps the child
                }
            } finally {
                sync.lock.unlock(); // also when the registration failed: the reactor must never wait for this lock
            }
        }
        if (!exit.awaitExit(deadlineNanos)
                || pumps != null && !pumps.await(deadlineNanos, deadline, this::closeAfterGrace)) {
            throw partial();
        }
        return outcome();
    }

    /** The outcome with the captures (the child was reaped). */
    private Outcome outcome() {
        sync.lock.lock();
        try {
            return exit.outcome(stdoutCapture == null ? null : stdoutCapture.toByteArray(),
                    stderrCapture == null ? null : stderrCapture.toByteArray());
        } finally {
            sync.lock.unlock();
        }
    }

    /**
     * Writes pending input until the pipe is full or {@code maxChunks} writes were made (lock
     * held); EPIPE ends it quietly, as Python.
     *
     * @return true when the input is done (all written or the child closed its end)
     */
    private boolean writeInput(int maxChunks) {
        for (int i = 0; i < maxChunks && inputOffset < pendingInput.length; i++) {
            int n;
            try {
                n = pipes.stdin.write(pendingInput, inputOffset, pendingInput.length - inputOffset);
            } catch (ErrnoException e) {
                pipes.stdin.close(false); // EPIPE: the child stopped reading, ignored as Python does
                pendingInput = null;
                return true;
            }
            if (n < 0) {
                return false;
            }
            inputOffset += n;
        }
        if (inputOffset < pendingInput.length) {
            return false; // more to write: the pipe is ready again at once, after the others had their turn
        }
        pipes.stdin.close(true);
        pendingInput = null;
        return true;
    }

    /**
     * One read into {@code capture}: the bytes read, -1 when the pipe is empty for now, 0 at end
     * of file or after a read error (which ends the stream as end of file does).
     */
    private static int readOrEnd(PipeChannel ch, CaptureBuffer capture) {
        try {
            return ch.readInto(capture);
        } catch (ErrnoException e) {
            return 0;
        }
    }

    /**
     * Reads what is there (lock held); true at end of file. Uses what the last {@code poll} said
     * of the pipe ({@link PipeChannel#takePollRevents()}): hung up with nothing to read is the end
     * without a read; a read shorter than asked found the pipe empty, so the next read would
     * only say so again (the end, when the writer had hung up before it; else poll again).
     */
    private static boolean drainInto(PipeChannel ch, CaptureBuffer capture) {
        int revents = ch.takePollRevents();
        if (!ch.tty && (revents & (Epoll.POLLHUP | Epoll.POLLIN | Epoll.POLLERR | Epoll.POLLNVAL)) == Epoll.POLLHUP) {
            ch.close(true);
            return true;
        }
        boolean hungUp = !ch.tty && (revents & Epoll.POLLHUP) != 0;
        while (true) {
            int n = readOrEnd(ch, capture);
            if (n == 0 || (n > 0 && n < ScratchBuffers.SIZE && hungUp)) {
                ch.close(true);
                return true;
            }
            if (n < 0 || n < ScratchBuffers.SIZE) {
                return false;
            }
        }
    }

    /**
     * Reads at most {@code maxChunks} chunks (64 KiB each) of what is there into {@code capture} (lock held).
     *
     * @return true at end of file (the channel is then closed); false when the pipe is empty for
     *     now or the bound was reached
     */
    private static boolean readUpTo(PipeChannel ch, CaptureBuffer capture, int maxChunks) {
        for (int i = 0; i < maxChunks; i++) {
            int n = readOrEnd(ch, capture);
            if (n > 0) {
                continue;
            } else if (n == 0) {
                ch.close(true);
                return true;
            } else {
                return false;
            }
        }
        return false;
    }

    private CommunicateTimeout partial() {
        sync.lock.lock();
        try {
            return new CommunicateTimeout(nonEmpty(stdoutCapture), nonEmpty(stderrCapture));
        } finally {
            sync.lock.unlock();
        }
    }

    private static byte[] nonEmpty(CaptureBuffer b) {
        return b == null || b.size() == 0 ? null : b.toByteArray();
    }

    // ================================================================== asynchronous

    /**
     * Communicates without a thread: the reactor reports readiness, and this child reads the
     * piped output into memory and writes its input on the reactor thread, in bounded steps
     * (at most {@value #ASYNC_CHUNKS_PER_EVENT} chunks of 64 KiB per stream and event, so one busy
     * child does not starve the others). No user code runs there: the outcome is built and the
     * future completed on {@code done} ({@link Callbacks#EXECUTOR} for the public API).
     */
    CompletableFuture<Outcome> communicateAsync(byte[] input, java.util.concurrent.Executor done) {
        sync.lock.lock();
        try {
            if (started) {
                throw new IllegalStateException("communication with pid " + pid + " already started");
            }
            begin(input);
            exit.watchExit(); // the future completes when the reactor has seen the exit
            asyncIo = new CompletableFuture<>();
            Runnable step = this::asyncStep;
            if (stdinPiped) {
                pipes.stdin.onReady = step;
            }
            if (stdoutCapture != null) {
                pipes.stdout.onReady = step;
            }
            if (stderrCapture != null) {
                pipes.stderr.onReady = step;
            }
            // Reads happen on the reactor thread only, when it reports readiness: arm, and let it come.
            asyncStepLocked(false);
            if (deadline != null) {
                deadline.scheduleDrainGraceIfRunning();
            }
        } finally {
            sync.lock.unlock();
        }
        List<CompletableFuture<?>> parts = new ArrayList<>();
        parts.add(asyncIo);
        parts.add(exit.future());
        if (pumps != null) {
            for (CompletableFuture<Void> p : pumps.futures()) {
                parts.add(p.exceptionally(t -> null));
            }
        }
        return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new))
                .thenApplyAsync(ignored -> outcome(), done);
    }

    /** A readiness event of a communicated stream (reactor thread). */
    private void asyncStep() {
        sync.lock.lock();
        try {
            asyncStepLocked(reactor.isReactorThread());
        } finally {
            sync.lock.unlock();
        }
    }

    /** Re-evaluates after channels were closed by another path (lock held; no read needed). */
    void asyncStepLocked() {
        asyncStepLocked(false);
    }

    /**
     * One bounded round of input and output (lock held); arms what is not finished. Without
     * {@code read} (off the reactor thread) the open output channels are only armed.
     */
    private void asyncStepLocked(boolean read) {
        if (asyncIo == null || asyncIo.isDone()) {
            return;
        }
        boolean pending = false;
        if (pendingInput != null && !pipes.stdin.closed) {
            if (!writeInput(ASYNC_CHUNKS_PER_EVENT)) {
                pipes.stdin.arm(Epoll.EPOLLOUT);
                pending = true;
            }
        }
        pending |= readBounded(pipes.stdout, stdoutCapture, read);
        pending |= readBounded(pipes.stderr, stderrCapture, read);
        if (!pending) {
            asyncIo.complete(null);
        }
    }

    /** Reads a bounded part of a captured stream (lock held); true while the stream is not done. */
    private boolean readBounded(PipeChannel ch, CaptureBuffer capture, boolean read) {
        if (capture == null || ch.closed) {
            return false;
        }
        if (read && readUpTo(ch, capture, ASYNC_CHUNKS_PER_EVENT)) {
            return false;
        }
        ch.arm(Epoll.EPOLLIN);
        return true;
    }

    /**
     * Closes what grandchildren still hold open after the drain grace, and lets an asynchronous
     * communicate see its end.
     */
    void closeAfterGrace() {
        sync.lock.lock();
        try {
            pipes.closeHeldAfterGrace(pid);
            asyncStepLocked();
        } finally {
            sync.lock.unlock();
        }
    }

    /**
     * The reactor gave up on the pipes (lock held): the captures go first (under OutOfMemoryError
     * they are what fills the heap).
     */
    void dropCaptures() {
        stdoutCapture = null;
        stderrCapture = null;
    }

    /** Fails an asynchronous communicate with {@code t} (lock held). */
    void failAsync(Throwable t) {
        if (asyncIo != null) {
            asyncIo.completeExceptionally(t);
        }
    }
}
