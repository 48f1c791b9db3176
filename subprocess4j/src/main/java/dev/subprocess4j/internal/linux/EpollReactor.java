package dev.subprocess4j.internal.linux;

import dev.subprocess4j.internal.Log;
import dev.subprocess4j.internal.linux.ffi.Epoll;
import dev.subprocess4j.internal.linux.ffi.Unistd;
import java.lang.System.Logger.Level;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.PriorityQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntConsumer;

/**
 * The one I/O thread of the Linux backend ({@code subprocess4j-reactor}): it waits with
 * {@code epoll_wait} on every registered fd (child pidfds, pipe ends) and on an eventfd used to
 * wake it, runs deadline timers, and hands readiness to handlers.
 *
 * <p>Every registration is one-shot ({@code EPOLLONESHOT}) and carries a token, not the fd: an
 * event for a registration that was removed meanwhile finds no handler and is dropped, so a
 * recycled fd number is never confused with the old one. {@code epoll_ctl} is thread-safe, so
 * other threads arm and remove registrations directly, without a round trip through this thread.
 * Handlers and timers run on the reactor thread: they only flip state, signal conditions and
 * complete internal futures; they never call user code.
 */
final class EpollReactor {
    private static final long WAKE_TOKEN = 0;
    private static final int MAX_EVENTS = 256;

    /** The reactor once it was made; null before, or after a failed attempt. */
    private static volatile EpollReactor instance;

    /**
     * The reactor, started on first use. Making it needs two fds and a thread; when one is
     * lacking (EMFILE, ENFILE, no thread left), this call fails, nothing is kept, and the next
     * call tries again, so the library works again once the resources come back.
     *
     * @throws ErrnoException when {@code epoll_create1} or {@code eventfd} failed
     * @throws OutOfMemoryError when the thread could not be started
     */
    static EpollReactor get() {
        EpollReactor r = instance;
        if (r == null) {
            synchronized (EpollReactor.class) {
                r = instance;
                if (r == null) {
                    r = new EpollReactor();
                    instance = r;
                }
            }
        }
        return r;
    }

    private final int epfd;
    private final int wakeFd;
    private final ReactorHandlers handlers = new ReactorHandlers();
    private final PriorityQueue<Timer> timers = new PriorityQueue<>();
    /** Cancelled timers still in {@link #timers}; guarded by {@code timers}. */
    private int cancelledInQueue;
    private final Thread thread;

    /** A scheduled action; cancel it with {@link EpollReactor#cancel(Timer)}. */
    static final class Timer implements Comparable<Timer> {
        final long deadlineNanos;
        /** Dropped at cancel: a cancelled timer left in the queue holds on to nothing (no child). */
        volatile Runnable action;
        volatile boolean cancelled;
        /** Whether the timer is in the queue; guarded by the queue. */
        boolean queued;
        private final long order;
        private static final AtomicLong ORDER = new AtomicLong();

        Timer(long deadlineNanos, Runnable action) {
            this.deadlineNanos = deadlineNanos;
            this.action = action;
            this.order = ORDER.incrementAndGet();
        }

        void cancel() {
            cancelled = true;
            action = null;
        }

        @Override
        public int compareTo(Timer o) {
            int c = Long.compare(deadlineNanos - o.deadlineNanos, 0);
            return c != 0 ? c : Long.compare(order, o.order);
        }
    }

    /**
     * The longest single {@code epoll_wait} once the JVM shuts down, in ms; -1 before. HotSpot's
     * exit waits up to 300 ms for every thread that is in native code to leave it (a thread in
     * {@code epoll_wait} counts), so without a cap every JVM that used the library would exit
     * 300 ms late. With it the reactor still serves children started by other shutdown hooks.
     */
    private volatile int shutdownCapMillis = -1;

    private EpollReactor() {
        epfd = Epoll.create();
        int made = -1;
        Thread hook = null;
        try {
            made = Epoll.eventfd();
            Epoll.add(epfd, made, Epoll.EPOLLIN, WAKE_TOKEN);
            wakeFd = made;
            thread = Thread.ofPlatform().name("subprocess4j-reactor").daemon(true).unstarted(this::run);
            hook = Thread.ofPlatform().name("subprocess4j-reactor-exit").unstarted(() -> {
                shutdownCapMillis = SHUTDOWN_CAP_MILLIS;
                wake();
            });
            try {
                Runtime.getRuntime().addShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                hook = null;
                shutdownCapMillis = SHUTDOWN_CAP_MILLIS; // first used by a shutdown hook
            }
            thread.start(); // OutOfMemoryError when no thread can be made: undone below
        } catch (RuntimeException | Error e) {
            if (hook != null) {
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException shuttingDown) {
                    // the hook runs and wakes nobody: harmless
                }
            }
            if (made >= 0) {
                Unistd.closeQuietly(made);
            }
            Unistd.closeQuietly(epfd);
            throw e;
        }
    }

    private static final int SHUTDOWN_CAP_MILLIS = 2;

    /**
     * Registers {@code fd} for {@code events} (one-shot) with a handler that gets the ready
     * events on the reactor thread.
     *
     * @return the token to re-arm or remove the registration
     */
    long register(int fd, int events, IntConsumer handler) {
        long token = handlers.add(handler);
        try {
            Epoll.add(epfd, fd, events | Epoll.EPOLLONESHOT, token);
        } catch (RuntimeException e) {
            handlers.remove(token);
            throw e;
        }
        return token;
    }

    /** How many registrations were ever made (every {@link #register} takes one token; for tests). */
    long registrationsMade() {
        return handlers.made();
    }

    /** How many events the reactor thread handed to a handler (written by that thread only; for tests). */
    private volatile long eventsHandled;

    /** How many events were ever handed to a handler: each one a wake of the reactor thread (for tests). */
    long eventsHandled() {
        return eventsHandled;
    }

    /** Arms a registration again for {@code events}. */
    void rearm(int fd, int events, long token) {
        Epoll.modify(epfd, fd, events | Epoll.EPOLLONESHOT, token);
    }

    /** Removes a registration; call before closing the fd. */
    void deregister(int fd, long token) {
        handlers.remove(token);
        Epoll.delete(epfd, fd);
    }

    /** Runs {@code action} on the reactor thread at {@code deadlineNanos} ({@link System#nanoTime()}). */
    Timer schedule(long deadlineNanos, Runnable action) {
        Timer t = new Timer(deadlineNanos, action);
        synchronized (timers) {
            timers.add(t);
            t.queued = true;
        }
        wake();
        return t;
    }

    /**
     * Cancels a timer: it never runs, and its action is released at once. The timer itself stays
     * in the queue, marked, until it comes to the head or until cancelled timers make up half the
     * queue, when they are all removed in one pass: amortized O(log n) per cancel, where
     * {@code PriorityQueue.remove(Object)} is a linear scan (every exit of a child with a timeout
     * cancels one, so thousands of children with timeouts paid O(n) each).
     */
    void cancel(Timer t) {
        if (t == null) {
            return;
        }
        synchronized (timers) {
            if (t.cancelled) {
                return;
            }
            t.cancel();
            if (t.queued && ++cancelledInQueue > 32 && cancelledInQueue * 2 > timers.size()) {
                timers.removeIf(x -> {
                    if (x.cancelled) {
                        x.queued = false;
                        return true;
                    }
                    return false;
                });
                cancelledInQueue = 0;
            }
        }
    }

    /** The timers in the queue, cancelled ones included (for tests). */
    int queuedTimers() {
        synchronized (timers) {
            return timers.size();
        }
    }

    /** Takes the head of the queue; call with the queue's lock held. */
    private Timer pollTimer() {
        Timer t = timers.poll();
        if (t != null) {
            t.queued = false;
            if (t.cancelled) {
                cancelledInQueue--;
            }
        }
        return t;
    }

    /** Whether the calling thread is the reactor's. */
    boolean isReactorThread() {
        return Thread.currentThread() == thread;
    }

    private void wake() {
        if (Thread.currentThread() == thread) {
            return;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment one = arena.allocate(8, 8);
            dev.subprocess4j.internal.linux.ffi.Mem.putLong(one, 0, 1L);
            Unistd.write(wakeFd, one, 8);
        }
    }

    /**
     * The thread's body: {@link #loop} again whenever anything escaped it. Nothing should (it
     * catches every {@code Throwable}), but under {@code OutOfMemoryError} a throw can come from a
     * {@code catch} block itself (say while the log record is made), and this thread must not end.
     */
    private void run() {
        // made here, not with the reactor: a reactor whose fds or thread could not be made leaks none
        MemorySegment events = Arena.global().allocate(Epoll.EVENT_SIZE * MAX_EVENTS, 8);
        MemorySegment drain = Arena.global().allocate(8, 8);
        while (true) {
            try {
                loop(events, drain);
            } catch (Throwable t) {
                unreported.incrementAndGet();
            }
        }
    }

    private void loop(MemorySegment events, MemorySegment drain) {
        while (true) {
            try {
                int n = Epoll.await(epfd, events, MAX_EVENTS, nextTimeoutMillis());
                for (int i = 0; i < n; i++) {
                    long token = Epoll.tokenAt(events, i);
                    if (token == WAKE_TOKEN) {
                        Unistd.read(wakeFd, drain, 8);
                        continue;
                    }
                    IntConsumer h = handlers.get(token);
                    if (h != null) {
                        eventsHandled++; // this thread alone writes it
                        // One failing handler must not drop the other events of this batch: every
                        // registration is one-shot, so a dropped event would never come again.
                        try {
                            h.accept(Epoll.eventsAt(events, i));
                        } catch (Throwable t) {
                            report("a handler failed (continuing)", t);
                        }
                    }
                }
                runDueTimers();
            } catch (Throwable t) {
                report("unexpected failure (continuing)", t);
            }
        }
    }

    /** Failures the loop could not report (the log itself failed, say under OutOfMemoryError); for tests. */
    private final AtomicLong unreported = new AtomicLong();

    /**
     * Logs a failure of the loop. Logging allocates, so under {@code OutOfMemoryError} it can fail
     * too: that failure is counted and dropped here, because the one thing this thread must never
     * do is end (every child's exit, pipes and timeout depend on it).
     */
    private void report(String what, Throwable t) {
        try {
            Log.get().log(Level.ERROR, "subprocess4j-reactor: " + what, t);
        } catch (Throwable logFailed) {
            unreported.incrementAndGet();
        }
    }

    /** How many failures could not be logged (for tests). */
    long unreportedFailures() {
        return unreported.get();
    }

    private int nextTimeoutMillis() {
        synchronized (timers) {
            while (!timers.isEmpty() && timers.peek().cancelled) {
                pollTimer();
            }
            return timeoutMillis(timers.isEmpty() ? null : timers.peek().deadlineNanos - System.nanoTime(),
                    shutdownCapMillis);
        }
    }

    /**
     * The {@code epoll_wait} timeout: until the next timer ({@code null}: none, wait without end),
     * rounded up to whole ms, and never longer than {@code capMillis} when that is 0 or more (the
     * JVM is shutting down).
     */
    static int timeoutMillis(Long nanosToNextTimer, int capMillis) {
        int millis;
        if (nanosToNextTimer == null) {
            millis = -1;
        } else if (nanosToNextTimer <= 0) {
            millis = 0;
        } else {
            long ceil = nanosToNextTimer / 1_000_000 + (nanosToNextTimer % 1_000_000 != 0 ? 1 : 0); // no overflow
            millis = (int) Math.min(Integer.MAX_VALUE, ceil);
        }
        if (capMillis >= 0 && (millis < 0 || millis > capMillis)) {
            return capMillis;
        }
        return millis;
    }

    private void runDueTimers() {
        while (true) {
            Timer t;
            synchronized (timers) {
                t = timers.peek();
                if (t == null || t.deadlineNanos - System.nanoTime() > 0) {
                    return;
                }
                pollTimer();
            }
            Runnable action = t.action;
            if (!t.cancelled && action != null) {
                try {
                    action.run();
                } catch (Throwable e) {
                    report("timer failed", e);
                }
            }
        }
    }
}
