package dev.subprocess4j.internal.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.subprocess4j.CompletedProcess;
import dev.subprocess4j.Subprocess;
import dev.subprocess4j.fixtures.LeakCheckExtension;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where close_range(2) is missing (a kernel before 5.9, a seccomp filter), the probe child turns the
 * shared-table spawn off and every spawn takes the copying paths, still closing the JVM's fds: a
 * nested JVM under a seccomp filter that answers close_range with ENOSYS.
 */
@ExtendWith(LeakCheckExtension.class)
@Timeout(120)
class SharedFdTableFallbackTest {
    @TempDir
    Path dir;

    @Test
    void withoutCloseRangeTheProbeTurnsThePathOffAndEverySpawnStillClosesTheJvmsFds() throws IOException {
        assumeTrue(Subprocess.command("sh", "-c", "command -v cc").run().returnCode() == 0, "no C compiler");
        Path source = dir.resolve("no-close-range.c");
        try (InputStream in = SharedFdTableFallbackTest.class.getResourceAsStream("no-close-range.c")) {
            Files.copy(in, source);
        }
        Path launcher = dir.resolve("no-close-range");
        CompletedProcess cc = Subprocess.command("cc", "-O2", "-o", launcher.toString(), source.toString())
                .captureOutput().run();
        assertThat(cc.returnCode()).as(cc.stderr()).isZero();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        CompletedProcess r = Subprocess.command(launcher.toString(), java, "--enable-native-access=ALL-UNNAMED",
                        "-cp", System.getProperty("java.class.path"), SharedFdTableFallbackMain.class.getName())
                .captureOutput().timeout(Duration.ofSeconds(90)).run();
        assertThat(r.returnCode()).as("stderr: %s", r.stderr()).isZero();
        // ls's own directory fd is 3, the lowest free number
        assertThat(r.stdout().lines()).containsExactly("fast 0 [0, 1, 2, 3]", "umask 0 [0, 1, 2, 3]", "exit 3",
                "active false",
                "reason probe child: close_range(CLOSE_RANGE_UNSHARE) failed with ENOSYS");
    }
}
