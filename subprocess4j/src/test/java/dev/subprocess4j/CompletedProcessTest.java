package dev.subprocess4j;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link CompletedProcess} as a value: equality by content, the check, signals, absent output. */
class CompletedProcessTest {
    private static final List<String> ARGS = List.of("grep", "-c", "x");

    private static byte[] bytes(String s) {
        return s.getBytes(UTF_8);
    }

    @Test
    void resultsWithTheSameContentAreEqualWhateverTheArrayInstances() {
        CompletedProcess a = new CompletedProcess(ARGS, 1, bytes("out"), bytes("err"));
        CompletedProcess b = new CompletedProcess(List.copyOf(ARGS), 1, bytes("out"), bytes("err"));

        assertThat(a).isEqualTo(b);
        assertThat(a.hashCode()).isEqualTo(b.hashCode());
    }

    @Test
    void resultsDifferingInAnyFieldAreNotEqual() {
        CompletedProcess base = new CompletedProcess(ARGS, 1, bytes("out"), bytes("err"));

        assertThat(base)
                .isNotEqualTo(new CompletedProcess(ARGS, 2, bytes("out"), bytes("err")))
                .isNotEqualTo(new CompletedProcess(List.of("grep", "-c", "y"), 1, bytes("out"), bytes("err")))
                .isNotEqualTo(new CompletedProcess(ARGS, 1, bytes("OUT"), bytes("err")))
                .isNotEqualTo(new CompletedProcess(ARGS, 1, bytes("out"), bytes("err2")))
                .isNotEqualTo(new CompletedProcess(ARGS, 1, null, bytes("err")))
                .isNotEqualTo(new CompletedProcess(ARGS, 1, bytes("out"), null));
        assertThat(new CompletedProcess(ARGS, 0, null, null))
                .as("not captured differs from captured but empty")
                .isNotEqualTo(new CompletedProcess(ARGS, 0, new byte[0], new byte[0]));
    }

    @Test
    void theBytesCannotBeChangedFromOutside() {
        byte[] out = bytes("out");
        CompletedProcess r = new CompletedProcess(ARGS, 0, out, null);
        int hash = r.hashCode();

        out[0] = 'X';
        r.stdoutBytes()[1] = 'X';

        assertThat(r.stdoutBytes()).isEqualTo(bytes("out"));
        assertThat(r.hashCode()).isEqualTo(hash);
        assertThat(r).isEqualTo(new CompletedProcess(ARGS, 0, bytes("out"), null));
    }

    @Test
    void outputIsNullWhenNotCaptured() {
        CompletedProcess r = new CompletedProcess(ARGS, 0, null, null);

        assertThat(r.stdoutBytes()).isNull();
        assertThat(r.stderrBytes()).isNull();
        assertThat(r.stdout()).isNull();
        assertThat(r.stderr()).isNull();
        assertThat(new CompletedProcess(ARGS, 0, new byte[0], null).stdout()).isEmpty();
    }

    @Test
    void textIsDecodedAsUtf8WithUniversalNewlinesAndReplacement() {
        CompletedProcess r = new CompletedProcess(ARGS, 0, bytes("a\r\nb\rc\n\u00e9"), new byte[] {'x', (byte) 0xff});

        assertThat(r.stdout()).isEqualTo("a\nb\nc\n\u00e9");
        assertThat(r.stdoutBytes()).isEqualTo(bytes("a\r\nb\rc\n\u00e9"));
        assertThat(r.stderr()).isEqualTo("x\uFFFD");
    }

    @Test
    void checkReturnCodeReturnsTheSameResultOnZero() {
        CompletedProcess r = new CompletedProcess(ARGS, 0, bytes("3\n"), null);
        assertThat(r.checkReturnCode()).isSameAs(r);
    }

    @Test
    void checkReturnCodeThrowsWithTheWholeResultOnNonZero() {
        CompletedProcess r = new CompletedProcess(ARGS, 2, bytes("partial"), bytes("grep: oops\n"));

        assertThatThrownBy(r::checkReturnCode)
                .isInstanceOfSatisfying(CalledProcessException.class, e -> {
                    assertThat(e).hasMessage("Command grep -c x returned non-zero exit status 2.\nstderr:\ngrep: oops");
                    assertThat(e.returnCode()).isEqualTo(2);
                    assertThat(e.command()).isEqualTo(ARGS);
                    assertThat(e.stdout()).isEqualTo("partial");
                    assertThat(e.stderr()).isEqualTo("grep: oops\n");
                    assertThat(e.result()).isSameAs(r);
                });
        assertThatThrownBy(new CompletedProcess(ARGS, -9, null, null)::checkReturnCode)
                .isInstanceOf(CalledProcessException.class);
    }

    @Test
    void aNegativeReturnCodeIsADeathBySignal() {
        CompletedProcess killed = new CompletedProcess(ARGS, -9, null, null);
        assertThat(killed.killedBySignal()).isTrue();
        assertThat(killed.signal()).contains(Signal.SIGKILL);

        assertThat(new CompletedProcess(ARGS, -15, null, null).signal()).contains(Signal.SIGTERM);

        CompletedProcess realTime = new CompletedProcess(ARGS, -40, null, null);
        assertThat(realTime.killedBySignal()).isTrue();
        assertThat(realTime.signal()).as("a real-time signal has no Signal constant").isEmpty();
    }

    @Test
    void aNonNegativeReturnCodeIsNoSignalEvenAbove128() {
        for (int code : new int[] {0, 1, 137, 143, 255}) {
            CompletedProcess r = new CompletedProcess(ARGS, code, null, null);
            assertThat(r.killedBySignal()).as("code %d", code).isFalse();
            assertThat(r.signal()).as("code %d", code).isEmpty();
        }
    }

    @Test
    void aResultBuiltByHandHasNoPidNoUsageAndZeroElapsed() {
        CompletedProcess r = new CompletedProcess(ARGS, 0, null, null);
        assertThat(r.pid()).isEqualTo(-1);
        assertThat(r.usage()).isEmpty();
        assertThat(r.elapsed()).isZero();
        assertThat(r.args()).isEqualTo(ARGS);
    }
}
