package dev.subprocess4j.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.subprocess4j.CompletedProcess;
import dev.subprocess4j.Subprocess;
import dev.subprocess4j.fixtures.LeakCheckExtension;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.extension.ExtendWith;

/** docs/guide.md: Unix and Windows, and the JDK backend. */
@ExtendWith(LeakCheckExtension.class)
@Timeout(60)
class PlatformExamplesTest {

    @Test
    void theJdkBackendRefusesWhatProcessBuilderCannotDo() {
        // tag::jdk-backend[]
        String java = ProcessHandle.current().info().command().orElseThrow();
        CompletedProcess r = Subprocess.command(java, "-Dsubprocess4j.backend=jdk",
                        "-cp", System.getProperty("java.class.path"), JdkBackendDemo.class.getName())
                .captureOutput()
                .timeout(Duration.ofSeconds(30))
                .run();
        assertThat(r.stdout()).isEqualTo("""
                backend: jdk
                terminated: -15
                killed itself: 143
                refused: startNewSession() is not supported by the jdk backend (ProcessBuilder cannot do it); \
                use the linux-native backend
                """);
        // end::jdk-backend[]
    }

    /** Not run on Linux: the same library on Windows, where the JDK backend is the only one. */
    @Test
    @EnabledOnOs(OS.WINDOWS)
    void onWindows() {
        // tag::windows[]
        // Windows only: not run on Linux.
        assertThat(Subprocess.backend()).isEqualTo("jdk");      // ProcessBuilder, CreateProcessW below it

        CompletedProcess r = Subprocess.command("cmd.exe", "/c", "echo hello").captureOutput().run();
        assertThat(r.stdout()).isEqualTo("hello\n");            // cmd wrote hello\r\n
        assertThat(r.returnCode()).isZero();

        assertThatThrownBy(() -> Subprocess.command("cmd.exe", "/c", "exit").startNewSession().run())
                .isInstanceOf(UnsupportedOperationException.class); // no sessions on Windows
        // end::windows[]
    }
}
