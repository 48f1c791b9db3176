package dev.subprocess4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subprocess4j.CompletedProcess;
import dev.subprocess4j.Redirect;
import dev.subprocess4j.Subprocess;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code sp run --pty} through {@code ./sp}: the command runs on a terminal of its own of the size
 * asked for, sp relays its stdin to it and the terminal's output to sp's stdout, and sp exits
 * with the command's status. (sp's stdin is no terminal here; the interactive use, raw mode and
 * resizes, is shown in the note with tmux.)
 */
@Timeout(300)
class SpRunPtyIT {
    private static final Path SP = Path.of("..", "sp").toAbsolutePath().normalize();

    private static CompletedProcess sp(String input, String... args) {
        java.util.List<String> argv = new java.util.ArrayList<>(java.util.List.of(SP.toString(), "run"));
        argv.addAll(java.util.List.of(args));
        return Subprocess.command(argv).input(input.getBytes(java.nio.charset.StandardCharsets.UTF_8))
                .stdout(Redirect.PIPE).stderr(Redirect.PIPE).timeout(Duration.ofSeconds(240)).run();
    }

    @Test
    void theCommandRunsOnATerminalOfTheSizeAskedForAndGetsSpsInput() {
        CompletedProcess r = sp("typed\n", "--pty", "--pty-size", "100x30", "--", "sh", "-c",
                "test -t 0 && test -t 1 && echo tty; stty size; read line; echo got:$line; exit 3");
        assertThat(r.returnCode()).as(r.stderr()).isEqualTo(3);
        assertThat(r.stdout()).contains("tty\n", "30 100\n", "got:typed\n");
    }

    @Test
    void badPtySizesAndConflictsAreBadUsage() {
        assertThat(sp("", "--pty", "--pty-size", "0x10", "--", "true").returnCode()).isEqualTo(125);
        assertThat(sp("", "--pty-size", "80x24", "--", "true").stderr()).contains("--pty-size needs --pty");
        assertThat(sp("", "--pty", "--capture", "--", "true").stderr()).contains("--pty and --capture conflict");
    }
}
