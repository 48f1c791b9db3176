package dev.subprocess4j.internal.linux;

import dev.subprocess4j.CompletedProcess;
import dev.subprocess4j.Subprocess;
import dev.subprocess4j.TimeoutExpiredException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Run with a small heap by {@link ReactorOutOfMemoryTest}: asynchronous captures that together
 * need more than the heap, so the reactor meets {@code OutOfMemoryError} while it reads. Prints
 * how many futures completed, failed or were still pending, the JVM's unreaped children, and
 * whether a timeout still works afterwards.
 */
public final class ReactorOutOfMemoryMain {
    private ReactorOutOfMemoryMain() {}

    public static void main(String[] args) throws Exception {
        int n = Integer.parseInt(args[0]);
        List<CompletableFuture<CompletedProcess>> all = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            all.add(Subprocess.command("head", "-c", "64M", "/dev/zero").captureOutput().runAsync());
        }
        // Wait without allocating: while the captures fill the heap, any allocation of this thread
        // may fail too (the library's calls are not the only victims of a full heap).
        long deadline = System.nanoTime() + 120_000_000_000L;
        for (CompletableFuture<CompletedProcess> f : all) {
            while (!f.isDone() && System.nanoTime() - deadline < 0) {
                try {
                    Thread.sleep(50);
                } catch (Throwable t) {
                    // an OutOfMemoryError here: wait on
                }
            }
        }
        int completed = 0;
        int failed = 0;
        int pending = 0;
        for (CompletableFuture<CompletedProcess> f : all) {
            if (!f.isDone()) {
                pending++;
            } else if (f.isCompletedExceptionally()) {
                failed++;
            } else {
                completed++;
            }
        }
        all.clear();
        System.gc();
        System.out.println("completed=" + completed + " failed=" + failed + " pending=" + pending);
        long start = System.nanoTime();
        try {
            Subprocess.command("sleep", "30").captureOutput().timeout(Duration.ofMillis(500)).runAsync()
                    .get(20, TimeUnit.SECONDS);
            System.out.println("timeout=none");
        } catch (java.util.concurrent.ExecutionException e) {
            System.out.println("timeout=" + (e.getCause() instanceof TimeoutExpiredException) + " after-ms="
                    + (System.nanoTime() - start) / 1_000_000);
        }
        System.out.println("after=" + Subprocess.command("echo", "ok").captureOutput().runAsync()
                .get(20, TimeUnit.SECONDS).stdout().strip());
        System.out.println("children=" + children());
    }

    /** The JVM's children not yet reaped (running or zombie), from /proc. */
    private static int children() throws Exception {
        long self = ProcessHandle.current().pid();
        int count = 0;
        try (var tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path t : tasks.toList()) {
                String kids = Files.readString(t.resolve("children")).strip();
                if (!kids.isEmpty()) {
                    count += kids.split(" ").length;
                }
            }
        }
        return self > 0 ? count : -1;
    }
}
