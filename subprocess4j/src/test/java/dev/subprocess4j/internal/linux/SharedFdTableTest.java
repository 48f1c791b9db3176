package dev.subprocess4j.internal.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.subprocess4j.Command;
import dev.subprocess4j.CompletedProcess;
import dev.subprocess4j.Popen;
import dev.subprocess4j.Redirect;
import dev.subprocess4j.Rlimit;
import dev.subprocess4j.SpawnException;
import dev.subprocess4j.Subprocess;
import dev.subprocess4j.fixtures.LeakCheckExtension;
import dev.subprocess4j.internal.linux.ffi.Unistd;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shared-table spawn ({@link SharedFdTable}): the child never gets a copy of the JVM's fd table
 * (its table is sized by the slots, not by the JVM's fds), it holds only 0-2, under concurrent spawns
 * and concurrent opens and closes in other threads too, and the old paths still work when it is off.
 */
@ExtendWith(LeakCheckExtension.class)
@Timeout(300)
class SharedFdTableTest {
    /** Inheritable (not close-on-exec) fds the JVM holds during each test: none may reach a child. */
    private final List<Integer> held = new ArrayList<>();

    @TempDir
    Path dir;

    @BeforeEach
    void holdTwoThousandInheritableFds() {
        for (int i = 0; i < 2000; i++) {
            held.add(Unistd.open("/dev/null", Unistd.O_RDONLY));
        }
    }

    @AfterEach
    void closeThem() {
        held.forEach(Unistd::closeQuietly);
        System.clearProperty(SharedFdTable.PROPERTY);
    }

    private static Command cmd(String... argv) {
        return Subprocess.command(List.of(argv)); // the JVM's backend: linux-native here
    }

    /** fd number -> what it is, of a live process. */
    private static Set<Integer> fdsOf(long pid) throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            return fds.map(p -> Integer.valueOf(p.getFileName().toString())).collect(Collectors.toCollection(TreeSet::new));
        }
    }

    /**
     * Starts a shell that says "ready" once it has nothing more to load, then waits on its stdin:
     * right after the exec the dynamic loader briefly holds fd 3 (a shared library it maps).
     */
    private static Popen settled(Command c) throws IOException {
        Popen p = c.stdin(Redirect.PIPE).stdout(Redirect.PIPE).start();
        byte[] ready = p.stdout().readNBytes(6);
        assertThat(new String(ready, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("ready\n");
        return p;
    }

    private static final String[] READY_THEN_WAIT = {"sh", "-c", "echo ready; read x"};

    /** The size of a process's fd table: FDSize in /proc/PID/status (the kernel's max_fds). */
    private static int fdTableSize(long pid) throws IOException {
        return Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream().filter(l -> l.startsWith("FDSize:"))
                .map(l -> Integer.parseInt(l.substring(7).strip())).findFirst().orElseThrow();
    }

    private static int ownFdTableSize() throws IOException {
        return fdTableSize(ProcessHandle.current().pid());
    }

    @Test
    void theChildGetsATableOfItsOwnSizedByTheSlotsNotACopyOfTheJvmsAndHoldsOnly0To2() throws Exception {
        assertThat(ownFdTableSize()).as("the JVM's table, with 2,000 extra fds").isGreaterThanOrEqualTo(2048);
        for (UnaryOperator<Command> path : List.<UnaryOperator<Command>>of(c -> c, c -> c.umask(022),
                c -> c.rlimit(Rlimit.CORE, 0, 0).startNewSession(), c -> c.killOnParentExit())) {
            try (Popen p = settled(path.apply(cmd(READY_THEN_WAIT)))) {
                assertThat(SharedFdTable.active()).as("shared-table path set up: %s", SharedFdTable.unusableReason())
                        .isTrue();
                assertThat(fdsOf(p.pid())).as("the child's fds").containsExactly(0, 1, 2);
                // A copy of the JVM's table would be at least as large as the JVM's: 2,048 or more.
                // A table of its own holds the fds below the slots' limit only, in 64-fd steps.
                int slotLimit = SharedFdTable.reservedFds().stream().mapToInt(Integer::intValue).max().orElseThrow() + 1;
                assertThat(fdTableSize(p.pid())).as("the child's fd table size (slot limit %d)", slotLimit)
                        .isLessThanOrEqualTo(Math.max(64, (slotLimit + 63) / 64 * 64));
                p.kill();
                p.waitFor();
            }
        }
    }

    @Test
    void turnedOffByThePropertyTheOldPathsCopyTheJvmsTableAndStillCloseEveryFd() throws Exception {
        System.setProperty(SharedFdTable.PROPERTY, "false");
        for (UnaryOperator<Command> path : List.<UnaryOperator<Command>>of(c -> c, c -> c.umask(022))) {
            try (Popen p = settled(path.apply(cmd(READY_THEN_WAIT)))) {
                assertThat(fdsOf(p.pid())).as("the child's fds").containsExactly(0, 1, 2);
                assertThat(fdTableSize(p.pid())).as("a copy of the JVM's table").isGreaterThanOrEqualTo(2048);
                p.kill();
                p.waitFor();
            }
        }
        System.clearProperty(SharedFdTable.PROPERTY);
        try (Popen p = settled(cmd(READY_THEN_WAIT))) {
            assertThat(fdTableSize(p.pid())).as("on again").isLessThan(2048);
            p.kill();
            p.waitFor();
        }
    }

    @Test
    void theSlotsAreCloseOnExecCopiesOfDevNullBetweenSpawnsAndNoUserFdCanNameThem() throws Exception {
        assertThat(cmd("true").run().returnCode()).isZero();
        List<Integer> reserved = SharedFdTable.reservedFds();
        assertThat(reserved).hasSizeGreaterThanOrEqualTo(13); // the placeholder and at least 4 sets of 3
        for (int fd : reserved) {
            assertThat(Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd))).hasToString("/dev/null");
            String flags = Files.readAllLines(Path.of("/proc/self/fdinfo/" + fd)).stream()
                    .filter(l -> l.startsWith("flags:")).findFirst().orElseThrow();
            assertThat(Long.parseLong(flags.substring(6).strip(), 8) & Unistd.O_CLOEXEC).as("fd %d close-on-exec", fd)
                    .isNotZero();
        }
        // Redirect.fd or passFds of a slot: not the caller's fd (it would give a child what a concurrent spawn put there)
        for (int slot : reserved) {
            for (Command c : List.of(cmd("true").stdout(Redirect.fd(slot)), cmd("true").stdin(Redirect.fd(slot)),
                    cmd("true").passFds(slot))) {
                assertThatThrownBy(c::run).isInstanceOfSatisfying(SpawnException.class, e -> {
                    assertThat(e.step()).isEqualTo(SpawnException.Step.FDS);
                    assertThat(e.errnoName()).isEqualTo("EBADF");
                });
            }
        }
    }

    @Test
    void redirectsToTheCallersFdsAndFilesGoThroughTheSlots() throws Exception {
        Path out = Files.createFile(dir.resolve("out"));
        int file = openForWrite(out);
        try {
            CompletedProcess r = cmd("sh", "-c", "echo to-fd; echo err >&2").stdout(Redirect.fd(file))
                    .stderr(Redirect.STDOUT).run();
            assertThat(r.returnCode()).isZero();
        } finally {
            Unistd.closeQuietly(file);
        }
        assertThat(Files.readString(out)).isEqualTo("to-fd\nerr\n");
        CompletedProcess r = cmd("cat").stdin(Redirect.read(out)).stdout(Redirect.PIPE).captureOutput().run();
        assertThat(r.stdout()).isEqualTo("to-fd\nerr\n");
        assertThatThrownBy(() -> cmd("true").stdin(Redirect.fd(held.getLast() + 5000)).run())
                .isInstanceOfSatisfying(SpawnException.class, e -> assertThat(e.step()).isEqualTo(SpawnException.Step.FDS));
    }

    @Test
    void redirectFdNamesTheJvmsFdEvenWhenItIsAnotherStreamsNumber() throws Exception {
        // stdout to the JVM's fd 2 and stderr to the JVM's fd 1: crossed, as asked (each source is
        // copied into its slot before the clone, so setting up fd 1 cannot change what fd 2 gets)
        Path report = dir.resolve("links");
        CompletedProcess r = cmd("sh", "-c",
                "a=$(readlink /proc/$$/fd/1); b=$(readlink /proc/$$/fd/2); printf '%s\\n%s\\n' \"$a\" \"$b\" > \"$0\"",
                report.toString())
                .stdout(Redirect.fd(2)).stderr(Redirect.fd(1)).run();
        assertThat(r.returnCode()).isZero();
        String jvm1 = Files.readSymbolicLink(Path.of("/proc/self/fd/1")).toString();
        String jvm2 = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
        assertThat(Files.readAllLines(report)).containsExactly(jvm2, jvm1);
    }

    private static int openForWrite(Path p) {
        // O_WRONLY | O_APPEND on an existing file
        return Unistd.open(p.toString(), Unistd.O_WRONLY | Unistd.O_APPEND);
    }

    @Test
    void sixteenThreadsSpawnWhileOthersOpenAndCloseInheritableFdsAndEveryChildGetsItsOwnStreamsOnly()
            throws Exception {
        int threads = 16;
        int perThread = 40;
        AtomicBoolean stop = new AtomicBoolean();
        ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
        List<Thread> churn = new ArrayList<>();
        for (int t = 0; t < 3; t++) {
            churn.add(Thread.ofPlatform().start(() -> {
                List<Integer> mine = new ArrayList<>();
                while (!stop.get()) {
                    mine.add(Unistd.open("/dev/null", Unistd.O_RDONLY)); // inheritable, the lowest free number
                    if (mine.size() > 50) {
                        for (int fd : mine) {
                            Unistd.closeQuietly(fd);
                        }
                        mine.clear();
                    }
                }
                mine.forEach(Unistd::closeQuietly);
            }));
        }
        // Three of the held fds closed: low numbers for the churn threads to reuse among the slots' neighbours.
        for (int i = 0; i < 3; i++) {
            Unistd.closeQuietly(held.removeFirst());
        }
        CountDownLatch go = new CountDownLatch(1);
        try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            List<Future<?>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                results.add(pool.submit(() -> {
                    go.await();
                    for (int i = 0; i < perThread; i++) {
                        String token = "t" + thread + "-" + i;
                        // each child reads its own token from stdin, writes it with its own arg to stdout
                        // and its fds (ls's directory fd is 3) to stderr
                        CompletedProcess r = cmd("sh", "-c", "read x; echo \"$0 $x\"; exec ls /proc/self/fd >&2", token)
                                .input(token + "-in\n").captureOutput().run();
                        if (r.returnCode() != 0 || !r.stdout().equals(token + " " + token + "-in\n")) {
                            problems.add(token + ": exit " + r.returnCode() + " out " + r.stdout() + " err " + r.stderr());
                        }
                        Set<Integer> fds = r.stderr().lines().map(Integer::valueOf).collect(Collectors.toSet());
                        if (!Set.of(0, 1, 2, 3).containsAll(fds)) {
                            problems.add(token + ": child fds " + fds);
                        }
                    }
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> f : results) {
                f.get();
            }
        } finally {
            stop.set(true);
            for (Thread t : churn) {
                t.join();
            }
        }
        assertThat(problems).isEmpty();
        assertThat(SharedFdTable.active()).isTrue();
        for (int fd : SharedFdTable.reservedFds()) {
            assertThat(Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd))).as("slot %d after the storm", fd)
                    .hasToString("/dev/null");
        }
    }
}
