package dev.subprocess4j;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Messages that explain a failure on their own: Python's sentence first, the command quoted as a
 * shell reads it ({@link Shlex#join}, as {@code toString()}), then the last lines of the captured
 * stderr, bounded, without the values of the command's environment.
 */
class ExplainingMessagesTest {

    @Test
    void theCommandIsQuotedAsAShellReadsIt() {
        CalledProcessException e = new CalledProcessException(
                new CompletedProcess(List.of("sh", "-c", "echo a, b"), 2, null, null));

        assertThat(e).hasMessage("Command sh -c 'echo a, b' returned non-zero exit status 2.");
        assertThat(e.getMessage()).contains(Shlex.join(e.command()));
        assertThat(e.result().toString()).contains("args=" + Shlex.join(e.command()));
    }

    @Test
    void theLastLinesOfCapturedStderrFollowTheSentence() {
        CalledProcessException e = new CalledProcessException(new CompletedProcess(List.of("make"), 2,
                "built\n".getBytes(UTF_8), "make: *** No rule to make target 'x'.  Stop.\n".getBytes(UTF_8)));

        assertThat(e).hasMessage("Command make returned non-zero exit status 2.\n"
                + "stderr:\nmake: *** No rule to make target 'x'.  Stop.");
    }

    @Test
    void emptyOrUncapturedStderrAddsNothing() {
        assertThat(new CalledProcessException(new CompletedProcess(List.of("x"), 1, null, new byte[0])))
                .hasMessage("Command x returned non-zero exit status 1.");
        assertThat(new CalledProcessException(new CompletedProcess(List.of("x"), 1, "out".getBytes(UTF_8), null)))
                .hasMessage("Command x returned non-zero exit status 1.");
    }

    @Test
    void onlyTheLastTwentyLinesAreKept() {
        String stderr = IntStream.rangeClosed(1, 100).mapToObj(i -> "line " + i + "\n").collect(Collectors.joining());
        CalledProcessException e = new CalledProcessException(new CompletedProcess(List.of("x"), 1, null, stderr.getBytes(UTF_8)));

        String expected = IntStream.rangeClosed(81, 100).mapToObj(i -> "line " + i).collect(Collectors.joining("\n"));
        assertThat(e).hasMessage("Command x returned non-zero exit status 1.\nstderr (last 20 lines):\n" + expected);
    }

    @Test
    void atMostTwoKibibytesOfStderrAreKept() {
        String stderr = "first\n" + "é".repeat(50_000) + "\nlast";
        CalledProcessException e = new CalledProcessException(new CompletedProcess(List.of("x"), 1, null, stderr.getBytes(UTF_8)));

        String tail = e.getMessage().substring(e.getMessage().indexOf('\n') + 1);
        assertThat(tail).startsWith("stderr (last 2 KiB):\n").endsWith("\nlast").doesNotContain("first").doesNotContain("\uFFFD");
        assertThat(tail.getBytes(UTF_8).length).isLessThanOrEqualTo(2048 + 40);
    }

    @Test
    void controlCharactersOfStderrAreEscaped() {
        CalledProcessException e = new CalledProcessException(new CompletedProcess(List.of("x"), 1, null,
                "red \u001b[31mtext\r\n".getBytes(UTF_8)));

        assertThat(e).hasMessage("Command x returned non-zero exit status 1.\nstderr:\nred \\x1b[31mtext");
    }

    @Test
    void aRealFailureExplainsItselfWithoutTheEnvironmentValues() {
        CalledProcessException e = catchThrowableOfType(CalledProcessException.class, () -> Subprocess
                .command("sh", "-c", "echo \"oops: token $TOKEN rejected\" >&2; exit 3")
                .putEnv("TOKEN", "s3cr3t-value").captureOutput().check().run());

        assertThat(e.getMessage()).isEqualTo("Command sh -c 'echo \"oops: token $TOKEN rejected\" >&2; exit 3'"
                + " returned non-zero exit status 3.\nstderr:\noops: token *** rejected");
        assertThat(e.stderr()).contains("s3cr3t-value"); // the data itself is the caller's, unchanged
        assertThat(e.toString()).doesNotContain("s3cr3t-value");
    }

    @Test
    void aTimeoutExplainsItselfToo() {
        TimeoutExpiredException e = catchThrowableOfType(TimeoutExpiredException.class, () -> Subprocess
                .command("sh", "-c", "echo starting >&2; echo \"$PASSWORD\" >&2; exec sleep 10")
                .putEnv("PASSWORD", "hunter22").captureOutput().timeout(Duration.ofMillis(500)).run());

        assertThat(e).hasMessage("Command sh -c 'echo starting >&2; echo \"$PASSWORD\" >&2; exec sleep 10'"
                + " timed out after 0.5 seconds\nstderr:\nstarting\n***");
    }

    @Test
    void aTimeoutWithoutOutputIsPythonsSentence() {
        assertThat(new TimeoutExpiredException(List.of("sleep", "10"), Duration.ofMillis(300), null, null))
                .hasMessage("Command sleep 10 timed out after 0.3 seconds");
        assertThat(new TimeoutExpiredException(List.of("sleep", "10"), Duration.ofMillis(300), null, "late\n".getBytes(UTF_8)))
                .hasMessage("Command sleep 10 timed out after 0.3 seconds\nstderr:\nlate");
    }

    @Test
    void aPipelinesTimeoutShowsItsStagesAsAShellWould() {
        TimeoutExpiredException e = catchThrowableOfType(TimeoutExpiredException.class, () -> Subprocess
                .pipeline(Subprocess.command("echo", "a b"), Subprocess.command("sleep", "30"))
                .stdout(Redirect.PIPE).timeout(Duration.ofMillis(300)).run());

        assertThat(e).hasMessage("Command echo 'a b' | sleep 30 timed out after 0.3 seconds");
    }

    @Test
    void communicateTakesATimeoutAlone() {
        try (Popen p = Subprocess.command("sh", "-c", "echo out; echo err >&2")
                .stdout(Redirect.PIPE).stderr(Redirect.PIPE).start()) {
            CompletedProcess r = p.communicate(Duration.ofSeconds(10));
            assertThat(r.stdout()).isEqualTo("out\n");
            assertThat(r.stderr()).isEqualTo("err\n");
        }
    }

    @Test
    void communicateTakesTextInputAndATimeout() {
        try (Popen p = Subprocess.command("sort").stdin(Redirect.PIPE).stdout(Redirect.PIPE).encoding(UTF_8).start()) {
            CompletedProcess r = p.communicate("b\né\na\n", Duration.ofSeconds(10));
            assertThat(r.stdout()).isEqualTo("a\nb\né\n");
        }
    }

    @Test
    void communicateWithATimeoutAloneTimesOutLikeTheOthers() {
        try (Popen p = Subprocess.command("sh", "-c", "echo early; exec sleep 10").stdout(Redirect.PIPE).start()) {
            TimeoutExpiredException e = catchThrowableOfType(TimeoutExpiredException.class,
                    () -> p.communicate(Duration.ofMillis(300)));
            assertThat(e).hasMessage("Command sh -c 'echo early; exec sleep 10' timed out after 0.3 seconds");
            p.kill();
        }
    }
}
