package dev.subprocess4j.internal.linux;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subprocess4j.CompletedProcess;
import dev.subprocess4j.Redirect;
import dev.subprocess4j.Subprocess;
import dev.subprocess4j.fixtures.ClosedStdioMain;
import dev.subprocess4j.fixtures.LeakCheckExtension;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** A JVM started with closed stdin and stderr (as some daemons are) still gets exact spawn errors. */
@ExtendWith(LeakCheckExtension.class)
@Timeout(60)
class LinuxChildSetupClosedStdioTest {

    @Test
    void theErrorPipeNeverTakesFdsZeroToTwo() {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String script = "exec \"$0\" --enable-native-access=ALL-UNNAMED -cp \"$1\" " + ClosedStdioMain.class.getName();
        CompletedProcess r = Subprocess.command("/bin/sh", "-c", script, java, System.getProperty("java.class.path"))
                .stdout(Redirect.PIPE).timeout(Duration.ofSeconds(50)).run();
        assertThat(r.returnCode()).isZero();
        assertThat(r.stdout()).contains("spawn-error errno=ENOENT step=EXEC").contains("ok=fine");
    }
}
