package dev.subprocess4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/** Small helpers shared by the contracts: waiting for a child's marker files, and stray processes. */
final class ContractSupport {
    private ContractSupport() {}

    /** Waits until a child has written {@code file} (non-empty), or fails after {@code limit}. */
    static String awaitFile(Path file, Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            String text = readIfPresent(file);
            if (text != null && text.endsWith("\n")) {
                return text;
            }
            Thread.sleep(10);
        }
        throw new AssertionError("the child did not write " + file + " within " + limit);
    }

    private static String readIfPresent(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Asserts that no process with this pid exists any more: killed and reaped. */
    static void assertGone(long pid) {
        Optional<ProcessHandle> handle = ProcessHandle.of(pid);
        assertThat(handle).as("process %d should be gone (killed and reaped)", pid).isEmpty();
    }

    /** Waits until a process that is not our child (reaped by init) has gone, or fails. */
    static void awaitGone(long pid, Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("process " + pid + " is still alive after " + limit);
            }
            Thread.sleep(10);
        }
    }

    /**
     * Kills a process that is not our child (a grandchild left behind on purpose by a test), whose
     * pid the test's script wrote to {@code pidFile}; nothing when the file is missing.
     */
    static void killStray(Path pidFile) throws InterruptedException {
        String text = readIfPresent(pidFile);
        if (text == null || text.isBlank()) {
            return;
        }
        ProcessHandle.of(Long.parseLong(text.strip())).ifPresent(h -> {
            h.destroyForcibly();
            try {
                h.onExit().get(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException e) {
                throw new AssertionError("stray process " + h.pid() + " did not die", e);
            }
        });
    }

    /** What {@code call} threw, asserted to be a {@code type}. */
    static <T extends Throwable> T thrown(Class<T> type, ThrowingCallable call) {
        Throwable t = catchThrowable(call);
        assertThat(t).as("expected %s", type.getSimpleName()).isInstanceOf(type);
        return type.cast(t);
    }

    /** The time since {@code startNanos} (a {@link System#nanoTime()} value). */
    static Duration since(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }

    /**
     * Bytes allocated so far by every thread of the JVM ({@code com.sun.management.ThreadMXBean}),
     * reached reflectively: the test module does not read {@code java.management}.
     */
    static long totalAllocatedBytes() {
        try {
            Object bean = Class.forName("java.lang.management.ManagementFactory").getMethod("getThreadMXBean").invoke(null);
            return (long) Class.forName("com.sun.management.ThreadMXBean").getMethod("getTotalThreadAllocatedBytes").invoke(bean);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot read the allocated bytes", e);
        }
    }

    /** The live platform threads of the JVM (virtual threads are not counted). */
    static int platformThreads() {
        return Thread.getAllStackTraces().size();
    }
}
