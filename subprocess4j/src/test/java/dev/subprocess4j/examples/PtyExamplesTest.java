package dev.subprocess4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subprocess4j.CompletedProcess;
import dev.subprocess4j.Popen;
import dev.subprocess4j.Redirect;
import dev.subprocess4j.Subprocess;
import dev.subprocess4j.fixtures.LeakCheckExtension;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** docs/guide.md: pseudo-terminals. */
@ExtendWith(LeakCheckExtension.class)
@Timeout(60)
class PtyExamplesTest {

    @Test
    void aChildOnATerminal() throws Exception {
        // tag::pty-run[]
        CompletedProcess r = Subprocess.shell("test -t 1 && echo on a terminal; stty size")
                .pty(100, 30)
                .stdout(Redirect.PIPE)
                .run();
        assertThat(r.stdoutBytes()).isEqualTo("on a terminal\r\n30 100\r\n".getBytes(StandardCharsets.US_ASCII));
        assertThat(r.stdout()).isEqualTo("on a terminal\n30 100\n"); // universal newlines
        // end::pty-run[]
    }

    @Test
    void aPromptAnsweredAndAResize() throws Exception {
        // tag::pty-interactive[]
        try (Popen p = Subprocess.shell("stty -echo; printf 'Password: '; read pw; stty echo; echo; "
                + "trap 'stty size; exit 0' WINCH; echo got ${#pw} characters; while :; do sleep 0.1; done")
                .pty()
                .start()) {
            InputStream terminal = p.stdout();
            OutputStream keyboard = p.stdin();
            ByteArrayOutputStream shown = new ByteArrayOutputStream();
            byte[] buffer = new byte[1024];
            while (!shown.toString(StandardCharsets.UTF_8).endsWith("Password: ")) {
                shown.write(buffer, 0, terminal.read(buffer));
            }
            keyboard.write("s3cr3t\n".getBytes(StandardCharsets.UTF_8)); // typed, not echoed
            keyboard.flush();
            while (!shown.toString(StandardCharsets.UTF_8).endsWith("characters\r\n")) {
                shown.write(buffer, 0, terminal.read(buffer));
            }
            p.resize(132, 43); // the child gets SIGWINCH
            shown.write(terminal.readAllBytes()); // to the end: the master's EIO is end of file
            assertThat(p.waitFor()).isZero();
            assertThat(shown.toString(StandardCharsets.UTF_8))
                    .isEqualTo("Password: \r\ngot 6 characters\r\n43 132\r\n");
        }
        // end::pty-interactive[]
    }
}
