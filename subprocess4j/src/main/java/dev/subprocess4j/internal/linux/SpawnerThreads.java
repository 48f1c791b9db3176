package dev.subprocess4j.internal.linux;

import dev.subprocess4j.SpawnException;
import dev.subprocess4j.internal.Errno;
import java.util.ArrayDeque;

/**
 * The long-lived threads that spawn children with {@code killOnParentExit}. Linux sends the
 * parent-death signal when the <em>thread</em> that created the child ends (man 2 prctl,
 * PR_SET_PDEATHSIG), so these threads never end before the JVM does.
 *
 * <p>They are started on demand, one more whenever a spawn is queued and no thread is waiting
 * for work, up to {@link #MAX}: concurrent spawns do not wait behind each other until then. A
 * thread that cannot be started (no thread left: {@code ulimit -u}, memory) fails that spawn with
 * {@code EAGAIN} when no spawner thread exists yet, and the next spawn tries again; when some
 * exist, the spawn waits for one of them.
 */
final class SpawnerThreads {
    /** At most this many spawner threads. */
    static final int MAX = Math.max(4, 2 * Runtime.getRuntime().availableProcessors());

    private static final Object LOCK = new Object();
    /** Guarded by {@link #LOCK}. */
    private static final ArrayDeque<Runnable> QUEUE = new ArrayDeque<>();
    /** Threads started; guarded by {@link #LOCK}. */
    private static int started;
    /** Threads waiting for a task; guarded by {@link #LOCK}. */
    private static int waiting;

    private SpawnerThreads() {}

    /**
     * Runs {@code task} on a spawner thread (it must keep its own outcome, as a {@code FutureTask}
     * does).
     *
     * @throws SpawnException {@code EAGAIN} when there is no spawner thread and none could be started
     */
    static void submit(Runnable task, String program) {
        synchronized (LOCK) {
            if (QUEUE.size() + 1 > waiting && started < MAX) {
                try {
                    Thread.ofPlatform().name("subprocess4j-spawner-" + (started + 1)).daemon(true)
                            .start(SpawnerThreads::loop);
                    started++;
                } catch (OutOfMemoryError e) {
                    if (!String.valueOf(e.getMessage()).contains("native thread")) {
                        throw e;
                    }
                    if (started == 0) {
                        throw new SpawnException(SpawnException.Step.PDEATHSIG, Errno.EAGAIN, program,
                                "a subprocess4j-spawner thread (" + e.getMessage() + ")", e);
                    }
                    // the threads there are serve it
                }
            }
            QUEUE.add(task);
            LOCK.notify();
        }
    }

    /** How many spawner threads run (for tests). */
    static int started() {
        synchronized (LOCK) {
            return started;
        }
    }

    /** Never returns: its children would get their parent-death signal when it ended. */
    private static void loop() {
        while (true) {
            Runnable task;
            synchronized (LOCK) {
                while (QUEUE.isEmpty()) {
                    waiting++;
                    try {
                        LOCK.wait();
                    } catch (InterruptedException e) {
                        // nobody may stop this thread
                    } finally {
                        waiting--;
                    }
                }
                task = QUEUE.poll();
            }
            try {
                task.run();
            } catch (Throwable t) {
                // a FutureTask keeps what its spawn threw; nothing else runs here, and nothing may end this thread
            }
        }
    }
}
