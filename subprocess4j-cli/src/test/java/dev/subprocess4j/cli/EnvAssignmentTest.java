package dev.subprocess4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import picocli.CommandLine.TypeConversionException;

class EnvAssignmentTest {
    private final EnvAssignment.Converter converter = new EnvAssignment.Converter();

    @Test
    void splitsAtTheFirstEquals() {
        assertThat(converter.convert("A=b")).isEqualTo(new EnvAssignment("A", "b"));
        assertThat(converter.convert("A=b=c==")).isEqualTo(new EnvAssignment("A", "b=c=="));
        assertThat(converter.convert("A=")).isEqualTo(new EnvAssignment("A", ""));
    }

    @Test
    void rejectsAMissingEqualsOrKeyWithoutRepeatingTheArgument() {
        assertThatThrownBy(() -> converter.convert("hunter2"))
                .isInstanceOf(TypeConversionException.class)
                .hasMessageNotContaining("hunter2");
        assertThatThrownBy(() -> converter.convert("=hunter2"))
                .isInstanceOf(TypeConversionException.class)
                .hasMessageNotContaining("hunter2");
    }

    @Test
    void toStringHidesTheValue() {
        assertThat(new EnvAssignment("TOKEN", "hunter2")).hasToString("TOKEN=<hidden>");
    }
}
