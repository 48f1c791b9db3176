package dev.subprocess4j;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static dev.subprocess4j.fixtures.RemoteTestSupport.readLine;
import static dev.subprocess4j.fixtures.RemoteTestSupport.waitGone;

import dev.subprocess4j.fixtures.LeakCheckExtension;
import dev.subprocess4j.fixtures.PropertySeed;
import dev.subprocess4j.fixtures.RemoteTestSupport;
import dev.subprocess4j.fixtures.SlurmCluster;
import dev.subprocess4j.fixtures.SlurmInheritMain;
import dev.subprocess4j.fixtures.SlurmDeathMain;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
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
 * {@link SlurmLauncher} against a real single-node Slurm ({@link SlurmCluster}) on this machine,
 * so the tests can also look at the job's processes in {@code /proc}.
 */
@ExtendWith(LeakCheckExtension.class)
@Timeout(60)
class SlurmLauncherTest {
    @TempDir
    static Path dir;
    static SlurmCluster cluster;
    static SlurmLauncher slurm;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = SlurmCluster.start(dir);
        slurm = cluster.launcher();
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static Command job(String... argv) {
        return Subprocess.command(List.of(argv)).on(slurm).stdin(Redirect.DEVNULL);
    }

    @Test
    void runsAndCapturesWithTheProgramsExitCode() {
        CompletedProcess r = job("sh", "-c", "echo out; echo err >&2; exit 3").captureOutput().run();
        assertThat(r.returnCode()).isEqualTo(3);
        assertThat(r.stdout()).isEqualTo("out\n");
        assertThat(r.stderr()).contains("err\n"); // srun adds its own "task 0: Exited with exit code 3" line
        assertThat(r.launcher()).isEqualTo(slurm);
        assertThat(job("true").run().returnCode()).isZero();
    }

    @Test
    void stdinStreamsThrough_oneMiBEachWay() {
        byte[] data = new byte[1 << 20];
        new Random(11).nextBytes(data);
        CompletedProcess r = Subprocess.command("cat").on(slurm).input(data).captureOutput().run();
        assertThat(r.returnCode()).isZero();
        assertThat(r.stdoutBytes()).isEqualTo(data);
    }

    @Test
    void environmentCwdAndUmaskApplyOnTheNode() {
        CompletedProcess r = job("sh", "-c", "printf '%s|%s|' \"$SP4J_B\" \"${SP4J_GONE-unset}\"; pwd; umask")
                .putEnv("SP4J_B", "x y $(z)").removeEnv("SP4J_GONE").cwd(Path.of("/usr/share")).umask(0077)
                .captureOutput().run();
        assertThat(r.stdout()).isEqualTo("x y $(z)|unset|/usr/share\n0077\n");
        CompletedProcess cleared = job("/usr/bin/env").clearEnv().putEnv("ONLY", "this").captureOutput().run();
        assertThat(cleared.stdout()).isEqualTo("ONLY=this\n");
    }

    @Test
    void missingProgramAndMissingCwdAreSpawnExceptions() {
        assertThatThrownBy(() -> job("/nonexistent/sp4j-prog").captureOutput().run())
                .isInstanceOfSatisfying(SpawnException.class, e -> {
                    assertThat(e.errnoName()).isEqualTo("ENOENT");
                    assertThat(e.step()).isEqualTo(SpawnException.Step.EXEC);
                    assertThat(e.getMessage()).contains("/nonexistent/sp4j-prog");
                });
        assertThatThrownBy(() -> job("true").cwd(Path.of("/nonexistent-sp4j")).captureOutput().run())
                .isInstanceOfSatisfying(SpawnException.class, e -> {
                    assertThat(e.step()).isEqualTo(SpawnException.Step.CHDIR);
                    assertThat(e.errnoName()).isEqualTo("ENOENT");
                });
        // a program that exits 127 by itself is not a spawn error
        assertThat(job("sh", "-c", "exit 127").captureOutput().run().returnCode()).isEqualTo(127);
    }

    @Test
    void theSlurmClientCommandsRunOnTheCommandsBackend() {
        // the guard, srun and the squeue that reads the spawn error back: all on the command's
        // backend, none through the public entry points (which would take the JVM's default)
        List<String> started = java.util.Collections.synchronizedList(new ArrayList<>());
        dev.subprocess4j.internal.Backend target = dev.subprocess4j.internal.BackendSelector.get();
        dev.subprocess4j.internal.Backend recording = (dev.subprocess4j.internal.Backend) java.lang.reflect.Proxy.newProxyInstance(
                dev.subprocess4j.internal.Backend.class.getClassLoader(), new Class<?>[] {dev.subprocess4j.internal.Backend.class},
                (proxy, method, args) -> {
                    if (args != null && args.length == 1 && args[0] instanceof dev.subprocess4j.internal.SpawnRequest r) {
                        started.add(Path.of(r.argv().getFirst()).getFileName().toString());
                    }
                    try {
                        return method.invoke(target, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        assertThatThrownBy(() -> job("/nonexistent/sp4j-prog").withBackend(recording).captureOutput().run())
                .isInstanceOf(SpawnException.class);
        assertThat(started).contains("sh", "srun", "squeue");
    }

    @Test
    void signalDeathsAreNegativeEvenWhenTheLibraryDidNotSendThem() {
        assertThat(job("sh", "-c", "kill -USR1 $$").captureOutput().run().returnCode()).isEqualTo(-10);
        assertThat(job("sh", "-c", "exit 138").captureOutput().run().returnCode()).isEqualTo(138);
    }

    @Test
    void terminateAndKillReachTheJob() throws Exception {
        try (Popen p = job("sh", "-c", "echo ready; exec sleep 30").stdout(Redirect.PIPE).start()) {
            assertThat(new String(readLine(p.stdout()), UTF_8)).isEqualTo("ready");
            p.terminate();
            assertThat(p.waitFor()).isEqualTo(-15);
        }
        // kill() is Slurm's cancel of the step: SIGTERM, then SIGKILL after the cluster's KillWait
        try (Popen p = job("sh", "-c", "echo ready; exec sleep 30").stdout(Redirect.PIPE).start()) {
            assertThat(new String(readLine(p.stdout()), UTF_8)).isEqualTo("ready");
            p.kill();
            assertThat(p.waitFor()).isEqualTo(-15);
        }
        try (Popen p = job("sh", "-c", "echo ready; exec sleep 30").stdout(Redirect.PIPE).start()) {
            assertThat(new String(readLine(p.stdout()), UTF_8)).isEqualTo("ready");
            p.sendSignal(Signal.SIGUSR2);
            assertThat(p.waitFor()).isEqualTo(-12);
        }
    }

    /** Issue [12]: the task's shell exits at once, its background child keeps the output; the timeout still bounds run(). */
    @Test
    void aTimeoutBoundsRunWhenTheTaskExitsFirstAndABackgroundChildHoldsItsOutput() throws Exception {
        // 8 s: srun on a loaded machine can take seconds to start the task (see SecretContract)
        Command c = job("sh", "-c", "sleep 120 & echo $!; exit 0").captureOutput().timeout(Duration.ofSeconds(8));
        long start = System.nanoTime();
        String out;
        try {
            out = c.run().stdout(); // Slurm may end the step when its task exits, background children with it
        } catch (TimeoutExpiredException e) {
            out = new String(e.stdoutBytes(), UTF_8);
        }
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("deadline + drain grace + slack, not the 120 s child")
                .isLessThan(Duration.ofSeconds(30));
        // What outlives its task is Slurm's to end (its proctrack plugin), not the library's: this
        // single-node cluster runs the task here, so the test ends it itself.
        Subprocess.call("kill", "-9", out.strip());

    }

    /**
     * A timeout beyond System.nanoTime()'s range (292 years) means "no limit", as on the local
     * backends: the deadline neither kills the command nor fails (the remote deadline watchers
     * once called Duration.toNanos(), which throws there, and died with an ArithmeticException).
     */
    @Test
    void aTimeoutBeyondTheNanosecondRangeIsNoLimitAndFailsNothing() throws Exception {
        RemoteTestSupport.assertATimeoutBeyondTheNanosecondRangeIsNoLimit(argv -> job(argv));
    }

    @Test
    void timeoutKillsEveryProcessOfTheJobWithPartialOutput() throws Exception {
        Command c = job("sh", "-c", "sleep 300 & echo $!; echo partial; wait").captureOutput()
                .timeout(Duration.ofSeconds(8)).killSignal(Signal.SIGTERM).killGrace(Duration.ofSeconds(2));
        TimeoutExpiredException e = org.junit.jupiter.api.Assertions.assertThrows(TimeoutExpiredException.class, c::run);
        String out = new String(e.stdoutBytes(), UTF_8);
        assertThat(out).endsWith("partial\n");
        long grandchild = Long.parseLong(out.lines().findFirst().orElseThrow());
        assertThat(waitGone(grandchild, Duration.ofSeconds(5))).as("grandchild %d gone", grandchild).isTrue();
    }

    @Test
    void theJobIsCancelledWhenTheJvmIsKilled() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        try (Popen jvm = Subprocess.command(java, "--enable-native-access=ALL-UNNAMED", "-cp",
                        System.getProperty("java.class.path"), SlurmDeathMain.class.getName(), cluster.conf().toString())
                .stdin(Redirect.DEVNULL).stdout(Redirect.PIPE).start()) {
            long taskPid = Long.parseLong(new String(readLine(jvm.stdout()), UTF_8).strip());
            assertThat(Path.of("/proc", Long.toString(taskPid))).exists();
            jvm.kill();
            assertThat(jvm.waitFor()).isEqualTo(-9);
            assertThat(waitGone(taskPid, Duration.ofSeconds(10))).as("job task %d gone", taskPid).isTrue();
        }
    }

    /**
     * srun given the JVM's own fds 0-2 ({@code INHERIT}) must not leave them non-blocking: a JVM
     * that reads its stdin or writes its stdout would then fail with EAGAIN.
     */
    @Test
    void inheritedStdioLeavesTheJvmsOwnFdsBlocking() throws Exception {
        RemoteTestSupport.assertStdioOfAJvmStaysBlocking(SlurmInheritMain.class, cluster.conf().toString(),
                dir.resolve("inherit-started").toString());
    }

    @Test
    void optionsThatCannotWorkOnSlurmAreRefused() {
        assertThatThrownBy(() -> job("true").rlimit(Rlimit.NOFILE, 64, 64).run())
                .isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("rlimit").hasMessageContaining(slurm.name());
        assertThatThrownBy(() -> SlurmLauncher.create().partition("a b")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'a b'");
        assertThatThrownBy(() -> SlurmLauncher.create().option("-x")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'-x'");
    }

    @Test
    void partitionTimeLimitCpusAndMemoryReachSrun() {
        SlurmLauncher sized = slurm.partition("debug").timeLimit(Duration.ofSeconds(90)).cpus(1).memoryMiB(64);
        CompletedProcess r = Subprocess.command("sh", "-c", "scontrol show job $SLURM_JOB_ID").on(sized)
                .stdin(Redirect.DEVNULL).captureOutput().run();
        assertThat(r.returnCode()).isZero();
        assertThat(r.stdout()).contains("Partition=debug").contains("TimeLimit=00:02:00").contains("MinMemoryNode=64M");
    }

    record ArgvCase(int index, List<String> args) {
        @Override
        public String toString() {
            return PropertySeed.describe(index, args.size() + " args");
        }
    }

    static Stream<ArgvCase> argvCases() {
        List<String> tricky = List.of("", " ", "$(touch /tmp/sp4j-slurm-pwned)", "`id`", "a;b", "'", "\"", "\\",
                "\n", "é😀", "a=b", "--", "-x", "%s", "!");
        return IntStream.range(0, 15).mapToObj(i -> {
            if (i == 0) {
                return new ArgvCase(0, tricky);
            }
            Random r = PropertySeed.random("slurm-argv", i);
            List<String> args = new ArrayList<>();
            String specials = " \t\n\"'\\$`;&|<>(){}[]*?!#~=%^";
            for (int k = 0, n = 1 + r.nextInt(6); k < n; k++) {
                StringBuilder sb = new StringBuilder();
                for (int j = 0, len = r.nextInt(20); j < len; j++) {
                    sb.appendCodePoint(r.nextBoolean() ? specials.charAt(r.nextInt(specials.length()))
                            : r.nextBoolean() ? 'a' + r.nextInt(26) : 0x80 + r.nextInt(0x2000));
                }
                args.add(sb.toString());
            }
            return new ArgvCase(i, args);
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("argvCases")
    void anyArgvReachesTheProgramByteForByte(ArgvCase c) {
        List<String> argv = new ArrayList<>(List.of("/bin/sh", "-c", "printf '%s\\0' \"$@\"", "sh"));
        argv.addAll(c.args());
        CompletedProcess r = job(argv.toArray(String[]::new)).stdout(Redirect.PIPE).run();
        assertThat(r.returnCode()).as(c::toString).isZero();
        String out = new String(r.stdoutBytes(), UTF_8);
        assertThat(Arrays.asList(out.substring(0, out.length() - 1).split("\0", -1))).as(c::toString).isEqualTo(c.args());
        assertThat(Path.of("/tmp/sp4j-slurm-pwned")).doesNotExist();
    }
    /**
     * The values travel in srun's environment under names of the library's, so what the command
     * sets never changes srun itself (its PATH lookup, its SLURM_* input variables); each value
     * arrives byte for byte, with and without the JVM's environment as the base.
     */
    @Test
    void environmentValuesArriveByteForByteAndNeverSteerSrun() {
        List<String> values = List.of("", " ", "$(touch /tmp/sp4j-pwned)", "'\"'\"'", "line1\nline2\n", "\n", "a=b,c=d",
                "\u0001\u001f\u007f", "é😀日本語", "x".repeat(5_000));
        for (boolean clear : List.of(false, true)) {
            StringBuilder script = new StringBuilder();
            for (int i = 0; i < values.size(); i++) {
                script.append("printf '%s\\0' \"$SP4J_V").append(i).append("\"; ");
            }
            script.append("printf '%s|%s|%s' \"$PATH\" \"$SLURM_CONF\" \"$SLURM_JOB_NAME\"");
            Command c = Subprocess.command("/bin/sh", "-c", script.toString()).on(slurm).stdin(Redirect.DEVNULL);
            c = clear ? c.clearEnv() : c;
            for (int i = 0; i < values.size(); i++) {
                c = c.putEnv("SP4J_V" + i, values.get(i));
            }
            CompletedProcess r = c.putEnv("PATH", "/nonexistent:/usr/bin:/bin").putEnv("SLURM_CONF", "/nonexistent/slurm.conf")
                    .putEnv("SLURM_JOB_NAME", "mine").captureOutput().run();
            assertThat(r.returnCode()).as(r.stderr()).isZero();
            String[] out = r.stdout().split("\0", -1);
            assertThat(Arrays.asList(out).subList(0, values.size())).isEqualTo(values);
            assertThat(out[values.size()]).isEqualTo("/nonexistent:/usr/bin:/bin|/nonexistent/slurm.conf|mine");
        }
        CompletedProcess cleared = job("/usr/bin/env").clearEnv().captureOutput().run();
        assertThat(cleared.stdout()).as("nothing of srun's or Slurm's").isEmpty();
        assertThat(Path.of("/tmp/sp4j-pwned")).doesNotExist();
    }

    @Test
    void environmentNamesAShellCannotExportAreRefusedNamingThem() {
        assertThatThrownBy(() -> job("true").putEnv("my-var", "x").run()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'my-var'");
        assertThatThrownBy(() -> job("true").removeEnv("a.b").run()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'a.b'");
    }
}
