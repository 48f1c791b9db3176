package dev.subprocess4j;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subprocess4j.fixtures.ContractSupport;
import dev.subprocess4j.fixtures.FdExhaustionMain;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Faults from the outside: early closes on both sides, a close during communicate, no fds left. */
@EveryBackend
public class FaultContract extends BackendContract {

    @Test
    void aConsumerThatClosesStdoutEarlyEndsTheChildWithSigpipe() throws Exception {
        try (Popen p = cmd("yes").stdout(Redirect.PIPE).start()) {
            InputStream out = p.stdout();
            assertThat(out.readNBytes(10_000)).hasSize(10_000);
            out.close();
            assertThat(p.waitFor()).isEqualTo(returnCodeForSignalNotSentByTheLibrary(Signal.SIGPIPE));
        }
    }

    @Test
    void aChildThatClosesStdinEarlyStillGivesItsOutputAndNoError() {
        byte[] input = new byte[64 << 20];
        CompletedProcess r = cmd("head", "-c", "10").input(input).captureOutput().run();
        assertThat(r.returnCode()).isZero();
        assertThat(r.stdoutBytes()).hasSize(10);
    }

    @Test
    @Timeout(30)
    void closeDuringCommunicateEndsBothCallsWithoutHangingOrLeaking() throws Exception {
        Popen p = sh("echo started; exec sleep 1").captureOutput().start();
        CompletableFuture<Object> communicating = CompletableFuture.supplyAsync(() -> {
            try {
                return p.communicate();
            } catch (RuntimeException e) {
                return e;
            }
        });
        Thread.sleep(200);
        p.close(); // closes our pipe ends, then waits for the exit
        assertThat(p.returnCode()).hasValue(0);
        Object result = communicating.get(10, TimeUnit.SECONDS);
        if (result instanceof CompletedProcess r) {
            assertThat(r.returnCode()).isZero();
        } else {
            assertThat(result).isInstanceOf(RuntimeException.class);
        }
    }

    @Test
    @Timeout(30)
    void aChildKilledInTheMiddleOfItsLargeOutputEndsCommunicateWithWhatWasWritten() throws Exception {
        try (Popen p = cmd("yes", "0123456789").stdout(Redirect.PIPE).stderr(Redirect.PIPE).start()) {
            byte[] first = p.stdout().readNBytes(1 << 20); // the child is writing without pause
            assertThat(first).hasSize(1 << 20);
            p.kill();
            long start = System.nanoTime();
            CompletedProcess r = p.communicate((byte[]) null, Duration.ofSeconds(20));
            assertThat(ContractSupport.since(start)).isLessThan(Duration.ofSeconds(10));
            assertThat(r.returnCode()).isEqualTo(-9);
            // the rest is whatever sat in the pipe when it died: whole lines of the same text
            String all = new String(first, java.nio.charset.StandardCharsets.US_ASCII)
                    + new String(r.stdoutBytes(), java.nio.charset.StandardCharsets.US_ASCII);
            assertThat(all.substring(0, all.lastIndexOf('\n') + 1).replace("0123456789\n", "")).isEmpty();
        }
    }

    @Test
    @Timeout(60)
    void aChildThatDiesWhileWeWriteSixtyFourMebibytesToItEndsCommunicateWithItsDeathNotAnError() {
        byte[] input = new byte[64 << 20];
        // reads 1 MiB of the input, then kills itself while the JVM is still writing
        CompletedProcess r = sh("head -c 1048576 >/dev/null; echo read; kill -9 $$").input(input).captureOutput()
                .timeout(Duration.ofSeconds(50)).run();
        assertThat(r.returnCode()).isEqualTo(returnCodeForSignalNotSentByTheLibrary(Signal.SIGKILL));
        assertThat(r.stdout()).isEqualTo("read\n");
    }

    @Test
    @Timeout(60)
    void runningOutOfFdsIsACleanSpawnErrorAndTheJvmRecovers() {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String script = "ulimit -n 64 && exec \"$0\" --enable-native-access=ALL-UNNAMED -cp \"$1\" "
                + FdExhaustionMain.class.getName() + " " + backend().name();
        CompletedProcess r = Subprocess.command("/bin/sh", "-c", script, java, System.getProperty("java.class.path"))
                .captureOutput().timeout(Duration.ofSeconds(50)).run();
        assertThat(r.returnCode()).as("stderr: %s", r.stderr()).isZero();
        assertThat(r.stdout()).contains("spawn-error errno=EMFILE step=FDS").contains("after: recovered")
                .contains("pipeline-error dev.subprocess4j.SpawnException errno=EMFILE step=FDS");
    }
}
