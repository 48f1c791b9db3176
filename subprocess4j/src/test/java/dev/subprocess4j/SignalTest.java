package dev.subprocess4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link Signal}: the Linux numbers of signals 1–31, and {@code of} for every other number. */
class SignalTest {

    /** From the Linux kernel's asm-generic/signal.h (x86_64 and aarch64 agree). */
    @ParameterizedTest(name = "{0} is {1}")
    @CsvSource({
        "SIGHUP, 1", "SIGINT, 2", "SIGQUIT, 3", "SIGILL, 4", "SIGTRAP, 5", "SIGABRT, 6", "SIGBUS, 7",
        "SIGFPE, 8", "SIGKILL, 9", "SIGUSR1, 10", "SIGSEGV, 11", "SIGUSR2, 12", "SIGPIPE, 13",
        "SIGALRM, 14", "SIGTERM, 15", "SIGSTKFLT, 16", "SIGCHLD, 17", "SIGCONT, 18", "SIGSTOP, 19",
        "SIGTSTP, 20", "SIGTTIN, 21", "SIGTTOU, 22", "SIGURG, 23", "SIGXCPU, 24", "SIGXFSZ, 25",
        "SIGVTALRM, 26", "SIGPROF, 27", "SIGWINCH, 28", "SIGIO, 29", "SIGPWR, 30", "SIGSYS, 31"})
    void eachSignalHasItsLinuxNumberAndIsFoundByIt(String name, int number) {
        Signal s = Signal.valueOf(name);
        assertThat(s.number()).isEqualTo(number);
        assertThat(Signal.of(number)).contains(s);
    }

    @Test
    void theSignalsAreExactlyTheNumbers1To31() {
        assertThat(Arrays.stream(Signal.values()).mapToInt(Signal::number).sorted().toArray())
                .isEqualTo(IntStream.rangeClosed(1, 31).toArray());
    }

    @ParameterizedTest(name = "Signal.of({0}) is empty")
    @ValueSource(ints = {0, 32, 34, 64, 65, 128, 137, -1, -9, -15, Integer.MIN_VALUE, Integer.MAX_VALUE})
    void ofIsEmptyForZeroRealTimeNegativeAndUnknownNumbers(int number) {
        assertThat(Signal.of(number)).isEmpty();
    }
}
