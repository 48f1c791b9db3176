package dev.subprocess4j;

import static dev.subprocess4j.fixtures.ContractSupport.awaitFile;
import static dev.subprocess4j.fixtures.ContractSupport.awaitGone;
import static dev.subprocess4j.fixtures.ContractSupport.killStray;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.subprocess4j.fixtures.ContractSupport;
import dev.subprocess4j.internal.Backend;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Signals: {@code terminate}/{@code kill} and the {@code -N} return code, arbitrary signals and
 * group signals where the backend has them, no-ops after the reap, concurrent waiters.
 */
@EveryBackend
public class SignalContract extends BackendContract {

    @TempDir
    Path dir;

    @Test
    void terminateEndsTheChildWithMinus15() {
        try (Popen p = cmd("sleep", "30").start()) {
            p.terminate();
            assertThat(p.waitFor()).isEqualTo(-15);
            assertThat(p.returnCode()).isEqualTo(OptionalInt.of(-15));

            CompletedProcess r = p.communicate();
            assertThat(r.returnCode()).isEqualTo(-15);
            assertThat(r.killedBySignal()).isTrue();
            assertThat(r.signal()).contains(Signal.SIGTERM);
        }
    }

    @Test
    void killEndsTheChildWithMinus9() {
        try (Popen p = cmd("sleep", "30").stdout(Redirect.PIPE).start()) {
            p.kill();
            CompletedProcess r = p.communicate();
            assertThat(r.returnCode()).isEqualTo(-9);
            assertThat(r.killedBySignal()).isTrue();
            assertThat(r.signal()).contains(Signal.SIGKILL);
            assertThat(r.stdout()).isEmpty();
            assertThat(p.waitFor()).isEqualTo(-9);
            assertThat(p.onExit().join().signal()).contains(Signal.SIGKILL);
        }
    }

    @Test
    void aChildThatHandlesTerminateReportsItsOwnExitStatus() throws Exception {
        Path ready = dir.resolve("ready");
        try (Popen p = cmd("/bin/sh", "-c", "trap 'exit 3' TERM; echo > \"$1\"; while :; do sleep 0.05; done",
                "sh", ready.toString()).start()) {
            awaitFile(ready, Duration.ofSeconds(20));
            p.terminate();
            assertThat(p.waitFor()).isEqualTo(3);
            assertThat(p.onExit().join().killedBySignal()).isFalse();
        }
    }

    @Test
    void sendSignalDeliversAnySignalOnlyWithTheAnySignalFeature() throws Exception {
        Path ready = dir.resolve("ready");
        Command waitsForUsr1 = cmd("/bin/sh", "-c",
                "trap 'echo usr1; exit 5' USR1; echo > \"$1\"; while :; do sleep 0.05; done", "sh", ready.toString())
                .stdout(Redirect.PIPE);
        try (Popen p = waitsForUsr1.start()) {
            awaitFile(ready, Duration.ofSeconds(20));
            if (supports(Backend.Feature.ANY_SIGNAL)) {
                p.sendSignal(Signal.SIGUSR1);
                CompletedProcess r = p.communicate();
                assertThat(r.returnCode()).isEqualTo(5);
                assertThat(r.stdout()).isEqualTo("usr1\n");
            } else {
                assertThatThrownBy(() -> p.sendSignal(Signal.SIGUSR1))
                        .isInstanceOf(UnsupportedOperationException.class)
                        .hasMessageContaining("SIGUSR1")
                        .hasMessageContaining(backend().name());
                assertThat(p.poll()).as("nothing else was sent instead").isEmpty();
                p.kill();
                assertThat(p.communicate().returnCode()).isEqualTo(-9);
            }
        }
    }

    @Test
    void signalGroupReachesTheWholeGroupOnlyWithTheAnySignalFeature() throws Exception {
        Path pidFile = dir.resolve("grandchild.pid");
        Path ready = dir.resolve("ready");
        Command family = cmd("/bin/sh", "-c", "sleep 30 & echo $! > \"$1\"; echo > \"$2\"; wait",
                "sh", pidFile.toString(), ready.toString());
        try {
            if (supports(Backend.Feature.ANY_SIGNAL)) {
                try (Popen p = family.processGroup(0).start()) {
                    awaitFile(ready, Duration.ofSeconds(20));
                    p.signalGroup(Signal.SIGTERM);
                    assertThat(p.waitFor()).isEqualTo(-15);
                    awaitGone(Long.parseLong(Files.readString(pidFile).strip()), Duration.ofSeconds(10));
                }
            } else {
                try (Popen p = family.start()) {
                    awaitFile(ready, Duration.ofSeconds(20));
                    for (Signal s : List.of(Signal.SIGTERM, Signal.SIGKILL, Signal.SIGUSR1)) {
                        assertThatThrownBy(() -> p.signalGroup(s))
                                .isInstanceOf(UnsupportedOperationException.class)
                                .hasMessageContaining("signalGroup")
                                .hasMessageContaining(backend().name());
                    }
                    assertThat(p.poll()).as("nothing else was sent instead").isEmpty();
                    p.kill();
                    assertThat(p.waitFor()).isEqualTo(-9);
                }
            }
        } finally {
            killStray(pidFile);
        }
    }

    @Test
    void signalsAfterTheReapAreNoOps() {
        try (Popen p = cmd("true").start()) {
            assertThat(p.waitFor()).isZero();
            p.terminate();
            p.kill();
            if (supports(Backend.Feature.ANY_SIGNAL)) {
                p.sendSignal(Signal.SIGUSR1);
            }
            assertThat(p.waitFor()).as("the exit status is not rewritten by a late signal").isZero();
            assertThat(p.returnCode()).isEqualTo(OptionalInt.of(0));
        }
    }

    @Test
    void aLateSignalDoesNotTurnAnExitStatusAbove128IntoASignalDeath() {
        // 137 = 128 + SIGKILL and 143 = 128 + SIGTERM, as a shell reports a death by signal
        for (int status : new int[] {137, 143}) {
            try (Popen p = sh("exit " + status).start()) {
                assertThat(p.waitFor()).isEqualTo(status);
                p.kill();
                p.terminate();
                assertThat(p.waitFor()).isEqualTo(status);
                assertThat(p.returnCode()).isEqualTo(OptionalInt.of(status));
                CompletedProcess r = p.communicate();
                assertThat(r.returnCode()).isEqualTo(status);
                assertThat(r.killedBySignal()).isFalse();
            }
        }
    }

    @Test
    void twoWaitersBothSeeTheKillFromAThirdThread() throws Exception {
        try (Popen p = cmd("sleep", "30").start()) {
            CompletableFuture<Integer> first = new CompletableFuture<>();
            CompletableFuture<Integer> second = new CompletableFuture<>();
            Thread a = Thread.ofVirtual().start(() -> first.complete(p.waitFor()));
            Thread b = Thread.ofVirtual().start(() -> second.complete(p.waitFor()));
            awaitBlocked(a);
            awaitBlocked(b);
            assertThat(first).isNotDone();
            assertThat(second).isNotDone();

            Thread killer = Thread.ofVirtual().start(p::kill);

            assertThat(first.get(20, TimeUnit.SECONDS)).isEqualTo(-9);
            assertThat(second.get(20, TimeUnit.SECONDS)).isEqualTo(-9);
            killer.join();
        }
    }

    private static void awaitBlocked(Thread t) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (t.getState() != Thread.State.WAITING && t.getState() != Thread.State.TIMED_WAITING) {
            assertThat(System.nanoTime()).as("%s never blocked in waitFor()", t).isLessThan(deadline);
            Thread.sleep(5);
        }
    }

    @Test
    void killSignalOtherThanTermOrKillNeedsTheAnySignalFeature() throws Exception {
        Path marker = dir.resolve("got-int");
        Command interrupted = cmd("/bin/sh", "-c",
                "trap 'echo int > \"$1\"; kill $!; exit 2' INT; sleep 30 & wait", "sh", marker.toString())
                .timeout(Duration.ofSeconds(1)).killSignal(Signal.SIGINT).killGrace(Duration.ofSeconds(20));
        if (supports(Backend.Feature.ANY_SIGNAL)) {
            assertThatThrownBy(interrupted::run).isInstanceOf(TimeoutExpiredException.class);
            assertThat(Files.readString(marker)).isEqualTo("int\n");
            return;
        }
        for (var attempt : List.<Runnable>of(interrupted::run, () -> interrupted.start().close())) {
            assertThatThrownBy(attempt::run)
                    .isInstanceOf(UnsupportedOperationException.class)
                    .hasMessageContaining("killSignal(SIGINT)")
                    .hasMessageContaining(backend().name());
        }
        assertThat(marker).doesNotExist();
        assertThat(ProcessHandle.current().children()).as("refused before anything was started").isEmpty();
    }
}
