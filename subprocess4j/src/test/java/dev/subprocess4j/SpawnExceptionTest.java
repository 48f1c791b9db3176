package dev.subprocess4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import org.junit.jupiter.api.Test;

/** {@link SpawnException}: Python's {@code OSError} message, errno names, the step. */
class SpawnExceptionTest {

    @Test
    void anExecFailureReadsLikePythonsOsError() {
        SpawnException e = new SpawnException(SpawnException.Step.EXEC, 2, "nosuchprog", "nosuchprog");

        assertThat(e).hasMessage("No such file or directory: 'nosuchprog'");
        assertThat(e.errno()).isEqualTo(2);
        assertThat(e.errnoName()).isEqualTo("ENOENT");
        assertThat(e.step()).isEqualTo(SpawnException.Step.EXEC);
        assertThat(e.program()).isEqualTo("nosuchprog");
        assertThat(e).isInstanceOf(SubprocessException.class);
    }

    @Test
    void aFailureBeforeExecNamesItsStep() {
        SpawnException e = new SpawnException(SpawnException.Step.CHDIR, 20, "ls", "/etc/passwd");

        assertThat(e).hasMessage("Not a directory (chdir): '/etc/passwd'");
        assertThat(e.errnoName()).isEqualTo("ENOTDIR");
        assertThat(e.program()).isEqualTo("ls");
        assertThat(e.toString()).isEqualTo("dev.subprocess4j.SpawnException [ENOTDIR, chdir]: Not a directory (chdir): '/etc/passwd'");
        assertThat(new SpawnException(SpawnException.Step.OPEN_REDIRECT, 13, "cat", "/root/x"))
                .hasMessage("Permission denied (open): '/root/x'");
        assertThat(new SpawnException(SpawnException.Step.SETUID, 1, "id", "nobody"))
                .hasMessage("Operation not permitted (setuid): 'nobody'");
    }

    @Test
    void anUnknownErrnoStillMakesAMessage() {
        SpawnException e = new SpawnException(SpawnException.Step.HELPER, 999, "x", "x");

        assertThat(e).hasMessage("Unknown error 999 (helper): 'x'");
        assertThat(e.errnoName()).isEqualTo("E999");
    }

    @Test
    void theCauseIsKept() {
        IOException cause = new IOException("error=2, No such file or directory");
        assertThat(new SpawnException(SpawnException.Step.EXEC, 2, "x", "x", cause)).hasCause(cause);
    }
}
