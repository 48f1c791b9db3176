package dev.subprocess4j.internal.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.subprocess4j.Popen;
import dev.subprocess4j.Redirect;
import dev.subprocess4j.Subprocess;
import dev.subprocess4j.SubprocessException;
import dev.subprocess4j.fixtures.LeakCheckExtension;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A pump ({@code Redirect.to}/{@code lines}) whose own work fails: its read of the pipe, or the
 * deregistration when its pipe is then closed. Nobody would read the pipe again, so the child
 * (which would block on the full pipe for ever) is killed and the wait fails with the cause,
 * never hangs. The failure is made for real: the test puts another file at the JVM's fd number
 * of the child's stdout pipe (the pipe itself kept open by a copy, so that the reactor still
 * reports it ready), as an {@code OutOfMemoryError} in the pump would fail it.
 */
@ExtendWith(LeakCheckExtension.class)
@Timeout(120)
class PumpFailureTest {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle FCNTL = LINKER.downcallHandle(LINKER.defaultLookup().find("fcntl").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT),
            Linker.Option.firstVariadicArg(2));
    private static final int F_DUPFD_CLOEXEC = 1030;
    private static final MethodHandle DUP3 = LINKER.downcallHandle(LINKER.defaultLookup().find("dup3").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle PIPE2 = LINKER.downcallHandle(LINKER.defaultLookup().find("pipe2").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle OPEN = LINKER.downcallHandle(LINKER.defaultLookup().find("open").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle CLOSE = LINKER.downcallHandle(LINKER.defaultLookup().find("close").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final int O_CLOEXEC = 02000000;
    private static final int O_DIRECTORY = 0200000;

    /** The read fails (EBADF: the fd is now a pipe's write end); the deregistration finds nothing (ignored). */
    @Test
    void aPumpWhoseReadFailsKillsTheChildAndFailsTheWait() throws Throwable {
        int[] other = pipe();
        int closed = (int) CLOSE.invokeExact(other[0]);
        failPumpOfStdout(other[1], "EBADF (");
    }

    /**
     * The read fails (EISDIR: the fd is now a directory), and so does the deregistration when the
     * failure closes the pipes (EPERM: a directory cannot be in an epoll set): every fd is closed
     * and the child killed all the same.
     */
    @Test
    void aPumpWhoseReadAndDeregistrationFailKillsTheChildAndFailsTheWait() throws Throwable {
        int dir;
        try (Arena a = Arena.ofConfined()) {
            dir = (int) OPEN.invokeExact(a.allocateFrom("/"), O_DIRECTORY | O_CLOEXEC);
        }
        assertThat(dir).isNotNegative();
        failPumpOfStdout(dir, "EISDIR (", "epoll_ctl(DEL)", "EPERM (");
    }

    /** Puts {@code replacement} (closed here) at the JVM's end of a child's stdout pipe, then lets the child write. */
    private static void failPumpOfStdout(int replacement, String... errors) throws Throwable {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Popen p = Subprocess.command("/bin/sh", "-c", "read go; exec yes").stdin(Redirect.PIPE).stdout(Redirect.to(out)).start();
        int keep = -1;
        try {
            int jvmEnd = jvmEndOfStdout(p.pid());
            keep = (int) FCNTL.invokeExact(jvmEnd, F_DUPFD_CLOEXEC, 0); // the pipe stays open, and in the reactor's epoll set
            assertThat(keep).isNotNegative();
            assertThat((int) DUP3.invokeExact(replacement, jvmEnd, O_CLOEXEC)).isEqualTo(jvmEnd);
            int closed = (int) CLOSE.invokeExact(replacement);
            p.stdin().write("go\n".getBytes(StandardCharsets.US_ASCII));
            p.stdin().flush();

            Throwable t = catchThrowable(() -> p.waitFor(Duration.ofSeconds(20)));

            assertThat(t).as("the wait fails with the pump's failure (before the fix: it timed out, the child blocked)")
                    .isInstanceOf(SubprocessException.class)
                    .hasMessageContaining("pump of the stdout of pid " + p.pid())
                    .hasMessageContaining("the child was killed");
            for (String error : errors) {
                assertThat(t).hasStackTraceContaining(error);
            }
            assertThat(p.poll()).as("killed by the library").hasValue(-9);
        } finally {
            p.kill();
            p.close();
            if (keep >= 0) {
                int closed = (int) CLOSE.invokeExact(keep);
            }
        }
    }

    /** The JVM's fd whose pipe is the child's fd 1. */
    private static int jvmEndOfStdout(long pid) throws Exception {
        String pipe = Files.readSymbolicLink(Path.of("/proc/" + pid + "/fd/1")).toString();
        assertThat(pipe).startsWith("pipe:");
        List<Path> fds;
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            fds = s.toList();
        }
        for (Path fd : fds) {
            try {
                if (Files.readSymbolicLink(fd).toString().equals(pipe)) {
                    return Integer.parseInt(fd.getFileName().toString());
                }
            } catch (java.io.IOException gone) {
                // the listing's own fd, closed by now
            }
        }
        throw new AssertionError("no fd of this JVM is " + pipe);
    }

    private static int[] pipe() throws Throwable {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment fds = a.allocate(ValueLayout.JAVA_INT, 2);
            assertThat((int) PIPE2.invokeExact(fds, O_CLOEXEC)).isZero();
            return new int[] {fds.getAtIndex(ValueLayout.JAVA_INT, 0), fds.getAtIndex(ValueLayout.JAVA_INT, 1)};
        }
    }
}
