package dev.subprocess4j.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.subprocess4j.CalledProcessException;
import dev.subprocess4j.Popen;
import dev.subprocess4j.Redirect;
import dev.subprocess4j.Signal;
import dev.subprocess4j.SpawnException;
import dev.subprocess4j.Subprocess;
import dev.subprocess4j.TimeoutExpiredException;
import dev.subprocess4j.fixtures.LeakCheckExtension;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** docs/guide.md: errors, and timeouts with a kill grace and a group kill. */
@ExtendWith(LeakCheckExtension.class)
@Timeout(30)
class ErrorExamplesTest {
    @TempDir
    Path tmp;

    @Test
    void theThreeKindsOfFailure() throws IOException {
        // tag::errors[]
        // 1. The program ran and failed, and the caller asked for a check.
        CalledProcessException failed = catchThrowableOfType(CalledProcessException.class,
                () -> Subprocess.command("sh", "-c", "echo oops >&2; exit 2").captureOutput().check().run());
        assertThat(failed).hasMessage("Command sh -c 'echo oops >&2; exit 2' returned non-zero exit status 2.\nstderr:\noops");
        assertThat(failed.returnCode()).isEqualTo(2);
        assertThat(failed.stderr()).isEqualTo("oops\n");

        // 2. The program could not be started: the errno, and the step that failed.
        SpawnException missing = catchThrowableOfType(SpawnException.class, () -> Subprocess.run("no-such-program"));
        assertThat(missing).hasMessage("No such file or directory: 'no-such-program'");
        assertThat(missing.errnoName()).isEqualTo("ENOENT");
        assertThat(missing.step()).isEqualTo(SpawnException.Step.EXEC);

        SpawnException badDirectory = catchThrowableOfType(SpawnException.class,
                () -> Subprocess.command("ls").cwd(Path.of("/etc/passwd")).run());
        assertThat(badDirectory).hasMessage("Not a directory (chdir): '/etc/passwd'");
        assertThat(badDirectory.step()).isEqualTo(SpawnException.Step.CHDIR);

        Path script = Files.writeString(tmp.resolve("hello"), "echo hello\n"); // no #! line
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        SpawnException noShebang = catchThrowableOfType(SpawnException.class, () -> Subprocess.run(script.toString()));
        assertThat(noShebang.errnoName()).isEqualTo("ENOEXEC");              // no silent /bin/sh

        // 3. The deadline passed: the child was killed; the output so far is kept.
        TimeoutExpiredException slow = catchThrowableOfType(TimeoutExpiredException.class,
                () -> Subprocess.command("sh", "-c", "echo started; exec sleep 10")
                        .captureOutput()
                        .timeout(Duration.ofMillis(500))
                        .run());
        assertThat(slow).hasMessage("Command sh -c 'echo started; exec sleep 10' timed out after 0.5 seconds");
        assertThat(slow.stdout()).isEqualTo("started\n");
        // end::errors[]
    }

    @Test
    void aGroupKillReachesTheGrandchild() {
        // tag::timeout-group[]
        // sh starts a grandchild and waits for it. In a session of its own, the timeout kills
        // the whole process group: the grandchild dies too.
        TimeoutExpiredException e = catchThrowableOfType(TimeoutExpiredException.class,
                () -> Subprocess.command("sh", "-c", "sleep 30 & echo $!; wait")
                        .startNewSession()            // and so killGroupOnTimeout(true)
                        .stdout(Redirect.PIPE)
                        .timeout(Duration.ofMillis(500))
                        .run());
        long grandchild = Long.parseLong(e.stdout().strip());
        assertThat(Proc.deadWithin(grandchild, Duration.ofSeconds(2))).isTrue();   // a zombie for init to reap, or gone
        // end::timeout-group[]
    }

    @Test
    void aKillGraceLetsTheChildCleanUp() {
        // tag::timeout-grace[]
        // SIGTERM first, so the child can clean up; SIGKILL only if it is still there 2 s later.
        TimeoutExpiredException e = catchThrowableOfType(TimeoutExpiredException.class,
                () -> Subprocess.shell("trap 'echo cleaning up; exit 0' TERM; echo working; while true; do sleep 0.05; done")
                        .stdout(Redirect.PIPE)
                        .timeout(Duration.ofMillis(500))
                        .killSignal(Signal.SIGTERM)
                        .killGrace(Duration.ofSeconds(2))
                        .run());
        assertThat(e.stdout()).isEqualTo("working\ncleaning up\n");
        // end::timeout-grace[]
    }

    @Test
    void aWaitWithATimeoutOnlyStopsWaiting() {
        // tag::timeout-wait[]
        try (Popen p = Subprocess.command("sleep", "30").start()) {
            assertThatThrownBy(() -> p.waitFor(Duration.ofMillis(100)))
                    .isInstanceOf(TimeoutExpiredException.class);
            assertThat(p.poll()).isEmpty();                 // still running
            p.kill();
        }
        // end::timeout-wait[]
    }
}
