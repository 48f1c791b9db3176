package dev.subprocess4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.subprocess4j.fixtures.LeakCheckExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** The static one-liners of {@link Subprocess}, on the JVM's default backend. */
@ExtendWith(LeakCheckExtension.class)
@Timeout(60)
class SubprocessTest {

    @Test
    void backendNamesOneOfTheTwoBackends() {
        assertThat(Subprocess.backend()).isIn("linux-native", "jdk");
    }

    @Test
    void runInheritsTheStreamsAndDoesNotCheck() {
        CompletedProcess r = Subprocess.run("sh", "-c", "exit 3");
        assertThat(r.returnCode()).isEqualTo(3);
        assertThat(r.stdout()).isNull();
        assertThat(r.stderr()).isNull();
        assertThat(r.args()).containsExactly("sh", "-c", "exit 3");
    }

    @Test
    void callReturnsTheReturnCode() {
        assertThat(Subprocess.call("true")).isZero();
        assertThat(Subprocess.call("sh", "-c", "exit 42")).isEqualTo(42);
    }

    @Test
    void checkCallPassesOnZero() {
        assertThatCode(() -> Subprocess.checkCall("true")).doesNotThrowAnyException();
    }

    @Test
    void checkCallThrowsCalledProcessExceptionOnNonZero() {
        CalledProcessException e = catchThrowableOfType(CalledProcessException.class,
                () -> Subprocess.checkCall("false", "-x"));
        assertThat(e).hasMessage("Command false -x returned non-zero exit status 1.");
        assertThat(e.returnCode()).isEqualTo(1);
        assertThat(e.stdout()).isNull();
    }

    @Test
    void checkOutputReturnsTheDecodedStdout() {
        assertThat(Subprocess.checkOutput("sh", "-c", "printf 'h\\303\\251\\r\\nllo'")).isEqualTo("hé\nllo");
    }

    @Test
    void checkOutputThrowsWithTheOutputOnNonZero() {
        CalledProcessException e = catchThrowableOfType(CalledProcessException.class,
                () -> Subprocess.checkOutput("sh", "-c", "echo partial; exit 2"));
        assertThat(e).hasMessage("Command sh -c 'echo partial; exit 2' returned non-zero exit status 2.");
        assertThat(e.stdout()).isEqualTo("partial\n");
        assertThat(e.stderr()).as("stderr is inherited, not captured").isNull();
    }

    @Test
    void getOutputMergesStderrInOrderAndStripsOneTrailingNewline() {
        assertThat(Subprocess.getOutput("echo out1; echo err >&2; echo out2")).isEqualTo("out1\nerr\nout2");
        assertThat(Subprocess.getOutput("printf 'a\\n\\n'")).isEqualTo("a\n");
        assertThat(Subprocess.getOutput("printf 'no newline'")).isEqualTo("no newline");
        assertThat(Subprocess.getOutput("true")).isEmpty();
    }

    @Test
    void getStatusOutputReturnsTheStatusAndTheMergedOutput() {
        assertThat(Subprocess.getStatusOutput("echo x; echo y >&2; exit 3")).isEqualTo(new StatusOutput(3, "x\ny"));
        assertThat(Subprocess.getStatusOutput("echo ok")).isEqualTo(new StatusOutput(0, "ok"));
    }

    @Test
    void missingProgramRaisesSpawnException() {
        assertThatThrownBy(() -> Subprocess.call("subprocess4j-no-such-program"))
                .isInstanceOf(SpawnException.class)
                .hasMessage("No such file or directory: 'subprocess4j-no-such-program'");
    }

    @Test
    void badArgvIsRejectedBeforeAnythingRuns() {
        assertThatThrownBy(() -> Subprocess.run()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("empty");
        assertThatThrownBy(() -> Subprocess.call("echo", "a\0b")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("NUL byte in argument 1");
    }
}
