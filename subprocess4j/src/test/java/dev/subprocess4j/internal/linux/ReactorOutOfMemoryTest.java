package dev.subprocess4j.internal.linux;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subprocess4j.CompletedProcess;
import dev.subprocess4j.Subprocess;
import dev.subprocess4j.fixtures.LeakCheckExtension;
import dev.subprocess4j.fixtures.ReactorOutOfMemoryMain;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * An {@code OutOfMemoryError} on the reactor thread fails the calls it was serving, and nothing
 * else: every future completes (a value or that error), no child is left, and the reactor goes on
 * (a timeout afterwards still fires). In a JVM of its own with a 256 MiB heap.
 */
@ExtendWith(LeakCheckExtension.class)
@Timeout(300)
class ReactorOutOfMemoryTest {
    @Test
    void anOutOfMemoryErrorWhileTheReactorReadsFailsThoseCallsAndTheReactorGoesOn() {
        CompletedProcess r = Subprocess.command(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "--enable-native-access=ALL-UNNAMED", "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                        ReactorOutOfMemoryMain.class.getName(), "8")
                .captureOutput().timeout(Duration.ofSeconds(240)).run();
        assertThat(r.returnCode()).as("stdout: %s%nstderr: %s", r.stdout(), r.stderr()).isZero();
        assertThat(r.stdout()).as(r.stderr())
                .containsPattern("completed=\\d+ failed=[1-8] pending=0")
                .containsPattern("timeout=true after-ms=\\d+")
                .contains("after=ok", "children=0");
    }
}
