package dev.subprocess4j.internal.linux.ffi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.subprocess4j.CompletedProcess;
import dev.subprocess4j.Redirect;
import dev.subprocess4j.Subprocess;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * The raw system calls that every errno-setting binding goes through ({@link Libc#syscall}): the
 * calls behave as the C library's wrappers did, and a JVM's first spawns make few downcall stubs.
 */
@EnabledOnOs(OS.LINUX)
class SyscallTest {

    @Test
    void pipeReadWriteAndPollThroughRawSystemCalls() {
        int[] p = Unistd.pipe2(Unistd.O_CLOEXEC);
        try (Arena arena = Arena.ofConfined()) {
            Unistd.setNonBlocking(p[0]);
            MemorySegment pollfd = arena.allocate(8, 4);
            assertThat(Epoll.pollIn(pollfd, p[0], 0)).isFalse(); // nothing written yet
            assertThat(Epoll.pollIn(pollfd, p[0], 20)).isFalse(); // a timeout, not a wait for ever
            MemorySegment buf = arena.allocate(16);
            assertThat(Unistd.read(p[0], buf, 16)).isEqualTo(-1); // EAGAIN on the non-blocking end
            buf.setString(0, "hello", java.nio.charset.StandardCharsets.US_ASCII);
            assertThat(Unistd.write(p[1], buf, 5)).isEqualTo(5);
            assertThat(Epoll.pollIn(pollfd, p[0], -1)).isTrue(); // no timeout: returns at once, data is there
            MemorySegment in = arena.allocate(16);
            assertThat(Unistd.read(p[0], in, 16)).isEqualTo(5);
            assertThat(in.getString(0, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("hello");
            // a length past the segment is cut to the segment: the kernel never writes beyond it
            Unistd.write(p[1], buf, 5);
            assertThat(Unistd.read(p[0], in.asSlice(0, 2), 1 << 20)).isEqualTo(2);
            Unistd.close(p[1]);
            assertThat(Unistd.read(p[0], in, 16)).isEqualTo(3);
            assertThat(Unistd.read(p[0], in, 16)).isZero(); // end of file
        } finally {
            Unistd.closeQuietly(p[0]);
            Unistd.closeQuietly(p[1]);
        }
        assertThat(Unistd.isOpen(p[0])).isFalse();
        assertThatThrownBy(() -> Unistd.close(p[0])).isInstanceOf(ErrnoException.class).hasMessageContaining("EBADF");
    }

    @Test
    void epollAndEventfdThroughRawSystemCalls() {
        int ep = Epoll.create();
        int ev = Epoll.eventfd();
        try (Arena arena = Arena.ofConfined()) {
            Epoll.add(ep, ev, Epoll.EPOLLIN, 0x1234_5678_9abcL);
            MemorySegment events = arena.allocate(Epoll.EVENT_SIZE * 4, 8);
            assertThat(Epoll.await(ep, events, 4, 0)).isZero();
            MemorySegment one = arena.allocate(ValueLayout.JAVA_LONG);
            one.set(ValueLayout.JAVA_LONG, 0, 1L);
            assertThat(Unistd.write(ev, one, 8)).isEqualTo(8);
            assertThat(Epoll.await(ep, events, 4, -1)).isEqualTo(1);
            assertThat(Epoll.tokenAt(events, 0)).isEqualTo(0x1234_5678_9abcL);
            assertThat(Epoll.eventsAt(events, 0) & Epoll.EPOLLIN).isNotZero();
            assertThatThrownBy(() -> Epoll.await(ep, events, 5, 0)).isInstanceOf(IllegalArgumentException.class);
            Epoll.delete(ep, ev);
            Epoll.delete(ep, ev); // ENOENT ignored
        } finally {
            Unistd.close(ev);
            Unistd.close(ep);
        }
    }

    @Test
    void getpidAndGeteuidAreTheJvmsOwn() throws Exception {
        assertThat(Unistd.getpid()).isEqualTo(ProcessHandle.current().pid());
        assertThat(Unistd.geteuid()).isEqualTo(((Number) java.nio.file.Files.getAttribute(
                java.nio.file.Path.of("/proc/self"), "unix:uid")).longValue());
    }

    @Test
    void signalsAndWaitThroughRawSystemCalls() {
        try (var p = Subprocess.command("sleep", "30").start()) {
            assertThat(Signals.killGroup((int) p.pid(), 0)).isEqualTo(dev.subprocess4j.internal.Errno.ESRCH); // not a group leader
            p.kill();
            assertThat(p.waitFor()).isEqualTo(-9);
        }
    }

    /**
     * A JVM's first spawns (plain, captured, with a timeout) make one downcall stub: the backend
     * loads the child-setup library before its first system call, and its sp4j_syscall (every
     * system call) and sp4j_spawn (the shared-table spawn, the default path) have one shape. The
     * posix_spawn fallback adds its family's few. With a C wrapper per call they made 12.
     */
    @Test
    void aJvmsFirstSpawnsMakeOneDowncallStub() {
        List<String> lines = firstSpawns();
        assertThat(lines).contains("own syscall: true");
        assertStubs(lines, 1, 7);
    }

    /**
     * With the C library's variadic syscall(2) instead (what serves when the child-setup library
     * cannot be loaded; forced here by its system property), every kind of spawn still works.
     */
    @Test
    void theCLibrarysSyscallServesWhenAsked() {
        List<String> lines = firstSpawns("-Dsubprocess4j.libcSyscall=true");
        assertThat(lines).contains("own syscall: false");
        assertStubs(lines, 2, 8); // the C library's variadic syscall and sp4j_spawn: two shapes
    }

    /**
     * The downcall stub classes the nested JVM's class-load log shows: exactly {@code shared} on
     * the shared-table spawn, up to {@code posixSpawnMax} on the posix_spawn path.
     */
    private static void assertStubs(List<String> lines, long shared, long posixSpawnMax) {
        long stubs = lines.stream().filter(l -> l.contains("jdk.internal.foreign.abi.DowncallStub")).count();
        if (lines.contains("shared table: true")) {
            assertThat(stubs).as("downcall stubs made by the first spawns").isEqualTo(shared);
        } else {
            assertThat(stubs).as("downcall stubs made by the first spawns (posix_spawn path)").isBetween(shared, posixSpawnMax);
        }
    }

    private static List<String> firstSpawns(String... jvmOptions) {
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> argv = new java.util.ArrayList<>(List.of(javaBin, "--enable-native-access=ALL-UNNAMED", "-Xlog:class+load"));
        argv.addAll(List.of(jvmOptions));
        argv.addAll(List.of("-cp", System.getProperty("java.class.path"), FirstSpawnsMain.class.getName()));
        CompletedProcess r = Subprocess.command(argv).stdin(Redirect.DEVNULL).captureOutput()
                .timeout(Duration.ofSeconds(60)).run();
        assertThat(r.returnCode()).as(r.stderr()).isZero();
        List<String> lines = r.stdout().lines().toList();
        assertThat(lines).contains("first spawns: ok");
        return lines;
    }

    private static boolean killed() {
        try (var p = Subprocess.command("sleep", "30").start()) {
            p.kill();
            return p.waitFor() == -9;
        }
    }

    /** The nested JVM of {@link #aJvmsFirstSpawnsMakeOneDowncallStub}: spawns of each kind, then which paths served. */
    public static final class FirstSpawnsMain {
        public static void main(String[] args) {
            boolean ok = Subprocess.run("true").returnCode() == 0
                    && Subprocess.command("echo", "hi").captureOutput().timeout(Duration.ofSeconds(20)).run()
                            .stdout().equals("hi\n")
                    && Subprocess.command("cat").input("x").captureOutput().run().stdout().equals("x")
                    && Subprocess.command("sh", "-c", "exit 3").run().returnCode() == 3
                    && Subprocess.command("sh", "-c", "ulimit -n").rlimit(dev.subprocess4j.Rlimit.NOFILE, 77, 77)
                            .captureOutput().run().stdout().equals("77\n")
                    && killed();
            System.out.println(ok ? "first spawns: ok" : "first spawns: WRONG");
            try {
                var active = Class.forName("dev.subprocess4j.internal.linux.SharedFdTable").getDeclaredMethod("active");
                active.setAccessible(true);
                System.out.println("shared table: " + active.invoke(null));
                var own = Class.forName("dev.subprocess4j.internal.linux.ffi.Libc").getDeclaredMethod("ownSyscall");
                own.setAccessible(true);
                System.out.println("own syscall: " + own.invoke(null));
            } catch (ReflectiveOperationException e) {
                throw new AssertionError(e);
            }
        }
    }
}
