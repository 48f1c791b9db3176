package dev.subprocess4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine.TypeConversionException;

class DurationConverterTest {

    @ParameterizedTest
    @CsvSource({
        "5s, PT5S",
        "300ms, PT0.3S",
        "2m, PT2M",
        "1.5s, PT1.5S",
        "10, PT10S",
        "0.25, PT0.25S",
        ".5, PT0.5S",
        "2., PT2S",
        "1h, PT1H",
        "1.5m, PT1M30S",
        "0.0000000005, PT0.000000001S",
        "007ms, PT0.007S",
    })
    void parsesNumbersWithAnOptionalUnit(String text, Duration expected) {
        assertThat(DurationConverter.parse(text)).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "s", "5x", "5 s", " 5s", "5S", "-1s", "+1s", "1e3", "1.2.3", "5sec", "ms", ".", "0x10",
        "1,5s"})
    void rejectsWhatIsNotADuration(String text) {
        assertThatThrownBy(() -> DurationConverter.parse(text))
                .isInstanceOf(TypeConversionException.class)
                .hasMessageContaining("'" + text + "' is not a duration");
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "0s", "0.0ms", "0.0000000001s"})
    void rejectsZero(String text) {
        assertThatThrownBy(() -> DurationConverter.parse(text))
                .isInstanceOf(TypeConversionException.class)
                .hasMessageContaining("more than 0");
    }

    @ParameterizedTest
    @ValueSource(strings = {"9999999999999999999", "3000000h"})
    void rejectsWhatDoesNotFitInNanoseconds(String text) {
        assertThatThrownBy(() -> DurationConverter.parse(text))
                .isInstanceOf(TypeConversionException.class)
                .hasMessageContaining("too long");
    }
}
