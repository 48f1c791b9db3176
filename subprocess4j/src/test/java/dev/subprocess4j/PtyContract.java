package dev.subprocess4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.subprocess4j.internal.Backend;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code pty()}: a terminal on a backend that has one, a clear refusal on the others, and its
 * arguments checked on every backend. The native backend's behaviour in depth: PtyTest.
 */
@EveryBackend
public class PtyContract extends BackendContract {
    @TempDir
    Path tmp;

    @Test
    void aTerminalOrAClearRefusal() {
        Command c = sh("test -t 0 && test -t 1 && test -t 2 && echo tty").pty();
        if (supports(Backend.Feature.PTY)) {
            CompletedProcess r = c.run();
            assertThat(r.stdout()).isEqualTo("tty\n");
            assertThat(r.stdoutBytes()).isEqualTo("tty\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        } else {
            assertThatThrownBy(c::run).isInstanceOf(UnsupportedOperationException.class)
                    .hasMessageContaining("pty()").hasMessageContaining(backend().name());
        }
    }

    @Test
    void sizesAreChecked() {
        assertThatThrownBy(() -> cmd("true").pty(0, 24)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("columns").hasMessageContaining("0");
        assertThatThrownBy(() -> cmd("true").pty(80, 65536)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("rows").hasMessageContaining("65536");
        assertThat(cmd("true").pty(65535, 1)).isNotNull();
    }

    @Test
    void stdoutAwayFromTheTerminalIsRefused() {
        assertThatThrownBy(() -> cmd("true").pty().stdout(Redirect.file(tmp.resolve("out"))).run())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("pty()").hasMessageContaining("stdout");
        assertThat(tmp.resolve("out")).doesNotExist();
    }

    @Test
    void resizeWithoutAPtyIsAnIllegalState() {
        try (Popen p = cmd("true").start()) {
            assertThatThrownBy(() -> p.resize(80, 24)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("pty()");
            assertThatThrownBy(() -> p.resize(0, 24)).isInstanceOf(IllegalArgumentException.class);
            p.waitFor();
        }
    }

    @Test
    void remoteLaunchersRefuseIt() {
        assertThatThrownBy(() -> cmd("true").pty().on(SshLauncher.to("example.invalid")).run())
                .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("pty()")
                .hasMessageContaining("launcher");
        assertThatThrownBy(() -> cmd("true").pty().on(SlurmLauncher.create()).run())
                .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("pty()")
                .hasMessageContaining("launcher");
    }
}
