package dev.subprocess4j.internal.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.subprocess4j.CompletedProcess;
import dev.subprocess4j.Popen;
import dev.subprocess4j.Subprocess;
import dev.subprocess4j.SubprocessException;
import dev.subprocess4j.TimeoutExpiredException;
import dev.subprocess4j.cliaccess.CliAccess;
import dev.subprocess4j.fixtures.LeakCheckExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code Command.run()} on a platform thread leaves the reactor out: the caller polls the child's
 * pidfd (and its pipes) itself, so no registration is made for it (counted through the reactor's
 * token counter). Whatever makes the caller stop waiting early still ends with the child reaped.
 */
@ExtendWith(LeakCheckExtension.class)
@Timeout(60)
class LinuxRunWatchTest {
    private final EpollReactor reactor = EpollReactor.get();

    @TempDir
    Path dir;

    @Test
    void runOnAPlatformThreadRegistersNothingWithTheReactor() {
        Subprocess.command("/bin/true").run(); // the reactor and the bindings are up
        long before = reactor.registrationsMade();
        for (int i = 0; i < 20; i++) {
            assertThat(Subprocess.command("/bin/true").run().returnCode()).isZero();
            CompletedProcess r = Subprocess.command("/bin/echo", "test").captureOutput().run();
            assertThat(r.stdout()).isEqualTo("test\n");
            assertThat(r.stderr()).isEmpty();
            assertThat(Subprocess.command("/bin/sh", "-c", "exit 3").run().returnCode()).isEqualTo(3);
        }
        assertThat(reactor.registrationsMade() - before).as("reactor registrations for 60 run() calls").isZero();
    }

    @Test
    void startStillRegistersThePidfdSoADroppedChildIsReaped() throws Exception {
        long before = reactor.registrationsMade();
        Popen p = Subprocess.command("/bin/true").start();
        assertThat(reactor.registrationsMade() - before).as("the pidfd of a started child").isEqualTo(1);
        long pid = p.pid();
        // nobody waits: the reactor reaps it
        awaitReaped(pid, "reaped by the reactor");
        assertThat(p.waitFor()).isZero();
    }

    /**
     * {@code start()} then {@code communicate()} on a platform thread: the caller polls the pidfd
     * with the pipes and reaps, so the reactor thread is not woken for the exit, also when the
     * child exits long before its pipes end (a grandchild holds them).
     */
    @Test
    void communicateOnAPlatformThreadReapsTheChildWithoutWakingTheReactor() {
        Subprocess.command("/bin/true").run(); // the reactor and the bindings are up
        for (int i = 0; i < 3; i++) {
            long before = reactor.eventsHandled();
            // The child exits 0.2 s after its start (after communicate() began, even on a slow
            // machine), while its grandchild holds the pipes 0.3 s longer.
            Popen p = Subprocess.command("/bin/sh", "-c", "(sleep 0.5; echo late) & sleep 0.2; echo early")
                    .captureOutput().start();
            CompletedProcess r = p.communicate();
            assertThat(r.stdout()).isEqualTo("early\nlate\n");
            assertThat(r.returnCode()).isZero();
            assertThat(reactor.eventsHandled() - before).as("reactor events for the child's exit").isZero();
        }
    }

    /** The CLI's workers start a job and communicate at once: as run(), without the reactor. */
    @Test
    void startToWaitThenCommunicateRegistersNothingWithTheReactor() {
        Subprocess.command("/bin/true").run(); // the reactor and the bindings are up
        long before = reactor.registrationsMade();
        long events = reactor.eventsHandled();
        for (int i = 0; i < 20; i++) {
            try (Popen p = CliAccess.startToWait(Subprocess.command("/bin/sh", "-c", "echo out; echo err >&2; exit 3")
                    .captureOutput())) {
                CompletedProcess r = p.communicate();
                assertThat(r.returnCode()).isEqualTo(3);
                assertThat(r.stdout()).isEqualTo("out\n");
                assertThat(r.stderr()).isEqualTo("err\n");
            }
        }
        assertThat(reactor.registrationsMade() - before).as("reactor registrations for 20 children").isZero();
        assertThat(reactor.eventsHandled() - events).as("reactor events for 20 children").isZero();
    }

    /** A caller of startToWait that stops waiting (a timeout) hands the exit to the reactor: no zombie. */
    @Test
    void aChildStartedToWaitIsReapedByTheReactorAfterItsCallerStoppedWaiting() throws Exception {
        Path pidFile = dir.resolve("pid");
        Popen p = CliAccess.startToWait(Subprocess.command("/bin/sh", "-c", "echo $$ > \"$1\"; exec sleep 30", "sh",
                pidFile.toString()).captureOutput());
        try {
            long pid = awaitPid(pidFile);
            long before = reactor.registrationsMade();
            assertThatThrownBy(() -> p.communicate(Duration.ofMillis(200))).isInstanceOf(TimeoutExpiredException.class);
            assertThat(reactor.registrationsMade() - before).as("the pidfd handed to the reactor").isEqualTo(1);
            p.kill();
            // nobody waits: the reactor reaps it
            awaitReaped(pid, "killed and reaped by the reactor (no zombie)");
        } finally {
            p.kill();
            p.close();
        }
    }

    @Test
    void runOnAVirtualThreadStillWorks() throws Exception {
        AtomicReference<CompletedProcess> out = new AtomicReference<>();
        Thread t = Thread.ofVirtual().start(() ->
                out.set(Subprocess.command("/bin/sh", "-c", "echo out; echo err >&2; exit 4").captureOutput().run()));
        t.join();
        assertThat(out.get().returnCode()).isEqualTo(4);
        assertThat(out.get().stdout()).isEqualTo("out\n");
        assertThat(out.get().stderr()).isEqualTo("err\n");
    }

    @Test
    void anInterruptedRunKillsTheChildAndItIsStillReaped() throws Exception {
        Path pidFile = dir.resolve("pid");
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread t = Thread.ofPlatform().start(() -> {
            try {
                Subprocess.command("/bin/sh", "-c", "echo $$ > \"$1\"; exec sleep 30", "sh", pidFile.toString())
                        .captureOutput().run();
            } catch (Throwable e) {
                thrown.set(e);
            }
        });
        long pid = awaitPid(pidFile);
        t.interrupt();
        t.join(TimeUnit.SECONDS.toMillis(20));
        assertThat(t.isAlive()).as("run() returned after the interrupt").isFalse();
        assertThat(thrown.get()).isInstanceOf(SubprocessException.class);
        // the child was killed; the caller left without reaping it, so the reactor must
        awaitReaped(pid, "killed and reaped (no zombie)");
    }

    @Test
    void anInterruptedRunWithoutPipesKillsTheChildAndItIsStillReaped() throws Exception {
        Path pidFile = dir.resolve("pid");
        Thread t = Thread.ofPlatform().start(() -> {
            try {
                Subprocess.command("/bin/sh", "-c", "echo $$ > \"$1\"; exec sleep 30", "sh", pidFile.toString()).run();
            } catch (SubprocessException expected) {
                // interrupted
            }
        });
        long pid = awaitPid(pidFile);
        t.interrupt();
        t.join(TimeUnit.SECONDS.toMillis(20));
        assertThat(t.isAlive()).isFalse();
        awaitReaped(pid, "killed and reaped (no zombie)");
    }

    @Test
    void aTimedOutRunWhoseGrandchildHoldsThePipesReturnsAfterTheGraceWithoutTheReactorReaping() throws Exception {
        Path grandchild = dir.resolve("grandchild");
        long before = reactor.registrationsMade();
        long start = System.nanoTime();
        assertThatThrownBy(() -> Subprocess.command("/bin/sh", "-c", "sleep 30 & echo $! > \"$1\"; echo started; wait",
                        "sh", grandchild.toString())
                .captureOutput().timeout(Duration.ofSeconds(1)).run()) // "started" first, however slow the machine
                .isInstanceOf(TimeoutExpiredException.class)
                .satisfies(e -> assertThat(((TimeoutExpiredException) e).stdout()).isEqualTo("started\n"));
        // the caller saw the exit on the pidfd it polls with the pipes; the grace then closed them
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(20));
        assertThat(reactor.registrationsMade() - before).as("no pidfd registration for run()").isZero();
        // the grandchild (sleep 30) is not ours (left to init, as documented): end it here
        ProcessHandle.of(awaitPid(grandchild)).ifPresent(ProcessHandle::destroyForcibly);
    }

    @Test
    void onExitOfAStartedChildAfterASyncWaiterBegan() throws Exception {
        try (Popen p = Subprocess.command("/bin/sh", "-c", "sleep 0.3; exit 5").start()) {
            CompletableFuture<Integer> sync = CompletableFuture.supplyAsync(p::waitFor, r -> Thread.ofPlatform().start(r));
            Thread.sleep(50); // the platform waiter has most likely taken the pidfd from the reactor
            CompletableFuture<CompletedProcess> async = p.onExit();
            assertThat(async.get(20, TimeUnit.SECONDS).returnCode()).isEqualTo(5);
            assertThat(sync.get(20, TimeUnit.SECONDS)).isEqualTo(5);
        }
    }

    private static long awaitPid(Path pidFile) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            if (Files.exists(pidFile)) {
                String s = Files.readString(pidFile);
                if (s.endsWith("\n")) {
                    return Long.parseLong(s.strip());
                }
            }
            Thread.sleep(5);
        }
        throw new AssertionError("the child did not write its pid");
    }

    /** Waits up to 10 s for {@code pid} to be gone, zombie included, then asserts it is. */
    private static void awaitReaped(long pid, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (ProcessHandle.of(pid).isPresent() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(ProcessHandle.of(pid)).as("pid %d " + what, pid).isEmpty();
    }
}
