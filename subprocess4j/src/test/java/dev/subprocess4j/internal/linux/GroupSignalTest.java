package dev.subprocess4j.internal.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.subprocess4j.CompletedProcess;
import dev.subprocess4j.Popen;
import dev.subprocess4j.Signal;
import dev.subprocess4j.Subprocess;
import dev.subprocess4j.fixtures.LeakCheckExtension;
import dev.subprocess4j.fixtures.SignalRefusedMain;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A process group is only signalled while the library can tell it is the child's: never the JVM's
 * own, never after the child was reaped (its number may be another group's by then).
 */
@ExtendWith(LeakCheckExtension.class)
@Timeout(120)
class GroupSignalTest {
    private static final Path NS_LAST_PID = Path.of("/proc/sys/kernel/ns_last_pid");

    private static int jvmGroup() throws IOException {
        String stat = Files.readString(Path.of("/proc/self/stat"));
        return Integer.parseInt(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[2]);
    }

    private static String statOrGone(Path proc) {
        try {
            return Files.readString(proc.resolve("stat"));
        } catch (IOException gone) {
            return "";
        }
    }

    @Test
    void theJvmsOwnGroupIsRefusedWhenTheCommandIsBuilt() throws IOException {
        int own = jvmGroup();
        assertThatThrownBy(() -> Subprocess.command("true").processGroup(own))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("processGroup(" + own + ")")
                .hasMessageContaining("JVM's own process group");
    }

    /**
     * The attack of issue [13]: a child that led its own session is reaped; a new session leader
     * gets the same pid (forced through ns_last_pid, as root) and so the same group number. A group
     * signal through the first handle must not reach the second.
     */
    @Test
    void aReapedChildsGroupIsNeverSignalledEvenWhenItsNumberWasReused() throws Exception {
        for (int attempt = 0; attempt < 20; attempt++) {
            Popen a = Subprocess.command("true").startNewSession().start();
            a.waitFor();
            a.close();
            Files.writeString(NS_LAST_PID, Long.toString(a.pid() - 1));
            try (Popen b = Subprocess.command("sleep", "30").startNewSession().start()) {
                if (b.pid() != a.pid()) {
                    b.kill();
                    b.waitFor();
                    continue; // another process took the number first: try again
                }
                assertThatThrownBy(() -> a.signalGroup(Signal.SIGKILL))
                        .isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("already reaped");
                assertThat(b.returnCode()).as("the new group's leader is alive").isEmpty();
                b.kill();
                assertThat(b.waitFor()).isEqualTo(-9);
                return;
            }
        }
        throw new AssertionError("no pid reuse could be forced in 20 attempts");
    }

    /** As an unprivileged JVM whose child became root: the refusal is a public exception naming EPERM. */
    @Test
    void aSignalTheKernelRefusesIsASubprocessExceptionNamingEperm(@TempDir Path dir) throws Exception {
        Path source = dir.resolve("become-root.c");
        Files.writeString(source, """
                #define _GNU_SOURCE
                #include <unistd.h>
                int main(int argc, char **argv) {
                    if (setresuid(0, 0, 0) != 0) return 1;
                    write(1, "r", 1);
                    execl("/bin/sleep", "sleep", argc > 1 ? argv[1] : "30", (char *) 0);
                    return 2;
                }
                """);
        Path program = dir.resolve("become-root");
        CompletedProcess cc = Subprocess.command("cc", "-o", program.toString(), source.toString()).captureOutput().run();
        assertThat(cc.returnCode()).as(cc.stderr()).isZero();
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Subprocess.checkCall("chmod", "4755", program.toString());
        String classes = String.join(":", Arrays.stream(System.getProperty("java.class.path").split(":"))
                .filter(p -> p.endsWith("classes") || p.endsWith("classes/")).toList());
        CompletedProcess r = Subprocess.command(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "--enable-native-access=ALL-UNNAMED", "-cp", classes, SignalRefusedMain.class.getName(),
                        program.toString())
                .user("nobody").cwd(Path.of("/")).captureOutput().timeout(Duration.ofSeconds(60)).run();
        String pid = r.stdout().lines().filter(l -> l.startsWith("pid=")).findFirst().orElseThrow().substring(4);
        Subprocess.call("kill", "-9", pid);
        assertThat(r.returnCode()).as("stdout: %s%nstderr: %s", r.stdout(), r.stderr()).isZero();
        assertThat(r.stdout().lines().filter(l -> l.startsWith("refused=")))
                .hasSize(2)
                .allSatisfy(l -> assertThat(l).startsWith("refused=dev.subprocess4j.SubprocessException: ")
                        .contains("EPERM"));
        // The timeout's kill refused: the child is waited for, and the TimeoutExpiredException says why.
        assertThat(r.stdout()).contains("timeout=dev.subprocess4j.TimeoutExpiredException: ")
                .containsPattern("timeout=.*the kill failed \\(cannot send SIGKILL to pid \\d+: EPERM.*so the child was waited for");
    }

    /** A child that joined another child's group (as a pipeline's later stages do) signals that group. */
    @Test
    void aChildThatJoinedAnotherGroupSignalsThatGroup() throws Exception {
        try (Popen leader = Subprocess.command("sleep", "30").processGroup(0).start();
             Popen member = Subprocess.command("sleep", "30").processGroup((int) leader.pid()).start()) {
            member.signalGroup(Signal.SIGKILL);
            assertThat(member.waitFor()).isEqualTo(-9);
            assertThat(leader.waitFor()).as("the group's leader got it too").isEqualTo(-9);
        }
    }

    @Test
    void aGroupIsSignalledWhileItsLeaderIsAZombieOrRunning() throws Exception {
        try (Popen p = Subprocess.command("sh", "-c", "sleep 30 & echo $!; wait").startNewSession()
                .stdout(dev.subprocess4j.Redirect.PIPE).start()) {
            String sleeper = new java.io.BufferedReader(new java.io.InputStreamReader(p.stdout())).readLine().strip();
            p.signalGroup(Signal.SIGKILL);
            assertThat(p.waitFor()).isEqualTo(-9);
            // The group's other member got it too: it ends (init reaps it) within moments.
            Path proc = Path.of("/proc", sleeper);
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (Files.exists(proc) && !statOrGone(proc).contains(") Z ") && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(statOrGone(proc)).as("the sleeper, killed through its group").satisfiesAnyOf(
                    st -> assertThat(st).isEmpty(), st -> assertThat(st).contains(") Z "));
        }
    }
}
