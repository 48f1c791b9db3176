package dev.subprocess4j.examples;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.subprocess4j.Command;
import dev.subprocess4j.CompletedProcess;
import dev.subprocess4j.Popen;
import dev.subprocess4j.Redirect;
import dev.subprocess4j.Subprocess;
import dev.subprocess4j.fixtures.LeakCheckExtension;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * docs/guide.md: how a process is created, pids, blocking and non-blocking runs, memory
 * isolation, process groups and sessions. The regions between {@code tag::} and {@code end::}
 * are quoted verbatim by the guide ({@link GuideSnippetsTest} checks it).
 */
@ExtendWith(LeakCheckExtension.class)
@Timeout(30)
class ProcessBasicsExamplesTest {

    @Test
    void theChildRunsAnotherProgramInANewProcess() {
        // tag::create[]
        assertThat(Subprocess.backend()).isEqualTo("linux-native"); // the library's own clone on Linux

        // The child's /proc/self/exe is the program it executes, not java.
        String exe = Subprocess.checkOutput("readlink", "/proc/self/exe").strip();
        assertThat(exe).endsWith("/readlink");
        // end::create[]
    }

    @Test
    void theChildHasItsOwnPidAndTheJvmIsItsParent() {
        // tag::pids[]
        CompletedProcess r = Subprocess.command("sh", "-c", "echo $$ $PPID").captureOutput().run();

        String[] ids = r.stdout().strip().split(" ");
        long childPid = Long.parseLong(ids[0]);
        long parentPid = Long.parseLong(ids[1]);
        assertThat(childPid).isEqualTo(r.pid());
        assertThat(parentPid).isEqualTo(ProcessHandle.current().pid()); // the JVM
        // end::pids[]
    }

    @Test
    void runBlocksWhileStartReturnsAtOnce() {
        // tag::run-vs-popen[]
        // run(): start, wait for the exit, return the result.
        CompletedProcess done = Subprocess.command("echo", "hello").captureOutput().run();
        assertThat(done.stdout()).isEqualTo("hello\n");

        // start(): returns at once with a running child.
        try (Popen p = Subprocess.command("sh", "-c", "read name; echo \"hello $name\"")
                .stdin(Redirect.PIPE).stdout(Redirect.PIPE).start()) {
            assertThat(p.poll()).isEmpty(); // still running: it waits for a line on stdin
            CompletedProcess r = p.communicate("Ada\n".getBytes(UTF_8), Duration.ofSeconds(5));
            assertThat(r.stdout()).isEqualTo("hello Ada\n");
            assertThat(p.returnCode()).hasValue(0);
        }

        // runAsync(): run() as a CompletableFuture; no thread waits for the child.
        CompletableFuture<CompletedProcess> later = Subprocess.command("echo", "later").captureOutput().runAsync();
        assertThat(later.join().stdout()).isEqualTo("later\n");
        // end::run-vs-popen[]
    }

    @Test
    void aChildCannotChangeTheParentsVariables() {
        // tag::isolation[]
        Command greet = Subprocess.shell("""
                        echo "before: $GREETING"
                        GREETING=changed; cd /
                        echo "after: $GREETING in $PWD"
                        """)
                .putEnv("GREETING", "hello")
                .captureOutput();

        assertThat(greet.run().stdout()).isEqualTo("before: hello\nafter: changed in /\n");
        assertThat(greet.run().stdout()).startsWith("before: hello\n"); // the next child starts afresh
        assertThat(System.getenv("GREETING")).isNull();                 // the JVM never had it
        // end::isolation[]
    }

    @Test
    void aNewSessionAndANewProcessGroup() throws IOException {
        // tag::groups[]
        // Fields 5 and 6 of /proc/<pid>/stat: process group id and session id.
        String[] jvm = Files.readString(Path.of("/proc/self/stat")).split(" ");

        CompletedProcess own = Subprocess.command("cat", "/proc/self/stat").captureOutput().run();
        String[] plain = own.stdout().split(" ");
        assertThat(plain[4]).isEqualTo(jvm[4]); // by default: the JVM's group
        assertThat(plain[5]).isEqualTo(jvm[5]); // and session

        CompletedProcess grouped = Subprocess.command("cat", "/proc/self/stat").processGroup(0).captureOutput().run();
        String[] leader = grouped.stdout().split(" ");
        assertThat(leader[4]).isEqualTo(String.valueOf(grouped.pid())); // leads a group of its own
        assertThat(leader[5]).isEqualTo(jvm[5]);                        // in the JVM's session

        CompletedProcess session = Subprocess.command("cat", "/proc/self/stat").startNewSession().captureOutput().run();
        String[] sessionLeader = session.stdout().split(" ");
        assertThat(sessionLeader[4]).isEqualTo(String.valueOf(session.pid())); // new group
        assertThat(sessionLeader[5]).isEqualTo(String.valueOf(session.pid())); // and new session
        // end::groups[]
    }
}
