package dev.subprocess4j.internal.linux;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subprocess4j.Command;
import dev.subprocess4j.CompletedProcess;
import dev.subprocess4j.Popen;
import dev.subprocess4j.Rlimit;
import dev.subprocess4j.Subprocess;
import dev.subprocess4j.fixtures.LeakCheckExtension;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code Command.pty()} on the native backend: the child sees a terminal on 0-2, leads its session
 * with the pty as controlling terminal, gets the window size and its changes, the terminal's keys
 * work, and nothing it wrote before its exit is lost (EIO on the master is end of file). Each on
 * every spawn path: the shared-table clone, the same with a umask and a resource limit, the
 * copying child-setup path (closeFds(false)) and the helper that changes the user (nobody).
 */
@ExtendWith(LeakCheckExtension.class)
@Timeout(300)
class PtyTest {
    /** The spawn paths. */
    enum Path {
        SHARED_TABLE, SHARED_TABLE_UMASK_RLIMIT, COPYING, USER_NOBODY;

        Command on(Command c) {
            return switch (this) {
                case SHARED_TABLE -> c;
                case SHARED_TABLE_UMASK_RLIMIT -> c.umask(022).rlimit(Rlimit.NOFILE, 512, 512);
                case COPYING -> c.closeFds(false);
                case USER_NOBODY -> c.user("nobody");
            };
        }
    }

    private static Command sh(Path path, String script) {
        return path.on(Subprocess.shell(script).pty());
    }

    /** Reads the terminal until {@code marker} was shown; returns everything read. */
    private static String readUntil(InputStream in, String marker, ByteArrayOutputStream seen) throws IOException {
        byte[] b = new byte[4096];
        while (!seen.toString(StandardCharsets.UTF_8).contains(marker)) {
            int n = in.read(b);
            if (n < 0) {
                throw new AssertionError("end of file before " + marker + " in: " + seen.toString(StandardCharsets.UTF_8));
            }
            seen.write(b, 0, n);
        }
        return seen.toString(StandardCharsets.UTF_8);
    }

    private static String readAll(InputStream in, ByteArrayOutputStream seen) throws IOException {
        seen.write(in.readAllBytes());
        return seen.toString(StandardCharsets.UTF_8);
    }

    @ParameterizedTest
    @EnumSource(Path.class)
    void fds0to2AreTheTerminal(Path path) {
        CompletedProcess r = sh(path, "test -t 0 && test -t 1 && test -t 2 && echo all-ttys").run();
        assertThat(r.returnCode()).isZero();
        assertThat(r.stdout()).isEqualTo("all-ttys\n");
        assertThat(r.stdoutBytes()).isEqualTo("all-ttys\r\n".getBytes(StandardCharsets.US_ASCII));
    }

    @ParameterizedTest
    @EnumSource(Path.class)
    void theChildLeadsASessionWhoseControllingTerminalIsThePty(Path path) {
        // tty names the slave; /proc/$$/stat: pid (comm) state ppid pgrp session tty_nr
        CompletedProcess r = sh(path, "tty; read s < /proc/$$/stat; echo \"$$ $s\"").run();
        String[] lines = r.stdout().split("\n");
        Matcher tty = Pattern.compile("/dev/pts/(\\d+)").matcher(lines[0]);
        assertThat(tty.matches()).as(r.stdout()).isTrue();
        int minor = Integer.parseInt(tty.group(1));
        String[] head = lines[1].split(" ", 2);
        long pid = Long.parseLong(head[0]);
        String[] stat = head[1].substring(head[1].lastIndexOf(')') + 2).split(" ");
        assertThat(pid).isEqualTo(r.pid());
        // after "(comm) ": state ppid pgrp session tty_nr tpgid
        assertThat(Long.parseLong(stat[3])).as("session").isEqualTo(pid);
        assertThat(Long.parseLong(stat[2])).as("process group").isEqualTo(pid);
        int ttyNr = (136 << 8) | (minor & 0xff) | ((minor & ~0xff) << 12); // unix98 pty slaves: major 136
        assertThat(Integer.parseInt(stat[4])).as("tty_nr").isEqualTo(ttyNr);
        assertThat(Integer.parseInt(stat[5])).as("foreground group").isEqualTo(pid);
    }

    @ParameterizedTest
    @EnumSource(Path.class)
    void windowSizeAsSetAndAfterAResizeTheChildGetsSigwinch(Path path) throws Exception {
        assertThat(sh(path, "stty size").run().stdout()).isEqualTo("24 80\n");
        assertThat(path.on(Subprocess.shell("stty size").pty(132, 43)).run().stdout()).isEqualTo("43 132\n");
        try (Popen p = path.on(Subprocess.shell("trap 'stty size; exit 7' WINCH; echo ready; "
                + "while :; do sleep 0.05; done").pty(100, 30)).start()) {
            ByteArrayOutputStream seen = new ByteArrayOutputStream();
            readUntil(p.stdout(), "ready\r\n", seen);
            p.resize(120, 50);
            assertThat(readAll(p.stdout(), seen)).isEqualTo("ready\r\n50 120\r\n");
            assertThat(p.waitFor()).isEqualTo(7);
            p.resize(10, 10); // after the exit: nothing
        }
    }

    @ParameterizedTest
    @EnumSource(Path.class)
    void ctrlCInterruptsTheForegroundJob(Path path) throws Exception {
        try (Popen p = sh(path, "trap 'echo INT; exit 3' INT; echo ready; sleep 30").start()) {
            ByteArrayOutputStream seen = new ByteArrayOutputStream();
            readUntil(p.stdout(), "ready\r\n", seen);
            // again until it ends: a ^C that comes while sh has forked but the child has not yet
            // executed sleep is taken by the child as sh's trap and lost, and sh waits for sleep
            assertThat(interruptUntilExit(p)).isEqualTo(3);
            assertThat(readAll(p.stdout(), seen)).contains("INT\r\n");
        }
        try (Popen p = path.on(Subprocess.command("sleep", "30").pty()).start()) {
            p.stdin().write('\u0003');
            p.stdin().flush();
            assertThat(p.waitFor(Duration.ofSeconds(20))).isEqualTo(-2);
        }
    }

    private static int interruptUntilExit(Popen p) throws IOException {
        for (int i = 0; i < 100; i++) {
            p.stdin().write('\u0003');
            p.stdin().flush();
            try {
                return p.waitFor(Duration.ofMillis(300));
            } catch (dev.subprocess4j.TimeoutExpiredException stillRunning) {
                // write ^C again
            }
        }
        throw new AssertionError("^C did not interrupt pid " + p.pid());
    }

    @ParameterizedTest
    @EnumSource(Path.class)
    void ctrlDEndsTheInput(Path path) throws Exception {
        try (Popen p = path.on(Subprocess.command("wc", "-c").pty()).start()) {
            p.stdin().write("abc\n\u0004".getBytes(StandardCharsets.US_ASCII));
            p.stdin().flush();
            assertThat(p.waitFor(Duration.ofSeconds(20))).isZero();
            assertThat(readAll(p.stdout(), new ByteArrayOutputStream()).trim()).endsWith("4");
        }
    }

    @ParameterizedTest
    @EnumSource(Path.class)
    void colours(Path path) {
        CompletedProcess r = path.on(Subprocess.command("ls", "--color=auto", "-d", "/", "/etc").pty()
                .removeEnv("TERM")).run();
        assertThat(r.stdout()).contains("\u001b[");
        assertThat(path.on(Subprocess.shell("echo $TERM").pty().removeEnv("TERM")).run().stdout())
                .isEqualTo("xterm-256color\n");
        assertThat(path.on(Subprocess.shell("echo $TERM").pty().putEnv("TERM", "vt100")).run().stdout())
                .isEqualTo("vt100\n");
        // not on a terminal: no colour
        assertThat(path.on(Subprocess.command("ls", "--color=auto", "-d", "/", "/etc")).captureOutput().run().stdout())
                .doesNotContain("\u001b[");
    }

    @ParameterizedTest
    @EnumSource(Path.class)
    void aPasswordPromptAnsweredThroughStdin(Path path) throws Exception {
        try (Popen p = sh(path, "stty -echo; printf 'Password: '; read p; stty echo; echo; echo got:$p").start()) {
            ByteArrayOutputStream seen = new ByteArrayOutputStream();
            readUntil(p.stdout(), "Password: ", seen);
            p.stdin().write("s3cret\n".getBytes(StandardCharsets.US_ASCII));
            p.stdin().flush();
            String all = readAll(p.stdout(), seen);
            assertThat(p.waitFor()).isZero();
            assertThat(all).isEqualTo("Password: \r\ngot:s3cret\r\n"); // not echoed
        }
    }

    @ParameterizedTest
    @EnumSource(Path.class)
    void transcriptRawAndDecodedAndStderrApartOnlyWhenAsked(Path path) {
        CompletedProcess both = sh(path, "printf 'a\\nb\\n'; echo err >&2").captureOutput().run();
        assertThat(both.stdoutBytes()).isEqualTo("a\r\nb\r\n".getBytes(StandardCharsets.US_ASCII));
        assertThat(both.stdout()).isEqualTo("a\nb\n");
        assertThat(both.stderr()).isEqualTo("err\n");
        CompletedProcess merged = sh(path, "printf 'a\\nb\\n'; echo err >&2")
                .stdout(dev.subprocess4j.Redirect.PIPE).run();
        assertThat(merged.stdout()).isEqualTo("a\nb\nerr\n");
        assertThat(merged.stderrBytes()).isNull();
        CompletedProcess input = path.on(Subprocess.command("head", "-n", "1").pty().input("hello\n")).captureOutput().run();
        assertThat(input.stdout()).isEqualTo("hello\nhello\n"); // the terminal's echo, then head's line
    }

    /** The child writes 1 MiB and exits at once; the last byte is read, many times over. */
    @ParameterizedTest
    @EnumSource(Path.class)
    void aMebibyteThenExitLosesNothing(Path path) {
        int rounds = path == Path.SHARED_TABLE ? 1000 : 100;
        Command c = path.on(Subprocess.command("head", "-c", "1048576", "/dev/zero").pty()).captureOutput()
                .timeout(Duration.ofSeconds(60));
        for (int i = 0; i < rounds; i++) {
            CompletedProcess r = c.run();
            assertThat(r.returnCode()).as("round " + i).isZero();
            assertThat(r.stdoutBytes().length).as("round " + i).isEqualTo(1 << 20);
        }
        // the same through Popen.stdout(), with a descendant that outlives the child's own output
        for (int i = 0; i < 20; i++) {
            try (Popen p = path.on(Subprocess.shell("head -c 1048576 /dev/zero; echo; echo end").pty()).start()) {
                byte[] all = assertTimelyReadAll(p.stdout());
                assertThat(all.length).isEqualTo((1 << 20) + "\r\nend\r\n".length());
                assertThat(p.waitFor()).isZero();
            }
        }
    }

    private static byte[] assertTimelyReadAll(InputStream in) {
        try {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new AssertionError("EIO at the end must be end of file", e);
        }
    }

    @ParameterizedTest
    @EnumSource(Path.class)
    void asyncRunAndLinesPumpTheTerminal(Path path) throws Exception {
        CompletedProcess r = sh(path, "echo one; echo two").captureOutput().runAsync().get();
        assertThat(r.stdout()).isEqualTo("one\ntwo\n");
        List<String> lines = new java.util.concurrent.CopyOnWriteArrayList<>();
        sh(path, "echo one; echo two >&2").stdout(dev.subprocess4j.Redirect.lines(lines::add)).run();
        assertThat(lines).containsExactly("one", "two");
    }

    @ParameterizedTest
    @EnumSource(value = Path.class, names = "USER_NOBODY")
    void theTerminalIsTheUsers(Path path) {
        // the child, as nobody, can open its own terminal by name (login programs chown it too)
        CompletedProcess r = sh(path, "id -u; stat -c %u $(tty); echo hi > $(tty)").run();
        assertThat(r.stdout()).isEqualTo("65534\n65534\nhi\n");
        assertThat(r.returnCode()).isZero();
        assertThat(Arrays.asList(r.stdout().split("\n"))).hasSize(3);
    }

    @ParameterizedTest
    @EnumSource(Path.class)
    void aFailedSpawnLeavesNoTerminalBehind(Path path) {
        // the leak check of the class fails on any master or slave fd left open
        for (int i = 0; i < 20; i++) {
            org.assertj.core.api.Assertions.assertThatThrownBy(
                    () -> path.on(Subprocess.command("/nonexistent/program").pty()).run())
                    .isInstanceOf(dev.subprocess4j.SpawnException.class)
                    .hasMessageContaining("/nonexistent/program");
        }
    }

    @ParameterizedTest
    @EnumSource(Path.class)
    void aTimeoutKillsTheTerminalsGroupAndKeepsThePartialTranscript(Path path) {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> sh(path, "echo started; sleep 30; echo never")
                        .captureOutput().timeout(Duration.ofMillis(1500)).run())
                .isInstanceOfSatisfying(dev.subprocess4j.TimeoutExpiredException.class,
                        e -> assertThat(e.stdout()).isEqualTo("started\n"));
    }
}
