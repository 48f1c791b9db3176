package dev.subprocess4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class SpCompletionTest {

    @Test
    @Timeout(30)
    void bashCompletionNamesEverySubcommandAndTheirOptions() {
        SpRunTest.Sp r = SpRunTest.sp("completion", "bash");
        assertThat(r.status()).isZero();
        assertThat(r.out()).contains("complete -F", "run", "parallel", "bench", "--timeout", "--rlimit", "--progress");
    }

    @Test
    @Timeout(30)
    void theScriptIsValidBash() throws Exception {
        String script = SpRunTest.sp("completion", "bash").out();
        dev.subprocess4j.CompletedProcess r = dev.subprocess4j.Subprocess.command("bash", "-n")
                .input(script).captureOutput().run();
        assertThat(r.returnCode()).as(r.stderr()).isZero();
    }

    @Test
    void anUnknownShellIsAUsageError() {
        SpRunTest.Sp r = SpRunTest.sp("completion", "fish");
        assertThat(r.status()).isEqualTo(2);
        assertThat(r.err()).contains("no completion for shell 'fish'");
    }
}
