package dev.subprocess4j.examples;

import static dev.subprocess4j.examples.Proc.state;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.subprocess4j.CompletedProcess;
import dev.subprocess4j.Popen;
import dev.subprocess4j.Redirect;
import dev.subprocess4j.Signal;
import dev.subprocess4j.Subprocess;
import dev.subprocess4j.fixtures.LeakCheckExtension;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** docs/guide.md: signals and traps, zombies and reaping, return codes. */
@ExtendWith(LeakCheckExtension.class)
@Timeout(30)
class SignalExamplesTest {

    @Test
    void signalsReachAShellThatTrapsThem() throws IOException {
        // tag::signals[]
        try (Popen p = Subprocess.shell("""
                        trap 'echo got USR1' USR1
                        trap 'echo got TERM; exit 3' TERM
                        echo ready
                        while true; do sleep 0.05; done
                        """)
                .stdout(Redirect.PIPE)
                .start()) {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.stdout(), UTF_8));
            assertThat(out.readLine()).isEqualTo("ready");    // the traps are set

            p.sendSignal(Signal.SIGUSR1);
            assertThat(out.readLine()).isEqualTo("got USR1"); // caught: the loop goes on

            p.terminate();                                    // SIGTERM
            assertThat(out.readLine()).isEqualTo("got TERM");
            assertThat(p.waitFor()).isEqualTo(3);             // the trap chose the exit status
        }

        try (Popen p = Subprocess.command("sleep", "30").start()) {
            p.kill();                                         // SIGKILL: cannot be caught
            assertThat(p.waitFor()).isEqualTo(-9);
        }
        // end::signals[]
    }

    @Test
    void zombiesAndReaping() throws Exception {
        // tag::zombie[]
        // sh starts a short sleep in the background, then becomes a long one (exec), which
        // never waits for it: once the short one has exited, it stays a zombie until its parent
        // is gone. (Had it exited before the exec, sh could have reaped it.)
        try (Popen p = Subprocess.command("sh", "-c", "sleep 0.3 & echo $!; exec sleep 10")
                .stdout(Redirect.PIPE).start()) {
            long orphan = Long.parseLong(new BufferedReader(new InputStreamReader(p.stdout(), UTF_8)).readLine());
            for (int i = 0; i < 500 && state(orphan) != 'Z'; i++) {
                Thread.sleep(10);
            }
            assertThat(state(orphan)).isEqualTo('Z');
            assertThat(ProcessHandle.of(orphan).map(ProcessHandle::isAlive)).hasValue(true); // says the JDK
            p.kill();
        }

        // The library reaps every child it starts, even one nobody waits for.
        Popen forgotten = Subprocess.command("true").start();
        for (int i = 0; i < 500 && state(forgotten.pid()) != '-'; i++) {
            Thread.sleep(10);
        }
        assertThat(state(forgotten.pid())).isEqualTo('-'); // reaped: no zombie left
        assertThat(forgotten.waitFor()).isZero(); // and its status kept (recorded just after the reap)
        // end::zombie[]
    }

    @Test
    void returnCodesAndSignalDeaths() {
        // tag::return-codes[]
        assertThat(Subprocess.call("sh", "-c", "exit 3")).isEqualTo(3);
        assertThat(Subprocess.call("sh", "-c", "exit 300")).isEqualTo(44); // the low 8 bits: 300 - 256

        CompletedProcess killed = Subprocess.command("sh", "-c", "kill -TERM $$").run();
        assertThat(killed.returnCode()).isEqualTo(-15);                      // -N: killed by signal N
        assertThat(killed.killedBySignal()).isTrue();
        assertThat(killed.signal()).hasValue(Signal.SIGTERM);

        // A shell reports the same death as 128 + N.
        assertThat(Subprocess.checkOutput("sh", "-c", "sh -c 'kill -TERM $$'; echo $?")).isEqualTo("143\n");
        // end::return-codes[]
    }
}
