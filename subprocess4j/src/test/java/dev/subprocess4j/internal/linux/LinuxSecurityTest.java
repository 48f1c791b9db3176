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
import dev.subprocess4j.SpawnException;
import dev.subprocess4j.Subprocess;
import dev.subprocess4j.fixtures.ContractSupport;
import dev.subprocess4j.internal.Backend;
import dev.subprocess4j.internal.BackendSelector;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The security guarantees of issue [7] on the linux-native backend: nothing of the JVM leaks into a
 * child (fds) on any spawn path, a dropped child cannot take root back, no shell runs unless asked,
 * and a child at its process limit fails with EAGAIN and leaves nothing behind. Runs as root.
 */
class LinuxSecurityTest extends BackendContract {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle OPEN = LINKER.downcallHandle(LINKER.defaultLookup().find("open").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT),
            Linker.Option.firstVariadicArg(2));
    private static final MethodHandle CLOSE = LINKER.downcallHandle(LINKER.defaultLookup().find("close").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final int O_RDONLY = 0;
    private static final int O_CLOEXEC = 02000000; // <fcntl.h> on Linux

    @TempDir
    Path dir;

    @Override
    protected Backend backend() {
        return BackendSelector.byName("linux-native");
    }

    // ---- fds: only 0-2 and passFds, on every spawn path ---------------------------------------------

    @Test
    void onEverySpawnPathTheChildSeesOnlyItsStdioAndPassFdsWhileTheJvmHoldsAThousandInheritableFds()
            throws Throwable {
        List<Integer> opened = new ArrayList<>();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment devNull = arena.allocateFrom("/dev/null");
            for (int i = 0; i < 1000; i++) {
                int fd = (int) OPEN.invokeExact(devNull, O_RDONLY); // no O_CLOEXEC: every exec would inherit it
                assertThat(fd).as("open(/dev/null)").isNotNegative();
                opened.add(fd);
            }
        }
        try {
            int sample = opened.get(500);
            assertThat(fdFlags(sample) & O_CLOEXEC).as("the JVM's fds are really inheritable").isZero();
            int passed = opened.get(777);
            Map<String, UnaryOperator<Command>> paths = new LinkedHashMap<>();
            // With the shared-table spawn on (the default: the child unshares the JVM's fd table keeping
            // only the fds below the slots) and off (posix_spawn and the in-process clone copy the whole
            // table, then close every fd from 3 up). passFds and user() always take the copying paths.
            for (String shared : List.of("shared table", "shared table off")) {
                UnaryOperator<Command> mode = c -> {
                    if (shared.endsWith("off")) {
                        System.setProperty("subprocess4j.sharedFdTable", "false");
                    } else {
                        System.clearProperty("subprocess4j.sharedFdTable");
                    }
                    return c;
                };
                paths.put(shared + ": fast path", mode);
                paths.put(shared + ": in-process child setup (umask)", c -> mode.apply(c).umask(022));
                paths.put(shared + ": in-process child setup with passFds", c -> mode.apply(c).passFds(passed));
                paths.put(shared + ": exec'd helper (user nobody) with passFds",
                        c -> mode.apply(c).user("nobody").passFds(passed));
                paths.put(shared + ": session and rlimit", c -> mode.apply(c).startNewSession().rlimit(Rlimit.CORE, 0, 0));
                paths.put(shared + ": killOnParentExit (the spawner thread)",
                        c -> mode.apply(c).killOnParentExit());
            }
            for (Map.Entry<String, UnaryOperator<Command>> path : paths.entrySet()) {
                CompletedProcess r = path.getValue().apply(cmd("ls", "/proc/self/fd")).stdin(Redirect.DEVNULL)
                        .captureOutput().run();
                assertThat(r.returnCode()).as("%s: %s", path.getKey(), r.stderr()).isZero();
                Set<Integer> childFds = r.stdout().lines().map(Integer::valueOf)
                        .collect(Collectors.toCollection(TreeSet::new));
                boolean passes = path.getKey().contains("passFds");
                Set<Integer> allowed = new TreeSet<>(List.of(0, 1, 2));
                if (passes) {
                    allowed.add(passed);
                }
                assertThat(childFds).as(path.getKey()).containsAll(allowed);
                List<Integer> extra = childFds.stream().filter(fd -> !allowed.contains(fd)).toList();
                // ls opens /proc/self/fd itself: that one directory fd, at the lowest free number, is its own
                assertThat(extra).as("%s: fds beyond 0-2 and passFds", path.getKey()).hasSizeLessThanOrEqualTo(1);
                List<Integer> leaked = new ArrayList<>(opened);
                leaked.retainAll(childFds);
                if (passes) {
                    leaked.remove(Integer.valueOf(passed));
                }
                // the directory fd of ls may reuse a number the JVM also has: it is the lowest free one, 3
                leaked.removeIf(fd -> fd == 3 && extra.contains(3));
                assertThat(leaked).as("%s: the JVM's inheritable fds in the child", path.getKey()).isEmpty();
            }
        } finally {
            System.clearProperty("subprocess4j.sharedFdTable");
            for (int fd : opened) {
                int ignored = (int) CLOSE.invokeExact(fd);
            }
        }
    }

    private static long fdFlags(int fd) throws IOException {
        String flags = Files.readAllLines(Path.of("/proc/self/fdinfo/" + fd)).stream()
                .filter(l -> l.startsWith("flags:")).findFirst().orElseThrow();
        return Long.parseLong(flags.substring(6).strip(), 8);
    }

    // ---- privilege drop ---------------------------------------------------------------------------------

    @Test
    void aChildDroppedToNobodyHasExactlyTheIdsAskedForAndCannotTakeRootBack() throws IOException {
        String perl = "use POSIX; $! = 0; my $u = POSIX::setuid(0) ? 'uid0=ok' : 'uid0=' . ($!+0);"
                + " $! = 0; my $g = POSIX::setgid(0) ? 'gid0=ok' : 'gid0=' . ($!+0);"
                + " $> = 0; my $e = $> == 0 ? 'euid0=ok' : 'euid0=refused';"
                + " open(my $f, '<', '/proc/self/status') or die; my @s = grep { /^(Uid|Gid|Groups):/ } <$f>;"
                + " print join(' ', $u, $g, $e), \"\\n\", @s;";
        CompletedProcess r = cmd("perl", "-e", perl).user("nobody").group("daemon").extraGroups("users", "5")
                .stdin(Redirect.DEVNULL).captureOutput().run();
        assertThat(r.returnCode()).as(r.stderr()).isZero();
        List<String> lines = r.stdout().lines().map(l -> l.replaceAll("\\s+", " ").strip()).toList();
        assertThat(lines.getFirst()).as("setuid(0), setgid(0) and seteuid(0) in the child: EPERM (1) each")
                .isEqualTo("uid0=1 gid0=1 euid0=refused");
        assertThat(lines.subList(1, lines.size())).containsExactly(
                "Uid: 65534 65534 65534 65534", "Gid: 1 1 1 1", "Groups: 5 100"); // only the extra groups asked for
    }

    // ---- no shell unless asked ------------------------------------------------------------------------

    @Test
    void noShellRunsUnlessAsked() throws IOException {
        Path marker = dir.resolve("marker");
        // a whole command line as the program is one (missing) file name, not shell syntax
        SpawnException e = thrown(SpawnException.class, () -> cmd("touch " + marker + "; true").run());
        assertThat(e.errnoName()).isEqualTo("ENOENT");
        // shell syntax in arguments is passed literally
        assertThat(cmd("echo", "$(touch " + marker + ")", "`touch " + marker + "`", ";", "touch", marker.toString())
                .captureOutput().run().stdout())
                .isEqualTo("$(touch " + marker + ") `touch " + marker + "` ; touch " + marker + "\n");
        // a script without #! fails with ENOEXEC: it is not handed to /bin/sh (the JDK backend would)
        Path script = Files.writeString(dir.resolve("no-shebang"), "touch " + marker + "\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        SpawnException noexec = thrown(SpawnException.class, () -> cmd(script.toString()).run());
        assertThat(noexec.errnoName()).isEqualTo("ENOEXEC");
        assertThat(noexec.step()).isEqualTo(SpawnException.Step.EXEC);
        // the same through the child-setup path
        assertThat(thrown(SpawnException.class, () -> cmd(script.toString()).umask(022).run()).errnoName())
                .isEqualTo("ENOEXEC");
        assertThat(marker).doesNotExist();
        // and Subprocess.shell is the one way to get one
        assertThat(BackendHook.withBackend(Subprocess.shell("touch \"$0\""), backend()).run().returnCode()).isZero();
        assertThat(BackendHook.withBackend(Subprocess.command("/bin/sh", "-c", "touch \"$0\"", marker.toString()), backend())
                .run().returnCode()).isZero();
        assertThat(marker).exists();
    }

    // ---- the process limit of the user the child runs as ------------------------------------------------

    @Test
    void anNprocLimitBelowWhatNobodyAlreadyRunsBindsTheProgramsForksNotItsExec() {
        // RLIMIT_NPROC counts the processes of the real uid. The limits are set after the user
        // change, just before the exec, as Python's preexec_fn and Rust's pre_exec run after
        // setuid: the kernel's check at setuid (which defers a failure to execve, man 2 execve
        // "EAGAIN") saw no limit, so the program runs, and the limit refuses its own forks. (When
        // the helper set the limit before the change, this spawn failed with EAGAIN.)
        try (Popen holder = cmd("sleep", "30").user("nobody").stdin(Redirect.DEVNULL).start()) {
            CompletedProcess r = cmd("sh", "-c", "echo ran; /bin/true").user("nobody").rlimit(Rlimit.NPROC, 0, 0)
                    .captureOutput().run();
            assertThat(r.stdout()).as(r.stderr()).isEqualTo("ran\n");
            assertThat(r.returnCode()).as(r.stderr()).isNotZero();
            assertThat(r.stderr()).contains("fork");
            assertThat(ProcessHandle.current().children().map(ProcessHandle::pid)).containsExactly(holder.pid());
            holder.kill();
        }
    }

    @Test
    void aChildForkingBeyondItsUsersNprocLimitGetsEagainWhileItsOwnExecSucceeded() {
        // uid 4000000 has no other process, so a limit of 1 admits the child and refuses its fork
        String perl = "use POSIX; my $p = fork; if (!defined $p) { print $! == POSIX::EAGAIN ? \"EAGAIN\\n\""
                + " : \"other $!\\n\"; exit 3 } if ($p == 0) { POSIX::_exit(0) } waitpid($p, 0); print \"forked\\n\";";
        CompletedProcess r = cmd("perl", "-e", perl).user("4000000").group("4000000").rlimit(Rlimit.NPROC, 1, 1)
                .stdin(Redirect.DEVNULL).captureOutput().run();
        assertThat(r.stdout()).as(r.stderr()).isEqualTo("EAGAIN\n");
        assertThat(r.returnCode()).isEqualTo(3);
        CompletedProcess two = cmd("perl", "-e", perl).user("4000000").group("4000000").rlimit(Rlimit.NPROC, 2, 2)
                .stdin(Redirect.DEVNULL).captureOutput().run();
        assertThat(two.stdout()).as("with room for one more process the fork works").isEqualTo("forked\n");
    }
}
