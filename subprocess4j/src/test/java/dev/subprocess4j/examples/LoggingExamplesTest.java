package dev.subprocess4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subprocess4j.CompletedProcess;
import dev.subprocess4j.Subprocess;
import dev.subprocess4j.fixtures.LeakCheckExtension;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** docs/guide.md: logging through System.Logger, shown with java.util.logging in a second JVM. */
@ExtendWith(LeakCheckExtension.class)
@Timeout(60)
class LoggingExamplesTest {
    @TempDir
    Path tmp;

    @Test
    void spawnsAndExitsAreLoggedAtDebug() throws IOException {
        // tag::logging[]
        // System.Logger writes to java.util.logging unless another backend is installed.
        Path config = Files.writeString(tmp.resolve("logging.properties"), """
                handlers = java.util.logging.ConsoleHandler
                java.util.logging.ConsoleHandler.level = FINE
                java.util.logging.SimpleFormatter.format = %4$s %5$s%n
                dev.subprocess4j.level = FINE
                """);
        String java = ProcessHandle.current().info().command().orElseThrow();
        CompletedProcess r = Subprocess.command(java, "-Djava.util.logging.config.file=" + config,
                        "--enable-native-access=ALL-UNNAMED",
                        "-cp", System.getProperty("java.class.path"), LoggingDemo.class.getName())
                .captureOutput()
                .timeout(Duration.ofSeconds(30))
                .run();

        // LoggingDemo runs: echo 'hello world', with TOKEN=s3cr3t in its environment
        assertThat(r.stderr()).containsPattern("FINE spawned pid [0-9,]+: echo 'hello world' \\(cwd inherited, backend linux-native\\)");
        assertThat(r.stderr()).containsPattern("FINE pid [0-9,]+ exited with 0 after [0-9]+ ms");
        assertThat(r.stderr()).doesNotContain("s3cr3t");        // environment values are never logged
        // end::logging[]
    }
}
