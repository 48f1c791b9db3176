package dev.subprocess4j.internal.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.subprocess4j.LeakCheckExtension;
import dev.subprocess4j.Popen;
import dev.subprocess4j.Signal;
import dev.subprocess4j.Subprocess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

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

    @Test
    void aGroupIsSignalledWhileItsLeaderIsAZombieOrRunning() throws Exception {
        try (Popen p = Subprocess.command("sh", "-c", "sleep 30 & echo $!; wait").startNewSession()
                .stdout(dev.subprocess4j.Redirect.PIPE).start()) {
            String sleeper = new java.io.BufferedReader(new java.io.InputStreamReader(p.stdout())).readLine().strip();
            p.signalGroup(Signal.SIGKILL);
            assertThat(p.waitFor()).isEqualTo(-9);
            assertThat(Path.of("/proc", sleeper)).satisfiesAnyOf(
                    d -> assertThat(d).doesNotExist(),
                    d -> assertThat(Files.readString(d.resolve("stat"))).contains(") Z "));
        }
    }
}
