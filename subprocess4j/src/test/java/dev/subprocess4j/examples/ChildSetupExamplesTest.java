package dev.subprocess4j.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.subprocess4j.CompletedProcess;
import dev.subprocess4j.Redirect;
import dev.subprocess4j.Rlimit;
import dev.subprocess4j.Signal;
import dev.subprocess4j.Subprocess;
import dev.subprocess4j.fixtures.LeakCheckExtension;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/guide.md: what a child inherits and what the library resets, the environment and the
 * working directory, resource limits, users and groups.
 */
@ExtendWith(LeakCheckExtension.class)
@Timeout(30)
class ChildSetupExamplesTest {
    @TempDir
    Path tmp;

    @Test
    void whatTheChildInheritsAndWhatIsReset() throws IOException {
        // tag::inherit[]
        // Inherited: the environment, the directory, the limits (the whole table is the JVM's).
        assertThat(Subprocess.checkOutput("printenv", "PATH")).isEqualTo(System.getenv("PATH") + "\n");
        assertThat(Subprocess.checkOutput("pwd")).isEqualTo(Path.of("").toAbsolutePath() + "\n");
        assertThat(Subprocess.checkOutput("cat", "/proc/self/limits"))
                .isEqualTo(Files.readString(Path.of("/proc/self/limits")));

        // Reset: only fds 0, 1 and 2 stay open (closeFds(true), the default)...
        assertThat(Subprocess.checkOutput("sh", "-c", "ls /proc/$$/fd")).isEqualTo("0\n1\n2\n");

        // ...no signal is blocked, and none is ignored but glibc's internal 32 and 33.
        assertThat(Subprocess.checkOutput("grep", "^Sig[BI]", "/proc/self/status"))
                .isEqualTo("SigBlk:\t0000000000000000\nSigIgn:\t0000000180000000\n");
        // end::inherit[]
    }

    @Test
    void environmentAndWorkingDirectory() {
        // tag::env-cwd[]
        CompletedProcess r = Subprocess.command("env")
                .clearEnv()                  // start from an empty environment...
                .putEnv("APP_MODE", "test")  // ...and give the child what it needs
                .captureOutput()
                .run();
        assertThat(r.stdout()).isEqualTo("APP_MODE=test\n"); // env was found in /bin:/usr/bin: no PATH

        CompletedProcess changed = Subprocess.command("sh", "-c", "echo \"$PWD ${HOME:-no home} $LEVEL\"")
                .cwd(tmp)                    // the JVM's own directory never changes
                .removeEnv("HOME")           // the rest of the JVM's environment is kept
                .putEnv("LEVEL", "debug")
                .captureOutput()
                .run();
        assertThat(changed.stdout()).isEqualTo(tmp + " no home debug\n");
        // end::env-cwd[]
    }

    @Test
    void resourceLimitsAreSetInTheChildOnly() throws IOException {
        // tag::rlimit[]
        String jvmLimits = Files.readString(Path.of("/proc/self/limits"));

        CompletedProcess r = Subprocess.command("sh", "-c", "ulimit -n")
                .rlimit(Rlimit.NOFILE, 64, 64)       // soft, hard
                .captureOutput()
                .run();
        assertThat(r.stdout()).isEqualTo("64\n");
        assertThat(Files.readString(Path.of("/proc/self/limits"))).isEqualTo(jvmLimits); // the JVM's: unchanged

        // A child that passes a limit meets the kernel: here SIGXFSZ at 1 KiB.
        Path out = tmp.resolve("big.bin");
        CompletedProcess big = Subprocess.command("head", "-c", "4096", "/dev/zero")
                .stdout(Redirect.file(out))
                .rlimit(Rlimit.FSIZE, 1024, 1024)
                .run();
        assertThat(big.signal()).hasValue(Signal.SIGXFSZ);
        assertThat(out).hasSize(1024);
        // end::rlimit[]
    }

    @Test
    void runningAsAnotherUser() {
        assumeTrue(Subprocess.checkOutput("id", "-u").equals("0\n"), "needs root");
        // tag::user[]
        // As root: run the child as nobody, in nobody's primary group and no other group.
        CompletedProcess r = Subprocess.command("sh", "-c", "id -u; id -g; id -G")
                .user("nobody")
                .captureOutput()
                .run();
        assertThat(r.stdout()).isEqualTo("65534\n65534\n65534\n");

        // Supplementary groups only when named.
        CompletedProcess withUsers = Subprocess.command("id", "-G").user("nobody").extraGroups("users")
                .captureOutput().run();
        assertThat(withUsers.stdout()).isEqualTo("65534 100\n");
        // end::user[]
    }
}
