package dev.subprocess4j;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static dev.subprocess4j.fixtures.RemoteTestSupport.readLine;
import static dev.subprocess4j.fixtures.RemoteTestSupport.waitGone;

import dev.subprocess4j.fixtures.LeakCheckExtension;
import dev.subprocess4j.fixtures.PropertySeed;
import dev.subprocess4j.fixtures.RemoteTestSupport;
import dev.subprocess4j.fixtures.SshDeathMain;
import dev.subprocess4j.fixtures.SshInheritMain;
import dev.subprocess4j.fixtures.SshServer;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link SshLauncher} against a real sshd on 127.0.0.1 ({@link SshServer}). The "remote" host is
 * this machine, so the tests can also look at the remote processes in {@code /proc}.
 */
@ExtendWith(LeakCheckExtension.class)
@Timeout(60)
class SshLauncherTest {
    @TempDir
    static Path dir;
    static SshServer server;
    static SshLauncher ssh;

    @BeforeAll
    static void startServer() throws Exception {
        server = SshServer.start(dir);
        ssh = server.launcher();
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    private static Command remote(String... argv) {
        return Subprocess.command(List.of(argv)).on(ssh).stdin(Redirect.DEVNULL);
    }

    @Test
    void runsAndCapturesStdoutAndStderrSeparately() {
        CompletedProcess r = remote("sh", "-c", "echo out; echo err >&2; exit 3").captureOutput().run();
        assertThat(r.returnCode()).isEqualTo(3);
        assertThat(r.stdout()).isEqualTo("out\n");
        assertThat(r.stderr()).isEqualTo("err\n");
        assertThat(r.args()).containsExactly("sh", "-c", "echo out; echo err >&2; exit 3");
        assertThat(r.usage()).isEmpty();
    }

    @Test
    void stderrMergedIntoStdout() {
        CompletedProcess r = remote("sh", "-c", "echo a; echo b >&2").stdout(Redirect.PIPE).stderr(Redirect.STDOUT).run();
        assertThat(r.stdout().lines().sorted().toList()).containsExactly("a", "b");
    }

    @Test
    void stdinStreamsThrough_oneMiBEachWay() {
        byte[] data = new byte[1 << 20];
        new Random(7).nextBytes(data);
        CompletedProcess r = Subprocess.command("cat").on(ssh).input(data).captureOutput().run();
        assertThat(r.returnCode()).isZero();
        assertThat(r.stdoutBytes()).isEqualTo(data);
    }

    @Test
    void popenPipesStreamWhileTheCommandRuns() throws Exception {
        try (Popen p = Subprocess.command("sh", "-c", "read line; echo got:$line; read rest; echo bye")
                .on(ssh).stdin(Redirect.PIPE).stdout(Redirect.PIPE).start()) {
            p.stdin().write("hello\n".getBytes(UTF_8));
            p.stdin().flush();
            InputStream out = p.stdout();
            byte[] first = new byte[10];
            int n = out.readNBytes(first, 0, 10);
            assertThat(new String(first, 0, n, UTF_8)).isEqualTo("got:hello\n");
            p.stdin().close();
            assertThat(new String(out.readAllBytes(), UTF_8)).isEqualTo("bye\n");
            assertThat(p.waitFor()).isZero();
        }
    }

    @Test
    void pidIsTheRemoteProgramsPid() throws Exception {
        try (Popen p = remote("sh", "-c", "echo $$; exec sleep 30").stdout(Redirect.PIPE).start()) {
            String line = new String(readLine(p.stdout()), UTF_8);
            assertThat(Long.parseLong(line)).isEqualTo(p.pid());
            // loopback: the remote process is on this machine, in a session it leads
            assertThat(Path.of("/proc", line)).exists();
            p.kill();
            assertThat(p.waitFor()).isEqualTo(-9);
        }
    }

    @Test
    void environmentChangesApplyRemotelyOnTheLoginEnvironment() {
        CompletedProcess r = remote("sh", "-c", "printf '%s|%s|%s' \"$SP4J_A\" \"${HOME-unset}\" \"$PATH\"")
                .putEnv("SP4J_A", "one two $(x) 'q'").removeEnv("HOME").captureOutput().run();
        String[] parts = r.stdout().split("\\|", -1);
        assertThat(parts[0]).isEqualTo("one two $(x) 'q'");
        assertThat(parts[1]).isEqualTo("unset");
        assertThat(parts[2]).isNotEmpty(); // the remote login PATH, not removed
        CompletedProcess cleared = remote("/usr/bin/env").clearEnv().putEnv("ONLY", "this").captureOutput().run();
        assertThat(cleared.stdout()).isEqualTo("ONLY=this\n");
    }

    @Test
    void cwdAndUmaskApplyRemotely() {
        CompletedProcess r = remote("sh", "-c", "pwd; umask").cwd(Path.of("/usr/share")).umask(0027).captureOutput().run();
        assertThat(r.stdout()).isEqualTo("/usr/share\n0027\n");
    }

    @Test
    void missingProgramIsASpawnExceptionWithENOENT() {
        assertThatThrownBy(() -> remote("/nonexistent/sp4j-prog").run())
                .isInstanceOfSatisfying(SpawnException.class, e -> {
                    assertThat(e.errnoName()).isEqualTo("ENOENT");
                    assertThat(e.step()).isEqualTo(SpawnException.Step.EXEC);
                    assertThat(e.getMessage()).contains("/nonexistent/sp4j-prog").contains(ssh.name());
                });
        assertThatThrownBy(() -> remote("sp4j-no-such-program-anywhere").run())
                .isInstanceOfSatisfying(SpawnException.class, e -> assertThat(e.errnoName()).isEqualTo("ENOENT"));
    }

    @Test
    void notExecutableIsEACCES() throws Exception {
        Path f = dir.resolve("plain.txt");
        Files.writeString(f, "not a program");
        assertThatThrownBy(() -> remote(f.toString()).run())
                .isInstanceOfSatisfying(SpawnException.class, e -> assertThat(e.errnoName()).isEqualTo("EACCES"));
    }

    @Test
    void missingCwdIsASpawnExceptionAtChdir() {
        assertThatThrownBy(() -> remote("true").cwd(Path.of("/nonexistent-dir-sp4j")).run())
                .isInstanceOfSatisfying(SpawnException.class, e -> {
                    assertThat(e.errnoName()).isEqualTo("ENOENT");
                    assertThat(e.step()).isEqualTo(SpawnException.Step.CHDIR);
                    assertThat(e.getMessage()).contains("/nonexistent-dir-sp4j");
                });
    }

    @Test
    void checkRaisesCalledProcessException() {
        assertThatThrownBy(() -> remote("false").check().run())
                .isInstanceOfSatisfying(CalledProcessException.class, e -> assertThat(e.returnCode()).isEqualTo(1));
    }

    /** Issue [12]: the remote shell exits at once, its background child keeps the pipes; the timeout still bounds run(). */
    @Test
    void aTimeoutBoundsRunWhenTheRemoteCommandExitsFirstAndABackgroundChildHoldsItsOutput() throws Exception {
        // 5 s: the remote pid must arrive before the deadline, a handshake included on a loaded machine
        Command c = remote("sh", "-c", "sleep 120 & echo $!; exit 0").captureOutput().timeout(Duration.ofSeconds(5));
        long start = System.nanoTime();
        TimeoutExpiredException e = org.junit.jupiter.api.Assertions.assertThrows(TimeoutExpiredException.class, c::run);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("deadline + drain grace + slack, not the 120 s child")
                .isLessThan(Duration.ofSeconds(20));
        long background = Long.parseLong(new String(e.stdoutBytes(), UTF_8).strip());
        assertThat(waitGone(background, Duration.ofSeconds(3))).as("background child %d gone", background).isTrue();
    }

    /**
     * A timeout beyond System.nanoTime()'s range (292 years) means "no limit", as on the local
     * backends: the deadline neither kills the command nor fails (the remote deadline watchers
     * once called Duration.toNanos(), which throws there, and died with an ArithmeticException).
     */
    @Test
    void aTimeoutBeyondTheNanosecondRangeIsNoLimitAndFailsNothing() throws Exception {
        RemoteTestSupport.assertATimeoutBeyondTheNanosecondRangeIsNoLimit(argv -> remote(argv));
    }

    @Test
    void timeoutKillsTheRemoteProcessGroupWithPartialOutput() throws Exception {
        // the grandchild would hold the pipes open forever if only the remote shell were killed
        Command c = remote("sh", "-c", "sleep 300 & echo $!; echo partial; wait")
                .captureOutput().timeout(Duration.ofSeconds(5)).killSignal(Signal.SIGTERM).killGrace(Duration.ofSeconds(2));
        long start = System.nanoTime();
        TimeoutExpiredException e = org.junit.jupiter.api.Assertions.assertThrows(TimeoutExpiredException.class, c::run);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(20));
        String out = new String(e.stdoutBytes(), UTF_8);
        assertThat(out).endsWith("partial\n");
        long grandchild = Long.parseLong(out.lines().findFirst().orElseThrow());
        assertThat(waitGone(grandchild, Duration.ofSeconds(3))).as("grandchild %d gone", grandchild).isTrue();
    }

    @Test
    void terminateKillAndCustomSignalsReachTheRemoteProgram() throws Exception {
        try (Popen p = remote("sleep", "30").start()) {
            p.terminate();
            assertThat(p.waitFor()).isEqualTo(-15);
        }
        try (Popen p = remote("sh", "-c", "trap 'echo got-usr1; exit 3' USR1; echo ready; while :; do sleep 0.05; done")
                .stdout(Redirect.PIPE).start()) {
            assertThat(new String(readLine(p.stdout()), UTF_8)).isEqualTo("ready");
            p.sendSignal(Signal.SIGUSR1);
            assertThat(new String(p.stdout().readAllBytes(), UTF_8)).isEqualTo("got-usr1\n");
            assertThat(p.waitFor()).isEqualTo(3);
        }
    }

    @Test
    void signalGroupReachesTheRemoteGrandchildren() throws Exception {
        try (Popen p = remote("sh", "-c", "sleep 300 & echo $!; wait").stdout(Redirect.PIPE).start()) {
            long grandchild = Long.parseLong(new String(readLine(p.stdout()), UTF_8));
            p.signalGroup(Signal.SIGKILL);
            p.waitFor();
            assertThat(waitGone(grandchild, Duration.ofSeconds(3))).isTrue();
        }
    }

    @Test
    void unreachableHostIsASpawnExceptionAtConnect() throws Exception {
        int closedPort = server.port() + 1; // nothing listens there: checked below
        assertThat(SshServer.listeningPorts()).doesNotContain(closedPort);
        SshLauncher nowhere = server.launcher().port(closedPort);
        assertThatThrownBy(() -> Subprocess.command("true").on(nowhere).run())
                .isInstanceOfSatisfying(SpawnException.class, e -> {
                    assertThat(e.step()).isEqualTo(SpawnException.Step.CONNECT);
                    assertThat(e.errnoName()).isEqualTo("ECONNREFUSED");
                    assertThat(e.getMessage()).contains("127.0.0.1:" + closedPort);
                });
    }

    @Test
    void optionsThatCannotWorkRemotelyAreRefusedNamingOptionAndLauncher() {
        assertThatThrownBy(() -> remote("true").rlimit(Rlimit.NOFILE, 64, 64).run())
                .isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("rlimit").hasMessageContaining(ssh.name());
        assertThatThrownBy(() -> remote("true").passFds(3).run())
                .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("passFds");
        assertThatThrownBy(() -> remote("true").user("nobody").run())
                .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("user");
        assertThatThrownBy(() -> remote("true").killOnParentExit().run())
                .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("killOnParentExit");
        assertThatThrownBy(() -> Subprocess.pipeline(remote("true"), Subprocess.command("true")))
                .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining(ssh.name());
    }

    @Test
    void runAsyncAndAPoolWorkThroughTheLauncher() throws Exception {
        try (ProcessPool pool = ProcessPool.withMaxConcurrency(4)) {
            List<Command> jobs = IntStream.range(0, 12).mapToObj(i -> remote("sh", "-c", "echo " + i).captureOutput()).toList();
            List<String> outs = pool.invokeAll(jobs).stream().map(f -> f.join().stdout().strip()).toList();
            assertThat(outs).containsExactlyElementsOf(IntStream.range(0, 12).mapToObj(Integer::toString).toList());
        }
        assertThat(remote("sh", "-c", "exit 5").runAsync().get().returnCode()).isEqualTo(5);
    }

    @Test
    void theRemoteProgramDiesWhenTheJvmIsKilled() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        try (Popen jvm = Subprocess.command(java, "--enable-native-access=ALL-UNNAMED", "-cp",
                        System.getProperty("java.class.path"), SshDeathMain.class.getName(),
                        server.dir().toString(), Integer.toString(server.port()))
                .stdin(Redirect.DEVNULL).stdout(Redirect.PIPE).start()) {
            String line = new String(readLine(jvm.stdout()), UTF_8);
            assertThat(line).startsWith("pid ");
            long remotePid = Long.parseLong(line.substring(4));
            assertThat(Path.of("/proc", Long.toString(remotePid))).exists();
            jvm.kill();
            assertThat(jvm.waitFor()).isEqualTo(-9);
            // the lifeline's stdin closes with the JVM: the remote side kills the program's group
            assertThat(waitGone(remotePid, Duration.ofSeconds(5))).as("remote pid %d gone", remotePid).isTrue();
        }
    }

    /**
     * A remote command whose stdio is left at INHERIT must not change the JVM's own fds: OpenSSH
     * makes the fds it is given non-blocking while its session runs (and leaves them so when it is
     * killed), on the open file description it shares with the JVM: the JVM's own reads of its
     * stdin (a pipe here) and writes to its stdout then failed with EAGAIN.
     */
    @Test
    void inheritedStdioLeavesTheJvmsOwnFdsBlocking() throws Exception {
        RemoteTestSupport.assertStdioOfAJvmStaysBlocking(SshInheritMain.class, server.dir().toString(),
                Integer.toString(server.port()));
    }

    @Test
    void aPoolAcrossTwoHostsUsesBoth(@TempDir Path dir2) throws Exception {
        try (SshServer second = SshServer.start(dir2)) {
            Map<Launcher, Integer> hosts = new LinkedHashMap<>();
            hosts.put(ssh, 2);
            hosts.put(second.launcher(), 2);
            try (ProcessPool pool = ProcessPool.across(hosts)) {
                assertThat(pool.maxConcurrency()).isEqualTo(4);
                List<Command> jobs = IntStream.range(0, 16)
                        .mapToObj(i -> Subprocess.command("sh", "-c", "sleep 0.2; echo " + i).stdin(Redirect.DEVNULL)
                                .captureOutput())
                        .toList();
                List<CompletedProcess> done = pool.invokeAll(jobs).stream().map(f -> f.join()).toList();
                assertThat(done).extracting(r -> r.stdout().strip())
                        .containsExactlyElementsOf(IntStream.range(0, 16).mapToObj(Integer::toString).toList());
                Map<String, Long> perHost = done.stream().collect(java.util.stream.Collectors.groupingBy(
                        r -> r.launcher().name(), java.util.stream.Collectors.counting()));
                assertThat(perHost).containsOnlyKeys(ssh.name(), second.launcher().name());
                assertThat(perHost.values()).allSatisfy(n -> assertThat(n).isGreaterThanOrEqualTo(4));
            }
        }
    }

    @Test
    void aHostThatCannotBeReachedIsTakenOutAndItsJobsRunElsewhere() throws Exception {
        SshLauncher dead = server.launcher().port(server.port() + 1);
        assertThat(SshServer.listeningPorts()).doesNotContain(server.port() + 1);
        Map<Launcher, Integer> hosts = new LinkedHashMap<>();
        hosts.put(dead, 4);
        hosts.put(ssh, 2);
        try (ProcessPool pool = ProcessPool.across(hosts)) {
            List<Command> jobs = IntStream.range(0, 10)
                    .mapToObj(i -> Subprocess.command("echo", Integer.toString(i)).stdin(Redirect.DEVNULL).captureOutput())
                    .toList();
            List<CompletedProcess> done = pool.invokeAll(jobs).stream().map(f -> f.join()).toList();
            assertThat(done).allSatisfy(r -> assertThat(r.launcher()).isEqualTo(ssh));
            assertThat(done).extracting(r -> r.stdout().strip())
                    .containsExactlyElementsOf(IntStream.range(0, 10).mapToObj(Integer::toString).toList());
        }
        try (ProcessPool allDead = ProcessPool.across(Map.of(dead, 2))) {
            List<CompletableFuture<CompletedProcess>> fs = allDead.invokeAll(
                    Collections.nCopies(5, Subprocess.command("true").stdin(Redirect.DEVNULL)));
            assertThat(fs).allSatisfy(f -> assertThatThrownBy(f::join).hasCauseInstanceOf(SpawnException.class)
                    .cause().satisfies(e -> assertThat(((SpawnException) e).step()).isEqualTo(SpawnException.Step.CONNECT)));
            // Submitted once every host is out: it fails the same way (it waited for ever, and close() with it)
            CompletableFuture<CompletedProcess> late = allDead.submit(Subprocess.command("true").stdin(Redirect.DEVNULL));
            assertThat(late).failsWithin(Duration.ofSeconds(10)).withThrowableThat().havingCause()
                    .isInstanceOf(SpawnException.class)
                    .satisfies(e -> assertThat(((SpawnException) e).step()).isEqualTo(SpawnException.Step.CONNECT));
        }
    }

    @Test
    void aHostThatTakesTheConnectionButNeverAnswersIsBoundedByTheTimeout() throws Exception {
        // A listening socket nobody accepts on: the kernel completes the TCP handshake, no banner ever comes.
        try (java.net.ServerSocket silent = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            SshLauncher mute = server.launcher().port(silent.getLocalPort());
            long start = System.nanoTime();
            assertThatThrownBy(() -> Subprocess.command("true").stdin(Redirect.DEVNULL).on(mute)
                    .timeout(Duration.ofSeconds(2)).run())
                    .isInstanceOf(TimeoutExpiredException.class);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("bounded by the timeout (it waited for ever)")
                    .isLessThan(Duration.ofSeconds(20));
        }
    }

    @Test
    void anInterruptWhileConnectingIsASubprocessExceptionAndLeavesNoSsh() throws Exception {
        try (java.net.ServerSocket silent = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            SshLauncher mute = server.launcher().port(silent.getLocalPort());
            java.util.concurrent.atomic.AtomicReference<Throwable> thrown = new java.util.concurrent.atomic.AtomicReference<>();
            java.util.concurrent.atomic.AtomicBoolean flagKept = new java.util.concurrent.atomic.AtomicBoolean();
            Thread caller = Thread.ofPlatform().start(() -> {
                try {
                    Subprocess.command("true").stdin(Redirect.DEVNULL).on(mute).run();
                } catch (Throwable t) {
                    thrown.set(t);
                    flagKept.set(Thread.currentThread().isInterrupted());
                }
            });
            Thread.sleep(1000); // connecting: the socket takes the connection and never answers
            caller.interrupt();
            caller.join(20_000);
            assertThat(caller.isAlive()).as("the interrupt ended the start").isFalse();
            assertThat(thrown.get()).isInstanceOf(SubprocessException.class).isNotInstanceOf(SpawnException.class)
                    .hasMessageContaining("interrupted").hasCauseInstanceOf(InterruptedException.class);
            assertThat(flagKept).as("the interrupt flag stays set").isTrue();
            String port = "-p " + silent.getLocalPort(); // the two ssh processes of the start are gone
            assertThat(ProcessHandle.current().children().filter(h -> h.info().commandLine().orElse("").contains(port)))
                    .isEmpty();
        }
    }

    /** One generated argv, named by its seed and index. */
    record ArgvCase(int index, List<String> args) {
        @Override
        public String toString() {
            return PropertySeed.describe(index, args.size() + " args");
        }
    }

    private static final List<String> TRICKY = List.of(
            "", " ", "$(touch /tmp/sp4j-pwned)", "`id`", "${HOME}", "a;b", "a && b", "a|b", "'", "\"", "\\",
            "'\"'\"'", "*", "~", "#x", "-c", "--", "\n", "line1\nline2", "\t", "\u0001\u001f\u007f", "é", "😀",
            "日本語", "a=b", "!", "!!", "%s", "x".repeat(5_000));

    static Stream<ArgvCase> argvCases() {
        return IntStream.range(0, 40).mapToObj(i -> i == 0 ? new ArgvCase(0, TRICKY)
                : new ArgvCase(i, randomArgv(PropertySeed.random("ssh-argv", i))));
    }

    private static List<String> randomArgv(Random random) {
        int n = 1 + random.nextInt(8);
        List<String> args = new ArrayList<>();
        String specials = " \t\n\r\"'\\$`;&|<>(){}[]*?!#~=%^";
        for (int i = 0; i < n; i++) {
            if (random.nextInt(6) == 0) {
                args.add(TRICKY.get(random.nextInt(TRICKY.size())));
                continue;
            }
            StringBuilder sb = new StringBuilder();
            int len = random.nextInt(30);
            for (int j = 0; j < len; j++) {
                int kind = random.nextInt(6);
                int cp = switch (kind) {
                    case 0, 1, 2 -> specials.charAt(random.nextInt(specials.length()));
                    case 3 -> 1 + random.nextInt(0x7f);
                    case 4 -> 0x80 + random.nextInt(0x780);
                    default -> 0x1F300 + random.nextInt(0x700);
                };
                sb.appendCodePoint(cp);
            }
            args.add(sb.toString());
        }
        return args;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("argvCases")
    void anyArgvReachesTheRemoteProgramByteForByte(ArgvCase c) {
        List<String> argv = new ArrayList<>(List.of("/bin/sh", "-c", "printf '%s\\0' \"$@\"", "sh"));
        argv.addAll(c.args());
        CompletedProcess r = remote(argv.toArray(String[]::new)).stdout(Redirect.PIPE).run();
        assertThat(r.returnCode()).as(c::toString).isZero();
        String out = new String(r.stdoutBytes(), UTF_8);
        assertThat(out).as(c::toString).endsWith("\0");
        assertThat(Arrays.asList(out.substring(0, out.length() - 1).split("\0", -1))).as(c::toString)
                .isEqualTo(c.args());
        assertThat(Path.of("/tmp/sp4j-pwned")).doesNotExist();
    }
    @Test
    void hostNamesAreHostnameOrAddressCharactersOnly() {
        for (String good : List.of("build-1", "build_1.example.com", "10.0.0.1", "::1", "fe80::1%eth0", "2001:DB8::a")) {
            assertThat(SshLauncher.to(good).host()).isEqualTo(good);
        }
        for (String bad : List.of("", "-oProxyCommand=touch /tmp/x", "-x", "a;b", "$(id)", "a`id`", "a/b", "a'b",
                "a\"b", "a b", "a\nb", "a\0b", "user@host", "a,b", "a*", "é.example.com", "[::1]")) {
            assertThatThrownBy(() -> SshLauncher.to(bad)).as("'%s'", bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("'" + bad + "'");
        }
    }

    /**
     * Another user who creates the predictable connection directory first ({@code subprocess4j-ssh-<user>}
     * under the base) does not stop the launcher: it takes a fresh directory of its own, mode 0700.
     */
    @Test
    void aControlDirectoryTakenByAnotherUserIsNotUsedAndDoesNotStopTheLauncher(@TempDir Path base) throws Exception {
        stickyWorldWritable(base);
        Path taken = base.resolve("subprocess4j-ssh-" + System.getProperty("user.name"));
        Files.createDirectory(taken);
        chownNobody(taken);
        Path mine = Path.of(SshLauncher.controlDirectory(base));
        assertThat(mine).isNotEqualTo(taken).startsWith(base);
        assertPrivate(mine);
        assertThat(SshLauncher.controlDirectory(base)).as("the same one next time").isEqualTo(mine.toString());

        Path linkBase = base.resolve("links");
        Files.createDirectory(linkBase);
        Files.createSymbolicLink(linkBase.resolve("subprocess4j-ssh-" + System.getProperty("user.name")), mine);
        Path notTheLink = Path.of(SshLauncher.controlDirectory(linkBase));
        assertThat(Files.isSymbolicLink(notTheLink)).isFalse();
        assertPrivate(notTheLink);
    }

    /**
     * The remote private directory ({@code $TMPDIR/.subprocess4j-$USER}) taken by another user, or a
     * symbolic link: the command still runs (with a directory of its own, removed afterwards), its
     * environment arrives, and nothing is written into the other user's directory.
     */
    @Test
    void aRemoteDirectoryTakenByAnotherUserDoesNotStopTheCommand(@TempDir Path base) throws Exception {
        stickyWorldWritable(base);
        Path taken = base.resolve(".subprocess4j-" + System.getProperty("user.name"));
        for (Path t : List.of(taken)) {
            Files.createDirectory(t);
            chownNobody(t);
            Files.setPosixFilePermissions(t, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        }
        // no shared connection: a session through an open master does not get SetEnv
        SshLauncher withTmp = ssh.option("SetEnv", "TMPDIR=" + base).connectionSharing(false);
        CompletedProcess r = Subprocess.command("sh", "-c", "printf '%s|%s' \"$TMPDIR\" \"$SP4J_V\"").on(withTmp)
                .putEnv("SP4J_V", "value").stdin(Redirect.DEVNULL).captureOutput().run();
        assertThat(r.returnCode()).as(r.stderr()).isZero();
        assertThat(r.stdout()).isEqualTo(base + "|value");
        try (Stream<Path> in = Files.list(taken)) {
            assertThat(in).as("nothing in the other user's directory").isEmpty();
        }
        Files.delete(taken);
        Path elsewhere = base.resolve("elsewhere");
        Files.createDirectory(elsewhere, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
        Files.createSymbolicLink(taken, elsewhere);
        r = Subprocess.command("sh", "-c", "printf '%s' \"$SP4J_V\"").on(withTmp).putEnv("SP4J_V", "value2")
                .stdin(Redirect.DEVNULL).captureOutput().run();
        assertThat(r.returnCode()).as(r.stderr()).isZero();
        assertThat(r.stdout()).isEqualTo("value2");
        try (Stream<Path> in = Files.list(elsewhere)) {
            assertThat(in).as("nothing through the link").isEmpty();
        }
        // the lifeline removes the command's own directory as it ends (after the call returns)
        List<String> left = List.of();
        for (long end = System.nanoTime() + 15_000_000_000L; System.nanoTime() < end; Thread.sleep(50)) {
            try (Stream<Path> in = Files.list(base)) {
                left = in.map(p -> p.getFileName().toString()).toList();
            }
            if (left.size() <= 2) {
                break;
            }
        }
        assertThat(left).as("only what the test made is left").containsExactlyInAnyOrder(taken.getFileName().toString(), "elsewhere");
    }

    /** Mode 1777, as /tmp. */
    private static void stickyWorldWritable(Path dir) {
        Subprocess.command("chmod", "1777", dir.toString()).stdin(Redirect.DEVNULL).check().run();
    }

    private static void chownNobody(Path p) throws Exception {
        java.nio.file.attribute.UserPrincipal nobody = p.getFileSystem().getUserPrincipalLookupService()
                .lookupPrincipalByName("nobody");
        Files.setOwner(p, nobody);
    }

    private static void assertPrivate(Path dir) throws Exception {
        assertThat(Files.isDirectory(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)).isTrue();
        assertThat(Files.getPosixFilePermissions(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS))
                .isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        assertThat(Files.getAttribute(dir, "unix:uid", java.nio.file.LinkOption.NOFOLLOW_LINKS))
                .isEqualTo(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
    }

    static Stream<ArgvCase> envCases() {
        return IntStream.range(0, 12).mapToObj(i -> i == 0 ? new ArgvCase(0, TRICKY)
                : new ArgvCase(i, randomArgv(PropertySeed.random("ssh-env", i))));
    }

    /** Environment values travel as data, not as shell text: each arrives byte for byte. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("envCases")
    void anyEnvironmentValueReachesTheRemoteProgramByteForByte(ArgvCase c) {
        StringBuilder script = new StringBuilder();
        for (int i = 0; i < c.args().size(); i++) {
            script.append("printf '%s\\0' \"$SP4J_V").append(i).append("\"; ");
        }
        for (boolean clear : List.of(false, true)) {
            Command run = Subprocess.command("/bin/sh").on(ssh);
            run = clear ? run.clearEnv() : run;
            for (int i = 0; i < c.args().size(); i++) {
                run = run.putEnv("SP4J_V" + i, c.args().get(i));
            }
            CompletedProcess r = run.input(script.toString().getBytes(UTF_8)).stdout(Redirect.PIPE).run();
            assertThat(r.returnCode()).as(c::toString).isZero();
            String out = new String(r.stdoutBytes(), UTF_8);
            assertThat(Arrays.asList(out.split("\0", -1))).as(c::toString).hasSize(c.args().size() + 1);
            assertThat(Arrays.asList(out.split("\0", -1)).subList(0, c.args().size())).as(c::toString)
                    .isEqualTo(c.args());
        }
        assertThat(Path.of("/tmp/sp4j-pwned")).doesNotExist();
    }
    @Test
    void environmentNamesAShellCannotExportAreRefusedNamingThem() {
        assertThatThrownBy(() -> remote("true").putEnv("my-var", "x").run()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'my-var'");
        assertThatThrownBy(() -> remote("true").clearEnv().putEnv("1X", "x").run())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'1X'");
    }
    /** An environment larger than a pipe's buffer is sent while the lifeline connects, and arrives whole. */
    @Test
    void aLargeEnvironmentArrivesWhole() {
        String big = "v\n'".repeat(30_000); // 90 KB: one string may not exceed 128 KiB (MAX_ARG_STRLEN)
        CompletedProcess r = remote("/bin/sh", "-c", "printf '%s' \"$SP4J_BIG\" | cksum; printf '%s' \"$SP4J_SMALL\"")
                .putEnv("SP4J_BIG", big).putEnv("SP4J_SMALL", "end").captureOutput().run();
        CompletedProcess local = Subprocess.command("/bin/sh", "-c", "printf '%s' \"$SP4J_BIG\" | cksum").putEnv("SP4J_BIG", big)
                .stdin(Redirect.DEVNULL).captureOutput().run();
        assertThat(r.returnCode()).as(r.stderr()).isZero();
        assertThat(r.stdout()).isEqualTo(local.stdout() + "end");
    }
}
