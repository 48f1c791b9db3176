package dev.subprocess4j.internal.linux;

import dev.subprocess4j.internal.linux.ffi.Epoll;
import dev.subprocess4j.internal.linux.ffi.Scratch;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The one lock of a {@link LinuxChild} and of all its parts, the change signal on it, and the
 * waits for a change or for a pipe to be ready. The reactor only flips readiness flags and calls
 * {@link #changedLocked()} under the lock; whoever waits (a stream read, {@code communicate}, a
 * pump task) does the non-blocking I/O itself.
 *
 * <p>It is the lock itself (one object less per live child), and makes its condition only when a
 * thread first waits on it: most children are never waited for that way.
 */
@SuppressWarnings("serial") // never serialized
final class ChildSync extends ReentrantLock {
    /** This lock, by the name its users know it. */
    final ReentrantLock lock = this;
    /** Signalled at each change; made at the first wait (lock held), null before. */
    private Condition changed;
    private long generation;

    /** Something changed (lock held): wakes every waiter. */
    void changedLocked() {
        generation++;
        if (changed != null) {
            changed.signalAll();
        }
    }

    /** {@link #changedLocked()} taking the lock. */
    void wake() {
        lock.lock();
        try {
            changedLocked();
        } finally {
            lock.unlock();
        }
    }

    /** Waits (lock held) until something changes or the deadline passes; false on the deadline. */
    boolean awaitChange(long deadline) throws InterruptedException {
        if (changed == null) {
            changed = newCondition();
        }
        long seen = generation;
        while (seen == generation) {
            if (deadline == Long.MAX_VALUE) {
                changed.await();
            } else {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                changed.awaitNanos(left);
            }
        }
        return true;
    }

    /**
     * Waits (lock held) until one of the channels is ready for its events, something else changes,
     * or the deadline passes (false). A virtual thread arms the channels in the reactor and waits
     * on the lock's condition; a platform thread releases the lock and polls the fds itself, in
     * bounded slices (a hand-off from the reactor thread per chunk would dominate the cost).
     *
     * @param exit the child's exit watcher when the wait should also poll its pidfd, else null
     */
    boolean awaitIo(PipeChannel[] channels, int[] events, int count, long deadline, ExitWatcher exit)
            throws InterruptedException {
        if (Thread.currentThread().isVirtual()) {
            for (int i = 0; i < count; i++) {
                channels[i].arm(events[i]);
            }
            return awaitChange(deadline);
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            return false;
        }
        // communicate() also polls the pidfd when the reactor does not watch it (Command.run()):
        // the exit is then seen here, without a hand-off, also after a timeout kill while
        // grandchildren hold the pipes (the drain grace starts at the reap).
        int[] fds = new int[count + 1]; // (made before beginPoll: nothing between it and the try may fail)
        short[] pollEvents = new short[count + 1];
        int pidfd = exit == null ? -1 : exit.beginPoll();
        boolean pollExit = pidfd >= 0;
        int n = pollExit ? count + 1 : count;
        for (int i = 0; i < count; i++) {
            fds[i] = channels[i].fd;
            pollEvents[i] = events[i] == Epoll.EPOLLOUT ? Epoll.POLLOUT : Epoll.POLLIN;
        }
        if (pollExit) {
            fds[count] = pidfd;
            pollEvents[count] = Epoll.POLLIN;
        }
        int slice = (int) Math.min(100, Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
        short[] revents;
        lock.unlock();
        try {
            try (Scratch arena = Scratch.open()) { // per call: several threads may poll one child
                // A channel closed meanwhile makes poll return at once (POLLNVAL): the caller re-checks.
                MemorySegment pollfds = arena.allocate(8L * n, 8);
                Epoll.pollAny(pollfds, fds, pollEvents, n, slice);
                revents = Epoll.revents(pollfds, n);
            }
            if (pollExit && revents[count] != 0) {
                exit.tryReap(); // sees this thread among the pidfd's users and leaves it open
            }
        } finally {
            lock.lock();
            if (pollExit) {
                exit.endPoll();
            }
        }
        for (int i = 0; i < count; i++) {
            channels[i].pollRevents = revents[i];
        }
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        return true;
    }

    /** Waits (lock held) until {@code ch} is ready for {@code events}, or something else changes. */
    boolean awaitIo(PipeChannel ch, int events, long deadline) throws InterruptedException {
        return awaitIo(new PipeChannel[] {ch}, new int[] {events}, 1, deadline, null);
    }
}
