package dev.subprocess4j;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Running commands to completion: return codes, capture, input. */
public abstract class RunContract extends BackendContract {

    @Test
    void runReturnsTheExitStatusAndCapturesBothStreams() {
        CompletedProcess r = sh("echo out; echo err >&2; exit 3").captureOutput().run();
        assertThat(r.returnCode()).isEqualTo(3);
        assertThat(r.stdout()).isEqualTo("out\n");
        assertThat(r.stderr()).isEqualTo("err\n");
        assertThat(r.args()).containsExactly("/bin/sh", "-c", "echo out; echo err >&2; exit 3");
        assertThat(r.pid()).isPositive();
    }
}
