package dev.subprocess4j;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subprocess4j.internal.PumpThreads;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Checks a whole test class for leaks: open fds of the JVM ({@code /proc/self/fd}), platform
 * threads beyond the JDK's and the library's long-lived ones, the library's pump threads, and
 * children of the JVM not yet reaped. Leftovers get a few seconds to settle (a child killed at the
 * end of a test is reaped asynchronously), then the class fails with what leaked.
 */
public final class LeakCheckExtension implements BeforeAllCallback, AfterAllCallback {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(LeakCheckExtension.class);
    /** Long-lived threads that the JDK (or JUnit) keeps: not leaks of the library. */
    private static final List<String> ALLOWED_THREAD_PREFIXES = List.of(
            "process reaper", "ForkJoinPool", "Common-Cleaner", "Reference Handler", "Finalizer",
            "Signal Dispatcher", "Notification Thread", "Attach Listener", "surefire", "junit",
            "VirtualThread-unparker", "VirtualThread-unblocker", "InnocuousThread", "main", "subprocess4j-reactor", "process-reaper",
            "subprocess4j-spawner", // the long-lived threads that spawn children with killOnParentExit
            "Read-Poller", "Write-Poller", "CompletableFutureDelayScheduler",
            "subprocess4j-deadlines"); // the shared scheduler of deadline kills (jdk backend, ssh, Slurm)

    record Snapshot(int fds, Map<String, Integer> threads, int pumps, long children) {}

    @Override
    public void beforeAll(ExtensionContext context) throws IOException {
        openJdkLazyFds();
        // The backends' long-lived resources (the reactor thread, its epoll fd and eventfd) are
        // created once per JVM at first use: create them before the first snapshot.
        dev.subprocess4j.internal.BackendSelector.unavailable();
        try {
            Subprocess.command("/bin/true").withBackend(dev.subprocess4j.internal.BackendSelector.get()).run();
        } catch (RuntimeException e) {
            // a broken backend fails the tests themselves
        }
        // Likewise the child-setup helper's fd (a sealed memfd, kept for the JVM's life), placed at
        // the first spawn that changes credentials: one as the JVM's own user places it.
        try {
            Subprocess.command("/bin/true").user(System.getProperty("user.name"))
                    .withBackend(dev.subprocess4j.internal.BackendSelector.get()).run();
        } catch (RuntimeException e) {
            // a backend without credential changes: no helper
        }
        context.getStore(NS).put("before", snapshot());
    }

    /**
     * The JDK opens some fds on first use and keeps them for the JVM's life: the first temporary
     * file (a {@code @TempDir} too) seeds a {@code SecureRandom}, which opens /dev/random and
     * /dev/urandom. Open them before the first snapshot so a class using temp files is not blamed.
     */
    private static void openJdkLazyFds() throws IOException {
        Files.delete(Files.createTempFile("subprocess4j-leakcheck", ".tmp"));
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        Snapshot before = context.getStore(NS).get("before", Snapshot.class);
        Snapshot after = snapshot();
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!clean(before, after) && System.nanoTime() < deadline) {
            Thread.sleep(50);
            after = snapshot();
        }
        assertThat(after.children()).as("unreaped or running children of the JVM after " + context.getDisplayName()
                + ": " + childrenDescription()).isZero();
        assertThat(after.pumps()).as("library pump threads still running after " + context.getDisplayName()).isZero();
        assertThat(after.threads()).as("platform threads after " + context.getDisplayName()).isEqualTo(before.threads());
        assertThat(after.fds()).as("open fds after " + context.getDisplayName() + ": " + fdDescription())
                .isLessThanOrEqualTo(before.fds());
    }

    private static boolean clean(Snapshot before, Snapshot after) {
        return after.children() == 0 && after.pumps() == 0 && after.threads().equals(before.threads())
                && after.fds() <= before.fds();
    }

    static Snapshot snapshot() {
        return new Snapshot(openFds(), threads(), PumpThreads.live(), ProcessHandle.current().children().count());
    }

    /**
     * The number of open fds of this JVM that a process library could leak: pipes, pidfds, epoll
     * and event fds, sockets and data files. Jars, the JDK's modules file and /dev/*random are
     * opened lazily by class loading and the JDK itself, and are left out.
     */
    static int openFds() {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return (int) s.filter(LeakCheckExtension::leakable).count() - 1; // the directory stream's own fd
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean leakable(Path fd) {
        String target;
        try {
            target = Files.readSymbolicLink(fd).toString();
        } catch (IOException e) {
            return true; // the directory stream's own fd, closed by the time we look
        }
        return !(target.endsWith(".jar") || target.endsWith("/lib/modules") || target.equals("/dev/random")
                || target.equals("/dev/urandom"));
    }

    private static String fdDescription() {
        StringBuilder sb = new StringBuilder();
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            s.forEach(p -> {
                try {
                    sb.append(p.getFileName()).append("->").append(Files.readSymbolicLink(p)).append(' ');
                } catch (IOException e) {
                    // closed meanwhile
                }
            });
        } catch (IOException e) {
            return e.toString();
        }
        return sb.toString();
    }

    private static String childrenDescription() {
        StringBuilder sb = new StringBuilder();
        ProcessHandle.current().children().forEach(c -> sb.append(c.pid()).append(' ')
                .append(c.info().commandLine().orElse("?")).append("; "));
        return sb.toString();
    }

    /** Platform threads by name prefix (digits stripped), without the allowed long-lived ones. */
    private static Map<String, Integer> threads() {
        Map<String, Integer> counts = new TreeMap<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            String name = t.getName();
            if (ALLOWED_THREAD_PREFIXES.stream().anyMatch(name::startsWith)) {
                continue;
            }
            counts.merge(name.replaceAll("[0-9]+", "#"), 1, Integer::sum);
        }
        return counts;
    }
}
