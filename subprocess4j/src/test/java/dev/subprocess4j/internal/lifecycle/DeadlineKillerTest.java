package dev.subprocess4j.internal.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subprocess4j.Signal;
import dev.subprocess4j.internal.Deadlines;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The one deadline kill policy, on a scheduler whose clock the test moves. */
class DeadlineKillerTest {
    /** A scheduler that runs nothing until {@link #runDue} is called with a time. */
    private static final class ManualScheduler implements DeadlineKiller.Scheduler {
        record Entry(long at, Runnable action, boolean[] cancelled) {}

        final List<Entry> entries = new ArrayList<>();

        @Override
        public Runnable schedule(long atNanos, Runnable action) {
            Entry e = new Entry(atNanos, action, new boolean[1]);
            entries.add(e);
            return () -> e.cancelled()[0] = true;
        }

        /** Runs every pending action due at {@code now} (in order), including those they schedule. */
        void runDue(long now) {
            for (int i = 0; i < entries.size(); i++) {
                Entry e = entries.get(i);
                if (!e.cancelled()[0] && e.at() - now <= 0) {
                    e.cancelled()[0] = true;
                    e.action().run();
                }
            }
        }

        long pending() {
            return entries.stream().filter(e -> !e.cancelled()[0]).count();
        }
    }

    private static final class FakeChild implements DeadlineKiller.Target {
        final List<String> log = new ArrayList<>();
        boolean alive = true;
        boolean dieOn; // dies at the first signal when set

        @Override
        public boolean alive() {
            return alive;
        }

        @Override
        public void signal(Signal signal, boolean group) {
            log.add((group ? "killpg " : "kill ") + signal);
            if (dieOn) {
                alive = false;
            }
        }

        @Override
        public void timedOut() {
            log.add("timedOut");
        }

        @Override
        public void unresponsive() {
            log.add("unresponsive");
        }

        @Override
        public void deadlinePassedAfterExit() {
            log.add("afterExit");
        }

        int steps;

        @Override
        public void atomically(Runnable step) {
            steps++;
            step.run();
        }
    }

    private final ManualScheduler scheduler = new ManualScheduler();
    private final FakeChild child = new FakeChild();

    @Test
    void signalThenSigkillAfterTheGraceWhileTheChildLives() {
        long deadline = System.nanoTime() + 1_000;
        DeadlineKiller k = DeadlineKiller.arm(deadline, Signal.SIGTERM, Duration.ofSeconds(2), true, false, child, scheduler, "t");
        scheduler.runDue(deadline - 1);
        assertThat(child.log).isEmpty();
        scheduler.runDue(deadline);
        assertThat(child.log).containsExactly("timedOut", "killpg SIGTERM");
        assertThat(k.fired()).isTrue();
        scheduler.runDue(System.nanoTime() + Duration.ofSeconds(2).toNanos());
        assertThat(child.log).containsExactly("timedOut", "killpg SIGTERM", "killpg SIGKILL");
        assertThat(scheduler.pending()).isZero();
        assertThat(child.steps).as("each step under the target's lock").isEqualTo(2);
    }

    /**
     * A signal that fails (a Slurm client that cannot be started, a host that refuses) must not
     * end the sequence: the SIGKILL after the grace, and the last resort after it, still come.
     */
    @Test
    void aSignalThatFailsDoesNotEndTheSequence() {
        DeadlineKiller.Target failing = new DeadlineKiller.Target() {
            @Override
            public boolean alive() {
                return child.alive();
            }

            @Override
            public void signal(Signal signal, boolean group) {
                child.signal(signal, group);
                throw new IllegalStateException("cannot reach the host");
            }

            @Override
            public void timedOut() {
                child.timedOut();
            }

            @Override
            public void unresponsive() {
                child.unresponsive();
            }
        };
        long deadline = System.nanoTime();
        DeadlineKiller.arm(deadline, Signal.SIGTERM, Duration.ofSeconds(2), true, true, failing, scheduler, "t");
        scheduler.runDue(deadline);
        scheduler.runDue(System.nanoTime() + Duration.ofSeconds(2).toNanos());
        scheduler.runDue(System.nanoTime() + Duration.ofSeconds(10).toNanos());
        assertThat(child.log).containsExactly("timedOut", "killpg SIGTERM", "killpg SIGKILL", "unresponsive");
    }

    @Test
    void noSigkillWhenTheFirstSignalEndedTheChild() {
        child.dieOn = true;
        long deadline = System.nanoTime();
        DeadlineKiller.arm(deadline, Signal.SIGINT, Duration.ofMillis(10), false, true, child, scheduler, "t");
        scheduler.runDue(deadline);
        scheduler.runDue(System.nanoTime() + Duration.ofHours(1).toNanos());
        assertThat(child.log).containsExactly("timedOut", "kill SIGINT");
    }

    @Test
    void aChildThatExitedBeforeItsDeadlineIsNeverSignalled() {
        long deadline = System.nanoTime();
        child.alive = false;
        DeadlineKiller k = DeadlineKiller.arm(deadline, Signal.SIGKILL, Duration.ZERO, false, false, child, scheduler, "t");
        scheduler.runDue(deadline);
        assertThat(child.log).as("told, not signalled").containsExactly("afterExit");
        assertThat(k.fired()).isFalse();
    }

    @Test
    void cancelAtTheExitDropsThePendingDeadline() {
        long deadline = System.nanoTime() + 1_000;
        DeadlineKiller k = DeadlineKiller.arm(deadline, Signal.SIGKILL, Duration.ZERO, false, false, child, scheduler, "t");
        assertThat(k.cancel()).as("cancelled before the deadline fired").isTrue();
        assertThat(scheduler.pending()).isZero();
        scheduler.runDue(deadline);
        assertThat(child.log).isEmpty();
    }

    @Test
    void cancelAfterTheKillSignalDropsTheSigkillStep() {
        long deadline = System.nanoTime();
        DeadlineKiller k = DeadlineKiller.arm(deadline, Signal.SIGTERM, Duration.ofSeconds(5), false, false, child, scheduler, "t");
        scheduler.runDue(deadline);
        assertThat(k.cancel()).as("the deadline had fired").isFalse();
        scheduler.runDue(System.nanoTime() + Duration.ofSeconds(6).toNanos());
        assertThat(child.log).containsExactly("timedOut", "kill SIGTERM");
    }

    @Test
    void aSigkillThatDoesNotEndAClientEndsInTheLastResort() {
        long deadline = System.nanoTime();
        DeadlineKiller.arm(deadline, Signal.SIGKILL, Duration.ofSeconds(2), true, true, child, scheduler, "t");
        scheduler.runDue(deadline);
        assertThat(child.log).containsExactly("timedOut", "killpg SIGKILL");
        scheduler.runDue(System.nanoTime() + Duration.ofMillis(2500).toNanos());
        assertThat(child.log).as("one second plus the grace not yet over").containsExactly("timedOut", "killpg SIGKILL");
        scheduler.runDue(System.nanoTime() + Duration.ofMillis(3100).toNanos());
        assertThat(child.log).containsExactly("timedOut", "killpg SIGKILL", "unresponsive");
    }

    /** A timeout or grace beyond System.nanoTime()'s range is "never": nothing is scheduled, nothing throws. */
    @Test
    void deadlinesAndGracesBeyondTheNanosecondRangeScheduleNothing() {
        Duration forever = Duration.ofSeconds(Long.MAX_VALUE);
        DeadlineKiller.arm(Deadlines.after(System.nanoTime(), forever), Signal.SIGKILL, forever, true, true, child,
                scheduler, "t");
        assertThat(scheduler.pending()).isZero();

        long deadline = System.nanoTime();
        DeadlineKiller.arm(deadline, Signal.SIGTERM, forever, true, true, child, scheduler, "t");
        scheduler.runDue(deadline);
        assertThat(child.log).containsExactly("timedOut", "killpg SIGTERM");
        assertThat(scheduler.pending()).as("no SIGKILL step for a grace that never ends").isZero();
    }

    /** The shared scheduler runs a due step on a virtual thread of its own and can cancel a far one. */
    @Test
    void theSharedSchedulerRunsDueStepsAndCancelsFarOnes() throws Exception {
        var ran = new java.util.concurrent.CompletableFuture<Boolean>();
        DeadlineKiller.SHARED.schedule(System.nanoTime(), () -> ran.complete(Thread.currentThread().isVirtual()));
        assertThat(ran.get(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        var cancelledRan = new java.util.concurrent.CountDownLatch(1);
        Runnable cancel = DeadlineKiller.SHARED.schedule(System.nanoTime() + Duration.ofMillis(200).toNanos(),
                cancelledRan::countDown);
        cancel.run();
        var later = new java.util.concurrent.CompletableFuture<Boolean>();
        DeadlineKiller.SHARED.schedule(System.nanoTime() + Duration.ofMillis(400).toNanos(), () -> later.complete(true));
        assertThat(later.get(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue(); // a step due after it ran
        assertThat(cancelledRan.getCount()).as("a cancelled step due 200 ms after it was cancelled ran").isEqualTo(1);
    }
}
