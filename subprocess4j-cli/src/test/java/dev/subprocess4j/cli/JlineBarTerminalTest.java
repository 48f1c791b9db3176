package dev.subprocess4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The redraw sequence comes from the terminfo entry of the terminal type, through JLine. */
class JlineBarTerminalTest {

    @Test
    void clearLineIsTheTerminalsCarriageReturnAndEraseToEndOfLine() {
        assertThat(JlineBarTerminal.clearLine("xterm-256color")).contains("\r\u001b[K");
        // $TERM unset: JLine's ansi entry.
        assertThat(JlineBarTerminal.clearLine(null)).contains("\r\u001b[K");
    }

    @Test
    void aTerminalThatCannotEraseALineHasNone() {
        assertThat(JlineBarTerminal.clearLine("dumb")).isEmpty();
        assertThat(JlineBarTerminal.clearLine("no-such-terminal-type")).isEmpty();
    }

    @Test
    void stderrUnderTheTestRunnerIsNoTerminal() {
        assertThat(ParallelCommand.stderrMayBeTerminal()).isFalse();
        assertThat(JlineBarTerminal.open()).isEmpty();
    }
}
