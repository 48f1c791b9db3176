package dev.subprocess4j;

import static dev.subprocess4j.fixtures.ContractSupport.thrown;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.subprocess4j.fixtures.ContractSupport;
import dev.subprocess4j.fixtures.LeakCheckExtension;
import dev.subprocess4j.internal.Backend;
import dev.subprocess4j.internal.PumpThreads;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Children that cannot be started ({@link SpawnException} with errno, step, program and Python's
 * message), and options the backend cannot honour ({@link UnsupportedOperationException} naming
 * the option and the backend). Either way nothing is left behind.
 */
@EveryBackend
public class ErrorContract extends BackendContract {

    @TempDir
    Path dir;

    // ---- spawn failures ---------------------------------------------------------------------

    @Test
    void aMissingProgramIsEnoentAtExec() {
        for (ThrowingCallable attempt : List.<ThrowingCallable>of(
                () -> cmd("nosuchprog", "arg").run(), () -> cmd("nosuchprog", "arg").start().close())) {
            SpawnException e = thrown(SpawnException.class, attempt);
            assertThat(e).hasMessage("No such file or directory: 'nosuchprog'");
            assertThat(e.errno()).isEqualTo(2);
            assertThat(e.errnoName()).isEqualTo("ENOENT");
            assertThat(e.step()).isEqualTo(SpawnException.Step.EXEC);
            assertThat(e.program()).isEqualTo("nosuchprog");
        }
    }

    @Test
    void aMissingProgramGivenByPathIsEnoentNamingThePath() {
        SpawnException e = thrown(SpawnException.class, () -> cmd("/nonexistent/prog").run());
        assertThat(e).hasMessage("No such file or directory: '/nonexistent/prog'");
        assertThat(e.errnoName()).isEqualTo("ENOENT");
        assertThat(e.step()).isEqualTo(SpawnException.Step.EXEC);
        assertThat(e.program()).isEqualTo("/nonexistent/prog");
    }

    @Test
    void aProgramMissingFromTheChildsPathIsEnoentEvenWhenTheJvmsPathHasIt() throws IOException {
        Path emptyBin = Files.createDirectory(dir.resolve("bin"));
        SpawnException e = thrown(SpawnException.class, () -> cmd("true").putEnv("PATH", emptyBin.toString()).run());
        assertThat(e).hasMessage("No such file or directory: 'true'");
        assertThat(e.errnoName()).isEqualTo("ENOENT");
        assertThat(e.step()).isEqualTo(SpawnException.Step.EXEC);
        assertThat(e.program()).isEqualTo("true");
    }

    @Test
    void aFileWithoutExecutePermissionIsEaccesAtExec() throws IOException {
        Path script = Files.writeString(dir.resolve("script.sh"), "#!/bin/sh\necho ran\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rw-r--r--"));

        SpawnException e = thrown(SpawnException.class, () -> cmd(script.toString()).captureOutput().run());
        assertThat(e).hasMessage("Permission denied: '" + script + "'");
        assertThat(e.errno()).isEqualTo(13);
        assertThat(e.errnoName()).isEqualTo("EACCES");
        assertThat(e.step()).isEqualTo(SpawnException.Step.EXEC);
        assertThat(e.program()).isEqualTo(script.toString());
    }

    @Test
    void aDirectoryAsProgramIsEaccesAtExec() {
        SpawnException e = thrown(SpawnException.class, () -> cmd(dir.toString()).run());
        assertThat(e).hasMessage("Permission denied: '" + dir + "'");
        assertThat(e.errnoName()).isEqualTo("EACCES");
        assertThat(e.step()).isEqualTo(SpawnException.Step.EXEC);
    }

    @Test
    void aMissingWorkingDirectoryIsEnoentAtChdir() {
        Path missing = dir.resolve("missing");
        SpawnException e = thrown(SpawnException.class, () -> cmd("true").cwd(missing).run());
        assertThat(e).hasMessage("No such file or directory (chdir): '" + missing + "'");
        assertThat(e.errno()).isEqualTo(2);
        assertThat(e.errnoName()).isEqualTo("ENOENT");
        assertThat(e.step()).isEqualTo(SpawnException.Step.CHDIR);
        assertThat(e.program()).isEqualTo("true");
    }

    @Test
    void aFileAsWorkingDirectoryIsEnotdirAtChdir() {
        SpawnException e = thrown(SpawnException.class, () -> cmd("true").cwd(Path.of("/etc/passwd")).start().close());
        assertThat(e).hasMessage("Not a directory (chdir): '/etc/passwd'");
        assertThat(e.errno()).isEqualTo(20);
        assertThat(e.errnoName()).isEqualTo("ENOTDIR");
        assertThat(e.step()).isEqualTo(SpawnException.Step.CHDIR);
        assertThat(e.program()).isEqualTo("true");
    }

    @Test
    void aMissingStdinFileIsEnoentAtOpenRedirect() {
        Path missing = dir.resolve("input.txt");
        SpawnException e = thrown(SpawnException.class, () -> cmd("cat").stdin(Redirect.read(missing)).run());
        assertThat(e).hasMessage("No such file or directory (open): '" + missing + "'");
        assertThat(e.errnoName()).isEqualTo("ENOENT");
        assertThat(e.step()).isEqualTo(SpawnException.Step.OPEN_REDIRECT);
        assertThat(e.program()).isEqualTo("cat");
    }

    @Test
    void anOutputFileInAMissingDirectoryIsEnoentAtOpenRedirect() {
        Path out = dir.resolve("no-such-dir").resolve("out.txt");
        for (Command c : List.of(
                cmd("echo", "x").stdout(Redirect.file(out)),
                cmd("echo", "x").stdout(Redirect.append(out)),
                cmd("echo", "x").stderr(Redirect.file(out)))) {
            SpawnException e = thrown(SpawnException.class, c::run);
            assertThat(e.getMessage()).startsWith("No such file or directory (open): ").contains(out.toString());
            assertThat(e.errnoName()).isEqualTo("ENOENT");
            assertThat(e.step()).isEqualTo(SpawnException.Step.OPEN_REDIRECT);
            assertThat(e.program()).isEqualTo("echo");
        }
        assertThat(out.getParent()).doesNotExist();
    }

    @Test
    void aFailedSpawnLeavesNoFdThreadOrChildBehindEvenAfterManyFailures() throws IOException {
        Path script = Files.writeString(dir.resolve("not-executable"), "#!/bin/sh\n");
        List<Command> failing = List.of(
                cmd("nosuchprog").captureOutput().input("data"),
                cmd(script.toString()).captureOutput(),
                cmd("true").cwd(dir.resolve("missing")).captureOutput(),
                cmd("cat").stdin(Redirect.read(dir.resolve("missing"))).stdout(Redirect.PIPE));
        failing.forEach(c -> assertThatThrownBy(c::run).isInstanceOf(SpawnException.class)); // JDK lazy state warmed up

        int fdsBefore = LeakCheckExtension.openFds();
        for (int i = 0; i < 200; i++) {
            Command c = failing.get(i % failing.size());
            assertThatThrownBy(c::run).isInstanceOf(SpawnException.class);
        }
        assertThat(LeakCheckExtension.openFds()).as("open fds after 200 failed spawns").isLessThanOrEqualTo(fdsBefore);
        assertThat(PumpThreads.live()).isZero();
        assertThat(ProcessHandle.current().children()).isEmpty();
    }

    // ---- options a backend may lack -----------------------------------------------------------

    /**
     * An option and the feature it needs: applied to {@code /bin/sh -c check} on a backend that
     * has the feature (the check exits 0 when the option took effect), refused otherwise.
     */
    record Option(String name, Backend.Feature feature, UnaryOperator<Command> apply, String check) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Option> optionsNeedingAFeature() {
        long uid = idOfThisProcess("uid");
        long gid = idOfThisProcess("gid");
        String statFields = "read -r pid comm state ppid pgrp session rest < /proc/$$/stat; ";
        return Stream.of(
                new Option("startNewSession()", Backend.Feature.SESSIONS, Command::startNewSession,
                        statFields + "[ \"$session\" = \"$$\" ] && [ \"$pgrp\" = \"$$\" ]"),
                new Option("processGroup(0)", Backend.Feature.PROCESS_GROUPS, c -> c.processGroup(0),
                        statFields + "[ \"$pgrp\" = \"$$\" ] && [ \"$session\" != \"$$\" ]"),
                new Option("rlimit(NOFILE", Backend.Feature.RLIMITS, c -> c.rlimit(Rlimit.NOFILE, 64, 64),
                        "[ \"$(ulimit -n)\" = 64 ]"),
                new Option("user(" + userName() + ")", Backend.Feature.CREDENTIALS, c -> c.user(userName()),
                        "[ \"$(id -u)\" = " + uid + " ]"),
                new Option("group(" + gid + ")", Backend.Feature.CREDENTIALS, c -> c.group(Long.toString(gid)),
                        "[ \"$(id -g)\" = " + gid + " ]"),
                new Option("extraGroups(", Backend.Feature.CREDENTIALS, c -> c.extraGroups(Long.toString(gid)),
                        "id -G | grep -qw " + gid),
                new Option("umask(027)", Backend.Feature.UMASK, c -> c.umask(027),
                        "[ \"$(umask)\" = 0027 ]"),
                new Option("passFds(", Backend.Feature.PASS_FDS, c -> {
                            int fd = openFdOfTheJvm();
                            return c.passFds(fd).putEnv("PASSED", Integer.toString(fd));
                        },
                        "[ -e /proc/self/fd/$PASSED ]"),
                new Option("closeFds(false)", Backend.Feature.KEEP_FDS, c -> c.closeFds(false), "true"),
                new Option("restoreSignals(false)", Backend.Feature.KEEP_SIGNAL_DISPOSITIONS, c -> c.restoreSignals(false), "true"),
                new Option("killOnParentExit()", Backend.Feature.KILL_ON_PARENT_EXIT, Command::killOnParentExit, "true"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("optionsNeedingAFeature")
    void anOptionRunsWhereTheBackendHasItsFeatureAndIsRefusedByNameElsewhere(Option option) {
        if (supports(option.feature())) {
            CompletedProcess r = option.apply().apply(sh(option.check())).captureOutput().run();
            assertThat(r.returnCode()).as("%s took effect; stderr: %s", option, r.stderr()).isZero();
            return;
        }
        Command refused = option.apply().apply(cmd("true"));
        for (ThrowingCallable attempt : List.<ThrowingCallable>of(refused::run, () -> refused.start().close())) {
            assertThatThrownBy(attempt)
                    .isInstanceOf(UnsupportedOperationException.class)
                    .hasMessageContaining(option.name())
                    .hasMessageContaining(backend().name());
        }
        assertThat(ProcessHandle.current().children()).as("refused before anything was started").isEmpty();
    }

    @Test
    void executableWithItsOwnArgv0NeedsTheArgv0Feature() {
        Command renamed = cmd("my-shell", "-c", "echo \"$0\"").executable(Path.of("/bin/sh")).stdout(Redirect.PIPE);
        if (supports(Backend.Feature.ARGV0)) {
            assertThat(renamed.run().stdout()).isEqualTo("my-shell\n");
            return;
        }
        assertThatThrownBy(renamed::run)
                .isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("executable(/bin/sh)")
                .hasMessageContaining(backend().name());
        assertThat(cmd("/bin/sh", "-c", "echo ok").executable(Path.of("/bin/sh")).stdout(Redirect.PIPE).run().stdout())
                .as("the same program as argv[0] needs no feature").isEqualTo("ok\n");
    }

    private static String userName() {
        return System.getProperty("user.name");
    }

    private static long idOfThisProcess(String which) {
        try {
            return ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:" + which)).longValue();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The lowest fd of at least 3 that the JVM holds open on a regular file (its module image, say). */
    private static int openFdOfTheJvm() {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.filter(p -> Files.isRegularFile(p))
                    .mapToInt(p -> Integer.parseInt(p.getFileName().toString()))
                    .filter(fd -> fd >= 3)
                    .min().orElseThrow();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
