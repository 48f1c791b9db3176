package dev.subprocess4j.internal.linux;

import static dev.subprocess4j.fixtures.ContractSupport.thrown;
import static org.assertj.core.api.Assertions.assertThat;

import dev.subprocess4j.BackendContract;
import dev.subprocess4j.BackendHook;
import dev.subprocess4j.Command;
import dev.subprocess4j.CompletedProcess;
import dev.subprocess4j.Popen;
import dev.subprocess4j.Redirect;
import dev.subprocess4j.Rlimit;
import dev.subprocess4j.Signal;
import dev.subprocess4j.SpawnException;
import dev.subprocess4j.Subprocess;
import dev.subprocess4j.fixtures.ChildSetupTestMain;
import dev.subprocess4j.fixtures.ContractSupport;
import dev.subprocess4j.fixtures.LeakCheckExtension;
import dev.subprocess4j.internal.Backend;
import dev.subprocess4j.internal.BackendSelector;
import dev.subprocess4j.internal.linux.ffi.Unistd;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The child-setup path of the linux-native backend (resource limits, umask, passed fds, the
 * parent-death signal, users and groups): each option has a visible effect in the child, none in
 * the JVM, and each failing step is reported as its step and errno with nothing left behind.
 * Runs as root here, so {@code nobody} (65534) is there to switch to.
 */
class LinuxChildSetupTest extends BackendContract {
    private static final long NOBODY = 65534;

    @TempDir
    Path dir;

    @Override
    protected Backend backend() {
        return BackendSelector.byName("linux-native");
    }

    // ---- resource limits ------------------------------------------------------------------------

    @Test
    void rlimitsAreSeenByTheChildAndTheJvmKeepsItsOwn() throws IOException {
        String jvmBefore = proc("/proc/self/limits");
        String child = cmd("cat", "/proc/self/limits")
                .rlimit(Rlimit.NOFILE, 64, 128)
                .rlimit(Rlimit.CPU, 100, Rlimit.UNLIMITED)
                .rlimit(Rlimit.AS, 1L << 30, 2L << 30)
                .rlimit(Rlimit.FSIZE, 1 << 20, 1 << 20)
                .captureOutput().run().stdout();
        assertThat(limit(child, "Max open files")).containsExactly("64", "128");
        assertThat(limit(child, "Max cpu time")).containsExactly("100", "unlimited");
        assertThat(limit(child, "Max address space")).containsExactly(Long.toString(1L << 30), Long.toString(2L << 30));
        assertThat(limit(child, "Max file size")).containsExactly(Long.toString(1 << 20), Long.toString(1 << 20));
        assertThat(proc("/proc/self/limits")).as("the JVM's own limits").isEqualTo(jvmBefore);
    }

    @Test
    void theShellSeesTheNofileLimit() {
        assertThat(sh("ulimit -n; ulimit -Hn").rlimit(Rlimit.NOFILE, 50, 60).captureOutput().run().stdout())
                .isEqualTo("50\n60\n");
    }

    @Test
    @Timeout(30)
    void aCpuLimitEndsABusyChildWithSigxcpu() {
        CompletedProcess r = sh("while :; do :; done").rlimit(Rlimit.CPU, 1, 2).run();
        assertThat(r.returnCode()).as("killed by SIGXCPU at the soft limit (SIGKILL at the hard one)")
                .isIn(-Signal.SIGXCPU.number(), -Signal.SIGKILL.number());
        assertThat(r.usage().orElseThrow().userCpu().plus(r.usage().orElseThrow().systemCpu()))
                .as("it ran about its second of CPU (rusage is sampled coarser than the limit)")
                .isGreaterThanOrEqualTo(Duration.ofMillis(500));
    }

    @Test
    void aFileSizeLimitStopsAWriterWithSigxfsz() throws IOException {
        Path out = dir.resolve("big");
        CompletedProcess r = cmd("head", "-c", "100000", "/dev/zero").stdout(Redirect.file(out))
                .rlimit(Rlimit.FSIZE, 4096, 4096).run();
        assertThat(r.returnCode()).isEqualTo(-Signal.SIGXFSZ.number());
        assertThat(Files.size(out)).isEqualTo(4096);
    }

    @Test
    void raisingAHardLimitAboveWhatTheKernelAllowsFailsAtRlimitWithEperm() throws IOException {
        // Above fs.nr_open no process may raise NOFILE, CAP_SYS_RESOURCE or not.
        long nrOpen = Long.parseLong(proc("/proc/sys/fs/nr_open").strip());
        SpawnException e = thrown(SpawnException.class,
                () -> cmd("true").rlimit(Rlimit.NOFILE, 64, nrOpen + 1).captureOutput().run());
        assertThat(e.step()).isEqualTo(SpawnException.Step.RLIMIT);
        assertThat(e.errnoName()).isEqualTo("EPERM");
        assertThat(e).hasMessage("Operation not permitted (setrlimit): 'rlimit(NOFILE, 64, " + (nrOpen + 1) + ")'");
        assertThat(e.program()).isEqualTo("true");
    }

    // ---- umask ------------------------------------------------------------------------------------

    @Test
    void umaskIsTheChildsAndFilesItCreatesFollowIt() throws IOException {
        Path file = dir.resolve("made-by-child");
        CompletedProcess r = cmd("/bin/sh", "-c", "umask; : > \"$0\"", file.toString()).umask(077).captureOutput().run();
        assertThat(r.stdout()).isEqualTo("0077\n");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    }

    @Test
    void theJvmsUmaskIsUnchanged() {
        String before = sh("umask").captureOutput().run().stdout();
        sh("umask").umask(0).captureOutput().run();
        assertThat(sh("umask").captureOutput().run().stdout()).isEqualTo(before);
    }

    // ---- passFds -------------------------------------------------------------------------------------

    @Test
    void aPassedPipeEndIsOpenInTheChildAndEveryOtherFdIsClosed() throws IOException {
        int[] passed = Unistd.pipe2(Unistd.O_CLOEXEC);
        int[] notPassed = Unistd.pipe2(0); // not close-on-exec: only closeFds keeps it from the child
        int writeEnd = passed[1];
        try {
            CompletedProcess r = sh("echo through-the-pipe > /proc/self/fd/" + writeEnd + "; ls /proc/self/fd")
                    .passFds(writeEnd).stdin(Redirect.DEVNULL).captureOutput().run();
            assertThat(r.returnCode()).as(r.stderr()).isZero();
            Unistd.close(writeEnd);
            passed[1] = -1;
            assertThat(proc("/proc/self/fd/" + passed[0])).isEqualTo("through-the-pipe\n");
            Set<Integer> childFds = Arrays.stream(r.stdout().split("\n")).map(Integer::valueOf)
                    .collect(Collectors.toCollection(TreeSet::new));
            // 0-2, the passed fd, and the directory ls opened for its listing after the exec
            assertThat(childFds).contains(0, 1, 2, writeEnd).hasSize(5)
                    .doesNotContain(passed[0], notPassed[0], notPassed[1]);
        } finally {
            Unistd.closeQuietly(passed[0]);
            Unistd.closeQuietly(passed[1]);
            Unistd.closeQuietly(notPassed[0]);
            Unistd.closeQuietly(notPassed[1]);
        }
    }

    @Test
    void aPassedFdKeepsItsNumberAndTheJvmKeepsItsCloseOnExec() throws IOException {
        int[] p = Unistd.pipe2(Unistd.O_CLOEXEC);
        try {
            String out = sh("[ -e /proc/self/fd/" + p[1] + " ] && echo open").passFds(p[1]).captureOutput().run().stdout();
            assertThat(out).isEqualTo("open\n");
            String flags = Files.readAllLines(Path.of("/proc/self/fdinfo/" + p[1])).stream()
                    .filter(l -> l.startsWith("flags:")).findFirst().orElseThrow();
            long octal = Long.parseLong(flags.substring(6).strip(), 8);
            assertThat(octal & Unistd.O_CLOEXEC).as("close-on-exec of the JVM's own fd").isNotZero();
        } finally {
            Unistd.closeQuietly(p[0]);
            Unistd.closeQuietly(p[1]);
        }
    }

    @Test
    void passingAClosedFdFailsAtFdsWithEbadfAndLeavesNothing() {
        int fdsBefore = LeakCheckExtension.openFds();
        SpawnException e = thrown(SpawnException.class, () -> cmd("true").passFds(1017).captureOutput().run());
        assertThat(e.step()).isEqualTo(SpawnException.Step.FDS);
        assertThat(e.errnoName()).isEqualTo("EBADF");
        assertThat(e).hasMessage("Bad file descriptor (fds): 'fd 1017'");
        assertThat(LeakCheckExtension.openFds()).isLessThanOrEqualTo(fdsBefore);
        assertThat(ProcessHandle.current().children()).isEmpty();
    }

    /**
     * On the copying paths (closeFds(false), passFds, credentials, the shared table turned off) the
     * error pipe is made right before the clone and takes the two lowest free fds: a
     * {@code Redirect.fd(n)} naming a closed fd that the pipe then took is not the caller's fd. It
     * fails at once with EBADF, as on the shared-table path, and the program never runs (it used
     * to get the pipe: as its stdout, its own output was read as a failure report once it ended).
     */
    @Test
    void aRedirectToAClosedFdThatTheErrorPipeTakesFailsWithEbadfOnEveryCopyingPath() throws IOException {
        int[] passed = Unistd.pipe2(Unistd.O_CLOEXEC);
        try {
            Path marker = dir.resolve("ran");
            record Path_(String name, java.util.function.UnaryOperator<Command> how, boolean tableOff) {}
            List<Path_> paths = List.of(
                    new Path_("closeFds(false)", c -> c.closeFds(false).umask(022), false),
                    new Path_("passFds", c -> c.passFds(passed[1]), false),
                    new Path_("credentials", c -> c.user("root"), false),
                    new Path_("sharedFdTable=false", c -> c.umask(022), true));
            for (Path_ path : paths) {
                Command base = path.how().apply(sh("touch " + marker + "; echo program-output-not-a-report; sleep 5"));
                assertThat(path.how().apply(cmd("true")).run().returnCode()).isZero(); // warm: nothing opened below
                for (int end = 0; end < 2; end++) {
                    if (path.tableOff()) {
                        System.setProperty("subprocess4j.sharedFdTable", "false");
                    }
                    try {
                        int[] free = Unistd.pipe2Above(3, Unistd.O_CLOEXEC); // the numbers the error pipe gets next
                        Unistd.close(free[0]);
                        Unistd.close(free[1]);
                        Command c = base.stdout(Redirect.fd(free[end]));
                        SpawnException e = thrown(SpawnException.class, c::run);
                        assertThat(e.step()).as(path.name() + ", " + e).isEqualTo(SpawnException.Step.FDS);
                        assertThat(e.errnoName()).as(path.name() + ", " + e).isEqualTo("EBADF");
                        assertThat(e).hasMessage("Bad file descriptor (fds): 'fd " + free[end] + "'");
                    } finally {
                        System.clearProperty("subprocess4j.sharedFdTable");
                    }
                    assertThat(marker).as(path.name() + ": the program never ran").doesNotExist();
                }
            }
        } finally {
            Unistd.closeQuietly(passed[0]);
            Unistd.closeQuietly(passed[1]);
        }
        assertThat(ProcessHandle.current().children()).isEmpty();
    }

    /**
     * A {@code Redirect.fd(n)} naming a closed fd that the child's own pipe then takes (the pipes
     * are made first, at the lowest free numbers) is not the caller's fd: EBADF at once on every
     * path, and the program never runs (it used to get the library's end of its own pipe).
     */
    @Test
    void aRedirectToAClosedFdThatTheChildsOwnPipeTakesFailsWithEbadfOnEveryPath() throws IOException {
        Path marker = dir.resolve("ran");
        List<java.util.function.UnaryOperator<Command>> paths = List.of(c -> c, c -> c.closeFds(false),
                c -> c.umask(022), c -> c.closeFds(false).umask(022));
        for (java.util.function.UnaryOperator<Command> path : paths) {
            assertThat(path.apply(cmd("true")).stdout(Redirect.PIPE).run().returnCode()).isZero(); // warm
            for (int end = 0; end < 2; end++) {
                int[] free = Unistd.pipe2Above(3, Unistd.O_CLOEXEC); // the numbers the stdout pipe gets next
                Unistd.close(free[0]);
                Unistd.close(free[1]);
                Command c = path.apply(sh("touch " + marker)).stdout(Redirect.PIPE).stderr(Redirect.fd(free[end]));
                SpawnException e = thrown(SpawnException.class, c::run);
                assertThat(e.step()).as(c + ", " + e).isEqualTo(SpawnException.Step.FDS);
                assertThat(e).hasMessage("Bad file descriptor (fds): 'fd " + free[end] + "'");
                assertThat(marker).as(c + ": the program never ran").doesNotExist();
            }
        }
    }

    // ---- failing steps ------------------------------------------------------------------------------

    @Test
    void eachStepOfTheSetupPathReportsItselfAndLeavesNothingBehind() throws IOException {
        Path missing = dir.resolve("missing");
        Path script = Files.writeString(dir.resolve("script"), "#!/bin/sh\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rw-r--r--"));
        record Case(Command command, SpawnException.Step step, String errno, String message) {}
        List<Case> cases = List.of(
                new Case(cmd("true").umask(022).cwd(missing), SpawnException.Step.CHDIR, "ENOENT",
                        "No such file or directory (chdir): '" + missing + "'"),
                new Case(cmd("cat").umask(022).stdin(Redirect.read(missing)), SpawnException.Step.OPEN_REDIRECT, "ENOENT",
                        "No such file or directory (open): '" + missing + "'"),
                new Case(cmd("true").umask(022).stdout(Redirect.file(missing.resolve("x"))),
                        SpawnException.Step.OPEN_REDIRECT, "ENOENT",
                        "No such file or directory (open): '" + missing.resolve("x") + "'"),
                new Case(cmd(script.toString()).umask(022), SpawnException.Step.EXEC, "EACCES",
                        "Permission denied: '" + script + "'"),
                new Case(cmd("true").umask(022).stdout(Redirect.fd(1019)), SpawnException.Step.FDS, "EBADF",
                        "Bad file descriptor (fds): 'fd 1019'"),
                new Case(cmd("true").umask(022).processGroup(999_999_999), SpawnException.Step.SETPGID, "EPERM",
                        "Operation not permitted (setpgid): 'process group 999999999'"),
                new Case(cmd(script.toString()).user("nobody"), SpawnException.Step.EXEC, "EACCES",
                        "Permission denied: '" + script + "'"),
                // with the helper, which sets the limits for the program (not for itself)
                new Case(cmd("true").user("nobody").rlimit(Rlimit.NOFILE, 64, 1L << 40), SpawnException.Step.RLIMIT, "EPERM",
                        "Operation not permitted (setrlimit): 'rlimit(NOFILE, 64, " + (1L << 40) + ")'"));
        for (Case c : cases) {
            SpawnException e = thrown(SpawnException.class, c.command()::run);
            assertThat(e.step()).as(c.command() + ": " + e).isEqualTo(c.step());
            assertThat(e.errnoName()).as(c.command() + ": " + e).isEqualTo(c.errno());
            if (c.message() != null) {
                assertThat(e).hasMessage(c.message());
            }
        }
        int fdsBefore = LeakCheckExtension.openFds();
        for (int i = 0; i < 100; i++) {
            Command c = cases.get(i % cases.size()).command().stderr(Redirect.PIPE); // a pipe to leak, if anything leaked
            assertThat(thrown(SpawnException.class, c::run)).isNotNull();
        }
        assertThat(LeakCheckExtension.openFds()).as("open fds after 100 failed spawns").isLessThanOrEqualTo(fdsBefore);
        assertThat(ProcessHandle.current().children()).as("no zombie, no child").isEmpty();
    }

    @Test
    void aHelperThatCannotBeExecutedIsStepHelper() {
        // 8 MB of arguments: above what execve takes (a quarter of the stack limit, at most 6 MB),
        // so the exec of the helper, the first of the two, fails.
        List<String> argv = new java.util.ArrayList<>(List.of("true"));
        String chunk = "x".repeat(100_000);
        for (int i = 0; i < 80; i++) {
            argv.add(chunk);
        }
        SpawnException e = thrown(SpawnException.class,
                () -> BackendHook.withBackend(Subprocess.command(argv), backend()).user("nobody").run());
        assertThat(e.step()).isEqualTo(SpawnException.Step.HELPER);
        assertThat(e.errnoName()).isEqualTo("E2BIG");
        assertThat(e.getMessage()).startsWith("Argument list too long (helper): 'subprocess4j-helper (sealed memfd, fd ")
                .endsWith(")'");
        assertThat(ProcessHandle.current().children()).isEmpty();
    }

    // ---- users and groups ---------------------------------------------------------------------------

    @Test
    void userNobodyGetsItsUidItsPrimaryGroupAndNoSupplementaryGroup() {
        String out = sh("id -u; id -g; id -G").user("nobody").captureOutput().run().stdout();
        String nobodyGid = primaryGidOfNobody();
        assertThat(out.split("\n")).containsExactly(Long.toString(NOBODY), nobodyGid, nobodyGid);
    }

    @Test
    void aNumericUserWorksLikeItsName() {
        assertThat(sh("id -u; id -g").user(Long.toString(NOBODY)).captureOutput().run().stdout())
                .isEqualTo(NOBODY + "\n" + primaryGidOfNobody() + "\n");
    }

    @Test
    void theChildHasDroppedEveryIdAndEveryCapabilitySoItCannotTurnBackIntoRoot() throws IOException {
        String status = cmd("cat", "/proc/self/status").user("nobody").captureOutput().run().stdout();
        assertThat(line(status, "Uid:")).as("real, effective, saved and fs uid").isEqualTo("65534 65534 65534 65534");
        String g = primaryGidOfNobody();
        assertThat(line(status, "Gid:")).isEqualTo(g + " " + g + " " + g + " " + g);
        assertThat(line(status, "Groups:")).isEmpty();
        assertThat(line(status, "CapPrm:")).isEqualTo("0000000000000000");
        assertThat(line(status, "CapEff:")).isEqualTo("0000000000000000");
    }

    @Test
    void groupAndExtraGroupsAreExact() {
        String out = sh("id -u; id -g; id -G").user("nobody").group("daemon").extraGroups("users", "5")
                .captureOutput().run().stdout();
        String[] lines = out.split("\n");
        assertThat(lines[0]).isEqualTo("65534");
        assertThat(lines[1]).isEqualTo("1");
        assertThat(lines[2].split(" ")).containsExactlyInAnyOrder("1", "5", "100");
    }

    @Test
    void groupAloneChangesTheGidOnly() {
        assertThat(sh("id -u; id -g").group("daemon").captureOutput().run().stdout()).isEqualTo("0\n1\n");
    }

    @Test
    void extraGroupsAloneSetTheSupplementaryGroups() {
        assertThat(sh("id -u; id -G").extraGroups("5").captureOutput().run().stdout().split("\n"))
                .containsExactly("0", "0 5");
    }

    @Test
    void anUnknownUserOrGroupIsRefusedByNameBeforeAnythingIsSpawned() {
        int fdsBefore = LeakCheckExtension.openFds();
        for (Command c : List.of(cmd("true").user("no-such-user-x"), cmd("true").group("no-such-group-x"),
                cmd("true").user("nobody").extraGroups("users", "no-such-group-x"))) {
            IllegalArgumentException e = thrown(IllegalArgumentException.class, () -> c.captureOutput().start());
            assertThat(e.getMessage()).containsPattern("unknown (user|group|extra group): 'no-such-(user|group)-x'");
        }
        assertThat(ProcessHandle.current().children()).isEmpty();
        assertThat(LeakCheckExtension.openFds()).isLessThanOrEqualTo(fdsBefore);
    }

    @Test
    void aUidWithoutAPasswordEntryNeedsAGroup() {
        assertThat(thrown(IllegalArgumentException.class, () -> cmd("true").user("4000000").run()))
                .hasMessageContaining("user 4000000 has no entry in the password database");
        assertThat(sh("id -u; id -g").user("4000000").group("4000001").captureOutput().run().stdout())
                .isEqualTo("4000000\n4000001\n");
    }

    @Test
    void theJvmStaysDumpableAfterSpawningWithOtherIds() throws Throwable {
        MethodHandle prctl = Linker.nativeLinker().downcallHandle(
                Linker.nativeLinker().defaultLookup().find("prctl").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG),
                Linker.Option.firstVariadicArg(1));
        int prGetDumpable = 3;
        assertThat((int) prctl.invokeExact(prGetDumpable, 0L)).isEqualTo(1);
        for (int i = 0; i < 20; i++) {
            sh("id -u").user("nobody").group("daemon").extraGroups("5").captureOutput().run().checkReturnCode();
        }
        assertThat((int) prctl.invokeExact(prGetDumpable, 0L)).as("PR_GET_DUMPABLE after credential changes").isEqualTo(1);
    }

    @Test
    @Timeout(60)
    void anUnprivilegedJvmCannotTakeIdsItDoesNotHaveAndEachRefusalNamesItsStep() throws Exception {
        Path classes = worldReadableCopyOfTheClasses();
        Path tmp = Files.createDirectory(classes.resolve("tmp")); // nobody's java.io.tmpdir
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxrwxrwx"));
        try {
            CompletedProcess r = cmd(javaBin(), "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData",
                    "--enable-native-access=ALL-UNNAMED", "-Djava.io.tmpdir=" + tmp, "-cp", classes.toString(),
                    ChildSetupTestMain.class.getName(), "unprivileged")
                    .user("nobody").clearEnv().putEnv("PATH", "/usr/bin:/bin").putEnv("LANG", "C.UTF-8")
                    .stdin(Redirect.DEVNULL)
                    .captureOutput().timeout(Duration.ofSeconds(50)).run();
            assertThat(r.returnCode()).as(r.stderr()).isZero();
            assertThat(r.stdout().strip().split(" ")).containsExactly(
                    "user-root=SETGID/EPERM",
                    "user-root-own-group=SETUID/EPERM",
                    "extra-group-root=SETGROUPS/EPERM",
                    "user-self=ok:65534",
                    "raise-hard-nofile=RLIMIT/EPERM");
        } finally {
            deleteTree(classes);
        }
    }

    // ---- killOnParentExit ---------------------------------------------------------------------------

    private static final int PARENT_DEATH_CHILDREN = 50;

    /** 10 runs in CI (about 8 s here); {@code -Dsubprocess4j.parentDeath.runs=N} for another count. */
    @Test
    @Timeout(600)
    void killOnParentExitKillsEveryChildWithinASecondOfTheJvmsDeathAndOnlyThen() throws Exception {
        parentDeath(Integer.getInteger("subprocess4j.parentDeath.runs", 10));
    }

    /** The full count of issue [7] under {@code -Psoak}: 20 runs of 50 children. */
    @Test
    @Tag("soak")
    @Timeout(600)
    void killOnParentExitKillsFiftyChildrenWithinASecondOfTheJvmsDeathInTwentyRuns() throws Exception {
        parentDeath(20);
    }

    private void parentDeath(int runs) throws Exception {
        String cp = Arrays.stream(System.getProperty("java.class.path").split(java.io.File.pathSeparator))
                .filter(e -> e.endsWith("classes")).collect(Collectors.joining(java.io.File.pathSeparator));
        long slowest = 0;
        for (int run = 0; run < runs; run++) {
            long[] kill = new long[0];
            long[] keep = new long[0];
            try (Popen jvm = cmd(javaBin(), "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData",
                    "--enable-native-access=ALL-UNNAMED", "-cp", cp, ChildSetupTestMain.class.getName(),
                    "kill-on-parent-exit", Integer.toString(PARENT_DEATH_CHILDREN)).stdin(Redirect.DEVNULL)
                    .stdout(Redirect.PIPE).timeout(Duration.ofSeconds(60)).start()) {
                try {
                    BufferedReader lines = new BufferedReader(new InputStreamReader(jvm.stdout(), StandardCharsets.UTF_8));
                    kill = pids(lines.readLine(), "kill ", run);
                    keep = pids(lines.readLine(), "keep ", run);
                    assertThat(kill).hasSize(PARENT_DEATH_CHILDREN);
                    assertThat(keep).hasSize(PARENT_DEATH_CHILDREN);
                    for (long pid : kill) {
                        assertThat(alive(pid)).as("run %d: pid %d (killOnParentExit) lives while its JVM lives", run, pid)
                                .isTrue();
                    }
                    jvm.kill(); // SIGKILL: the JVM runs no code of its own on the way out
                    assertThat(jvm.waitFor()).isEqualTo(-9);
                    long killedAt = System.nanoTime();
                    for (long pid : kill) {
                        awaitDeath(pid, killedAt, run);
                    }
                    slowest = Math.max(slowest, System.nanoTime() - killedAt);
                    for (long pid : keep) {
                        assertThat(alive(pid)).as("run %d: pid %d (without the option) outlives the JVM", run, pid).isTrue();
                    }
                } finally {
                    for (long pid : kill) {
                        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
                    }
                    for (long pid : keep) {
                        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
                    }
                }
            }
        }
        System.out.printf("killOnParentExit: %d runs x %d children, all gone within %.1f ms of the JVM's SIGKILL%n",
                runs, PARENT_DEATH_CHILDREN, slowest / 1e6);
    }

    private static long[] pids(String line, String prefix, int run) {
        assertThat(line).as("run %d", run).startsWith(prefix);
        return Arrays.stream(line.substring(prefix.length()).split(" ")).mapToLong(Long::parseLong).toArray();
    }

    private static void awaitDeath(long pid, long sinceNanos, int run) throws InterruptedException {
        while (alive(pid)) {
            if (System.nanoTime() - sinceNanos > 1_000_000_000L) {
                throw new AssertionError("run " + run + ": pid " + pid + " still alive 1 s after its JVM was killed");
            }
            Thread.sleep(5);
        }
    }

    /** Alive: exists and is not a zombie (an orphan's zombie waits for whoever reaps orphans here). */
    private static boolean alive(long pid) {
        try {
            String stat = proc("/proc/" + pid + "/stat");
            return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
        } catch (IOException e) {
            return false;
        }
    }

    // ---- helpers --------------------------------------------------------------------------------------

    /** A file of /proc, read whole (their size reads as 0, which trips Files.readString). */
    private static String proc(String path) throws IOException {
        try (var in = Files.newInputStream(Path.of(path))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** The fields of one line of /proc/PID/limits: soft and hard. */
    private static List<String> limit(String limits, String name) {
        String l = limits.lines().filter(s -> s.startsWith(name)).findFirst().orElseThrow();
        String[] f = l.substring(26).trim().split("\\s+");
        return List.of(f[0], f[1]);
    }

    private static String line(String status, String key) {
        return status.lines().filter(l -> l.startsWith(key)).findFirst().orElseThrow()
                .substring(key.length()).trim().replaceAll("\\s+", " ");
    }

    private static String primaryGidOfNobody() {
        try {
            return Files.readAllLines(Path.of("/etc/passwd")).stream().filter(l -> l.startsWith("nobody:"))
                    .map(l -> l.split(":")[3]).findFirst().orElseThrow();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The library's classes and this test's main, copied where {@code nobody} can read them (the
     * build directory may be under a home directory only root can enter).
     */
    private Path worldReadableCopyOfTheClasses() throws IOException {
        Path copy = Files.createTempDirectory(Path.of("/tmp"), "subprocess4j-test-classes");
        Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString("rwxr-xr-x"));
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            Path from = Path.of(entry);
            if (!Files.isDirectory(from) || !entry.endsWith("classes")) {
                continue;
            }
            try (var all = Files.walk(from)) {
                for (Path p : all.toList()) {
                    Path to = copy.resolve(from.relativize(p).toString());
                    if (Files.isDirectory(p)) {
                        Files.createDirectories(to);
                        Files.setPosixFilePermissions(to, PosixFilePermissions.fromString("rwxr-xr-x"));
                    } else if (!Files.exists(to)) {
                        Files.copy(p, to);
                        Files.setPosixFilePermissions(to, PosixFilePermissions.fromString("rw-r--r--"));
                    }
                }
            }
        }
        return copy;
    }

    private static void deleteTree(Path root) throws IOException {
        try (var all = Files.walk(root)) {
            for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
