package dev.subprocess4j.internal.linux;

import dev.subprocess4j.Command;
import dev.subprocess4j.CompletedProcess;
import dev.subprocess4j.SpawnException;
import dev.subprocess4j.Subprocess;
import java.io.FileInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Run in a fresh JVM by {@link FirstUseExhaustionTest}: the library's first use happens while a
 * resource is exhausted, then the resource comes back and the library must work in full.
 *
 * <p>{@code fds K}: every fd but K taken. {@code threads}: every thread the limit allows taken.
 * Prints one line per attempt ({@code first=...}, {@code after=...}) and exits 0.
 */
public final class FirstUseExhaustionMain {
    private FirstUseExhaustionMain() {}

    public static void main(String[] args) throws Exception {
        // Classes are loaded (not initialized) first: from a directory on the class path every class
        // load opens a file, which a jar, open already, would not. The library's own initialization,
        // which is what this tests, still happens at first use.
        System.out.println("loaded " + loadClasses() + " classes " + Duration.ZERO);
        switch (args[0]) {
            case "fds" -> fds(Integer.parseInt(args[1]));
            case "threads" -> threads();
            default -> throw new IllegalArgumentException(args[0]);
        }
    }

    private static int loadClasses() throws IOException {
        int n = 0;
        for (String entry : System.getProperty("java.class.path").split(":")) {
            Path root = Path.of(entry);
            if (!Files.isDirectory(root)) {
                continue;
            }
            try (Stream<Path> files = Files.walk(root)) {
                for (Path f : files.filter(f -> f.toString().endsWith(".class")).toList()) {
                    String name = root.relativize(f).toString().replace('/', '.').replaceAll("\\.class$", "");
                    try {
                        Class.forName(name, false, FirstUseExhaustionMain.class.getClassLoader());
                        n++;
                    } catch (ClassNotFoundException | LinkageError e) {
                        // a test class whose dependencies are not on this class path: not needed here
                    }
                }
            }
        }
        return n;
    }

    /** Every command a first use might be: the reactor, a new session, the spawner threads. */
    private static List<Command> commands() {
        return List.of(
                Subprocess.command("echo", "plain").captureOutput().timeout(Duration.ofSeconds(20)),
                Subprocess.command("echo", "session").startNewSession().captureOutput(),
                Subprocess.command("echo", "pdeathsig").killOnParentExit().captureOutput());
    }

    private static String attempt(Command c) {
        try {
            CompletedProcess r = c.runAsync().get(30, TimeUnit.SECONDS);
            return "OK " + r.stdout().strip() + " " + r.returnCode();
        } catch (java.util.concurrent.ExecutionException e) {
            return describe(e.getCause());
        } catch (Throwable t) {
            return describe(t);
        }
    }

    private static String describe(Throwable t) {
        if (t instanceof SpawnException s) {
            return "SpawnException " + s.errnoName() + " " + s.step();
        }
        return t.getClass().getName() + ": " + t.getMessage();
    }

    private static void fds(int free) throws Exception {
        List<FileInputStream> hog = new ArrayList<>();
        try {
            while (true) {
                hog.add(new FileInputStream("/dev/null"));
            }
        } catch (IOException full) {
            // every fd taken
        }
        for (int i = 0; i < free && !hog.isEmpty(); i++) {
            hog.removeLast().close();
        }
        firstUseThenRecovery(() -> {
            for (FileInputStream f : hog) {
                f.close();
            }
        });
    }

    /** A resource given back once the first use was tried. */
    @FunctionalInterface
    private interface Release {
        void run() throws Exception;
    }

    /** Tries every command while the resource is exhausted, releases it, then prints what each call did. */
    private static void firstUseThenRecovery(Release release) throws Exception {
        List<String> first = new ArrayList<>();
        for (Command c : commands()) {
            first.add(attempt(c));
        }
        release.run();
        for (String f : first) {
            System.out.println("first=" + f);
        }
        for (Command c : commands()) {
            System.out.println("after=" + attempt(c));
        }
        System.out.println("backend=" + Subprocess.backend());
        System.out.println("shared-table=" + SharedFdTable.active());
        System.out.println("shared-table-reason=" + SharedFdTable.unusableReason());
        System.out.println("unavailable=" + dev.subprocess4j.internal.BackendSelector.unavailable());
    }

    private static void threads() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        List<Thread> hog = new ArrayList<>();
        try {
            while (true) {
                hog.add(Thread.ofPlatform().daemon(true).stackSize(64 * 1024).start(() -> {
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }));
            }
        } catch (OutOfMemoryError full) {
            // every thread taken
        }
        firstUseThenRecovery(() -> {
            release.countDown();
            for (Thread t : hog) {
                t.join();
            }
        });
    }
}
