package dev.subprocess4j;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link CalledProcessException}: Python's messages and the failed child's output. */
class CalledProcessExceptionTest {

    @Test
    void aNonZeroExitReadsLikePython() {
        CalledProcessException e = new CalledProcessException(new CompletedProcess(List.of("false", "-x"), 1, null, null));

        assertThat(e).hasMessage("Command false -x returned non-zero exit status 1.");
        assertThat(e.returnCode()).isEqualTo(1);
        assertThat(e.command()).containsExactly("false", "-x");
        assertThat(e).isInstanceOf(SubprocessException.class);
    }

    @Test
    void aDeathBySignalNamesTheSignal() {
        CalledProcessException e = new CalledProcessException(new CompletedProcess(List.of("sleep", "9"), -9, null, null));

        assertThat(e).hasMessage("Command sleep 9 died with SIGKILL.");
        assertThat(e.returnCode()).isEqualTo(-9);
    }

    @Test
    void aDeathByARealTimeSignalNamesItsNumber() {
        CalledProcessException e = new CalledProcessException(new CompletedProcess(List.of("worker"), -34, null, null));

        assertThat(e).hasMessage("Command worker died with unknown signal 34.");
    }

    @Test
    void theCapturedOutputTravelsWithTheException() {
        CompletedProcess r = new CompletedProcess(List.of("make"), 2, "built\n".getBytes(UTF_8), "error\r\n".getBytes(UTF_8));
        CalledProcessException e = new CalledProcessException(r);

        assertThat(e.stdoutBytes()).isEqualTo("built\n".getBytes(UTF_8));
        assertThat(e.stderrBytes()).isEqualTo("error\r\n".getBytes(UTF_8));
        assertThat(e.stdout()).isEqualTo("built\n");
        assertThat(e.stderr()).isEqualTo("error\n");
        assertThat(e.result()).isSameAs(r);

        CalledProcessException uncaptured = new CalledProcessException(new CompletedProcess(List.of("make"), 2, null, null));
        assertThat(uncaptured.stdout()).isNull();
        assertThat(uncaptured.stderrBytes()).isNull();
    }
}
