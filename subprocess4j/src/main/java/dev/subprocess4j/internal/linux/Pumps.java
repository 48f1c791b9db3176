package dev.subprocess4j.internal.linux;

import dev.subprocess4j.Redirect;
import dev.subprocess4j.internal.Log;
import dev.subprocess4j.internal.PumpThreads;
import dev.subprocess4j.internal.SpawnRequest;
import dev.subprocess4j.internal.TextCodec;
import dev.subprocess4j.internal.lifecycle.OutputDelivery;
import dev.subprocess4j.internal.linux.ffi.Epoll;
import dev.subprocess4j.internal.linux.ffi.ErrnoException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The pumps of a {@link LinuxChild}: {@code Redirect.from} feeds its stdin, {@code Redirect.to}
 * and {@code Redirect.lines} deliver its output. Each readiness event of a pumped pipe runs one
 * short task on a virtual thread, which does the I/O under the child's lock and calls the user's
 * stream or consumer outside it.
 */
final class Pumps {
    private static final int CHUNK = 64 * 1024;

    private final SpawnRequest.Stdio stdio;
    private final long pid;
    private final ChildSync sync;
    private final ChildPipes pipes;
    private final OutputDelivery delivery = new OutputDelivery();
    /** The output pumps, each completed at its stream's end (guarded by the lock once started). */
    private final List<CompletableFuture<Void>> pumps = new ArrayList<>();

    Pumps(SpawnRequest.Stdio stdio, long pid, ChildSync sync, ChildPipes pipes) {
        this.stdio = stdio;
        this.pid = pid;
        this.sync = sync;
        this.pipes = pipes;
    }

    /**
     * Whether {@code stdio} has a pumped redirect ({@code Redirect.from}, {@code to} or
     * {@code lines}): a child without one has no pumps.
     */
    static boolean needed(SpawnRequest.Stdio stdio) {
        return stdio.stdin() instanceof Redirect.FromStream || pumped(stdio.stdout())
                || stdio.stderr() != Redirect.STDOUT && pumped(stdio.stderr());
    }

    private static boolean pumped(Redirect r) {
        return r instanceof Redirect.ToStream || r instanceof Redirect.Lines;
    }

    /** Starts the pumps (lock held): each readiness event runs one short task on a virtual thread. */
    void start() {
        if (stdio.stdin() instanceof Redirect.FromStream(InputStream in)) {
            // Not waited for: a child may exit without reading its stdin, and the source may
            // never end (System.in); the pump stops at the child's EPIPE or the source's end.
            pumpInput(pipes.stdin, in);
        }
        pumpOutput(stdio.stdout(), pipes.stdout);
        if (stdio.stderr() != Redirect.STDOUT) {
            pumpOutput(stdio.stderr(), pipes.stderr);
        }
    }

    /**
     * The child exited (lock held): a stdin fed from a stream ({@code Redirect.from}) is closed,
     * as nobody reads it any more; a source that never ends must not keep the fd open.
     */
    void childExited() {
        if (stdio.stdin() instanceof Redirect.FromStream && pipes.stdin != null && !pipes.stdin.closed) {
            pipes.stdin.close(false);
        }
    }

    boolean isEmpty() {
        return pumps.isEmpty();
    }

    /** The output pumps' futures. */
    List<CompletableFuture<Void>> futures() {
        return pumps;
    }

    /** The first failure of a {@code to}/{@code lines} consumer, or null. */
    OutputDelivery.Failure deliveryFailure() {
        return delivery.failure();
    }

    /** Ends every pump (their pipes were closed). */
    void completeAll() {
        pumps.forEach(p -> p.complete(null));
    }

    /** Fails every pump that is not done with {@code t}. */
    void failAll(Throwable t) {
        for (CompletableFuture<Void> p : pumps) {
            p.completeExceptionally(t);
        }
    }

    private void pumpOutput(Redirect r, PipeChannel ch) {
        OutputStream out;
        TextCodec.LineSplitter lines;
        // instanceof, not a pattern switch, which costs a JVM's first spawn a spun class (~1 ms)
        if (r instanceof Redirect.ToStream(OutputStream o)) {
            out = o;
            lines = null;
        } else if (r instanceof Redirect.Lines(var perLine)) {
            out = null;
            lines = stdio.text().new LineSplitter(perLine);
        } else {
            return;
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        pumps.add(done);
        AtomicBoolean failed = new AtomicBoolean();
        Runnable task = onReady(ch, ch.name + "-", () -> {
            while (true) {
                // Exactly what was read, not a 64 KiB chunk per wake-up: most children print little
                // or nothing (one sp parallel job each), and a fresh chunk was zeroed for each stream.
                byte[] chunk;
                int n;
                sync.lock.lock();
                try {
                    if (ch.closed) {
                        chunk = PipeChannel.END;
                    } else {
                        chunk = ch.readChunk();
                        if (chunk == PipeChannel.END) {
                            ch.close(true);
                        } else if (chunk == null) {
                            ch.arm(Epoll.EPOLLIN);
                            return;
                        }
                    }
                    n = chunk.length;
                } finally {
                    sync.lock.unlock();
                }
                if (n == 0) {
                    try {
                        if (lines != null && !failed.get()) {
                            lines.finish();
                        } else if (out != null && !failed.get()) {
                            out.flush();
                        }
                    } catch (Throwable e) { // the last line's consumer or the final flush
                        delivery.failed(pid, ch.name, e);
                    } finally {
                        done.complete(null);
                    }
                    return;
                }
                if (!failed.get()) {
                    try {
                        if (lines != null) {
                            lines.feed(chunk, 0, n);
                        } else {
                            out.write(chunk, 0, n);
                        }
                    } catch (Throwable e) { // an Error from a consumer too: a dead pump would block the child
                        // Keep draining so the child never blocks on a full pipe; the wait then fails with it.
                        failed.set(true);
                        delivery.failed(pid, ch.name, e);
                    }
                }
            }
        });
        ch.onReady = task;
        ch.arm(Epoll.EPOLLIN);
    }

    private CompletableFuture<Void> pumpInput(PipeChannel ch, InputStream in) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        byte[] chunk = new byte[CHUNK];
        int[] pending = {0, 0}; // offset, length
        Runnable task = onReady(ch, "stdin-", () -> {
            while (true) {
                if (pending[1] == 0) {
                    int n;
                    try {
                        n = in.read(chunk); // may block: this is a virtual thread of its own
                    } catch (Throwable e) { // the child must still see the end of its stdin
                        Log.get().log(Level.WARNING, "pid " + pid + ": reading its stdin source failed", e);
                        n = -1;
                    }
                    if (n < 0) {
                        closeChannel(ch, true);
                        done.complete(null);
                        return;
                    }
                    pending[0] = 0;
                    pending[1] = n;
                }
                sync.lock.lock();
                try {
                    if (ch.closed) {
                        done.complete(null);
                        return;
                    }
                    int w;
                    try {
                        w = ch.write(chunk, pending[0], pending[1]);
                    } catch (ErrnoException e) {
                        ch.close(false); // EPIPE: the child stopped reading, as Python ignores
                        done.complete(null);
                        return;
                    }
                    if (w < 0) {
                        ch.arm(Epoll.EPOLLOUT);
                        return;
                    }
                    pending[0] += w;
                    pending[1] -= w;
                } finally {
                    sync.lock.unlock();
                }
            }
        });
        ch.onReady = task;
        ch.arm(Epoll.EPOLLOUT);
        return done;
    }

    /**
     * What a readiness event of {@code ch} runs: {@code work} on a virtual thread of its own. The
     * work's own failure (a read or an epoll_ctl that fails, an OutOfMemoryError) fails the child's
     * I/O as a failure on the reactor thread does ({@link PipeChannel#failed}): the child is killed
     * and the waits fail with it, where a pump that just ended would leave nobody reading its pipe.
     */
    private Runnable onReady(PipeChannel ch, String name, PumpThreads.Work work) {
        return () -> {
            try {
                PumpThreads.start(name + pid, () -> pump(ch, work));
            } catch (Throwable noThread) {
                delivery.pumpFailed(pid, ch.name, noThread);
                throw noThread; // the reactor fails the child's I/O with it (PipeChannel.readyFromReactor)
            }
        };
    }

    /** One readiness event's work, on its pump thread; what it throws fails the child's I/O. */
    private void pump(PipeChannel ch, PumpThreads.Work work) {
        try {
            work.run();
        } catch (Throwable t) {
            try {
                delivery.pumpFailed(pid, ch.name, t); // what the wait then throws
            } finally {
                ch.failed(t); // (also when recording it failed: the child must not block)
            }
        }
    }

    private void closeChannel(PipeChannel ch, boolean atEnd) {
        sync.lock.lock();
        try {
            ch.close(atEnd);
        } finally {
            sync.lock.unlock();
        }
    }

    /**
     * Waits for the output pumps; after a timeout kill, closes what grandchildren still hold after
     * the drain grace ({@code closeAfterGrace}) and ends them.
     *
     * @param timeout the child's deadline, or null without a timeout
     */
    boolean await(long deadline, ChildDeadline timeout, Runnable closeAfterGrace) throws InterruptedException {
        if (pumps.isEmpty()) {
            return true;
        }
        CompletableFuture<Void> all = CompletableFuture.allOf(pumps.toArray(CompletableFuture[]::new));
        while (true) {
            long limit = timeout == null ? deadline : Math.min(deadline, timeout.drainGraceEnd());
            try {
                if (limit == Long.MAX_VALUE) {
                    all.get();
                } else {
                    all.get(Math.max(0, limit - System.nanoTime()), TimeUnit.NANOSECONDS);
                }
                return true;
            } catch (ExecutionException e) {
                return true;
            } catch (TimeoutException e) {
                if (timeout != null && timeout.drainGraceOver()) {
                    closeAfterGrace.run();
                    completeAll();
                    return true;
                }
                if (System.nanoTime() >= deadline) {
                    return false;
                }
            }
        }
    }
}
