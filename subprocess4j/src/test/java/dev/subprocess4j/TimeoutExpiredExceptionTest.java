package dev.subprocess4j;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@link TimeoutExpiredException}: Python's message, with the timeout printed as Python prints a float. */
class TimeoutExpiredExceptionTest {

    @Test
    void theMessageReadsLikePython() {
        TimeoutExpiredException e = new TimeoutExpiredException(List.of("sleep", "10"), Duration.ofMillis(300), null, null);

        assertThat(e).hasMessage("Command sleep 10 timed out after 0.3 seconds");
        assertThat(e.command()).containsExactly("sleep", "10");
        assertThat(e.timeout()).isEqualTo(Duration.ofMillis(300));
        assertThat(e).isInstanceOf(SubprocessException.class);
    }

    /** The right column is what Python prints for {@code TimeoutExpired(cmd, <seconds>)}: {@code repr(float)}. */
    @ParameterizedTest(name = "{0} prints as {1}")
    @CsvSource({
        "PT0.3S, 0.3",
        "PT5S, 5.0",
        "PT1.25S, 1.25",
        "PT0.1S, 0.1",
        "PT0.001S, 0.001",
        "PT0S, 0.0",
        "PT1M, 60.0",
        "PT2H30M, 9000.0",
        "PT0.0001S, 0.0001",
        "PT0.00001S, 1e-05",
        "PT0.000015S, 1.5e-05",
        "PT0.000000001S, 1e-09",
        "PT8760H, 31536000.0",
        "PT277777777777H46M40S, 1000000000000000.0",
        "PT2777777777777H46M40S, 1e+16",
    })
    void theTimeoutPrintsAsPythonPrintsTheFloat(String iso, String python) {
        TimeoutExpiredException e = new TimeoutExpiredException(List.of("x"), Duration.parse(iso), null, null);

        assertThat(e).hasMessage("Command x timed out after " + python + " seconds");
    }

    @Test
    void anEffectivelyInfiniteTimeoutStillMakesAMessage() {
        TimeoutExpiredException e = new TimeoutExpiredException(List.of("x"), ChronoUnit.FOREVER.getDuration(), null, null);

        assertThat(e).hasMessage("Command x timed out after 9.223372036854776e+18 seconds");
    }

    @Test
    void thePartialOutputIsKeptAndCannotBeChangedFromOutside() {
        byte[] out = "half\r\n".getBytes(UTF_8);
        TimeoutExpiredException e = new TimeoutExpiredException(List.of("x"), Duration.ofSeconds(1), out, null);
        out[0] = 'X';
        e.stdoutBytes()[1] = 'X';

        assertThat(e.stdoutBytes()).isEqualTo("half\r\n".getBytes(UTF_8));
        assertThat(e.stdout()).isEqualTo("half\n");
        assertThat(e.stderrBytes()).isNull();
        assertThat(e.stderr()).isNull();
    }
}
