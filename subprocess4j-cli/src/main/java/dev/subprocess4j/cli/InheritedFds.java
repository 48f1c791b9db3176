package dev.subprocess4j.cli;

import java.io.File;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The file descriptors that whoever started sp handed it, which {@code sp run --pass-fd} may give
 * the command: never one that sp's JVM opened for itself ({@code lib/modules}, sp's jars, the
 * library's epoll and pidfds), which the command would otherwise get silently.
 *
 * <p>{@link #snapshot()} lists {@code /proc/self/fd} when {@code main} starts, before sp opens
 * anything. By then the JVM has opened its own files, and it opens them without close-on-exec,
 * so they cannot be told from inherited fds by their flags: they are told by what they are, a
 * file under {@code java.home} or a jar on sp's class path. An fd with close-on-exec is never
 * an inherited one either (a shell's {@code 3<file} has none).
 */
final class InheritedFds {
    /** The fds open when main started, with what each refers to; null when not taken (or no /proc). */
    private static volatile Map<Integer, String> atStart;

    private static final long O_CLOEXEC = 02000000;

    private InheritedFds() {}

    /** Lists the fds open now; called first thing in {@code main} when {@code --pass-fd} is used. */
    static void snapshot() {
        Map<Integer, String> fds = new HashMap<>();
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path p : dir) {
                String target;
                try {
                    target = Files.readSymbolicLink(p).toString();
                } catch (IOException gone) {
                    continue; // the directory stream's own fd
                }
                fds.put(Integer.parseInt(p.getFileName().toString()), target);
            }
        } catch (IOException | RuntimeException noProc) {
            return;
        }
        atStart = fds;
    }

    /**
     * Why {@code fd} cannot be passed, or null when it can (or when there is no way to tell: no
     * /proc, or no snapshot, as in tests that run sp in the test's own JVM).
     */
    static String whyNotInherited(int fd) {
        Map<Integer, String> fds = atStart;
        if (fds == null) {
            return null;
        }
        String target = fds.get(fd);
        if (target == null) {
            return "fd " + fd + " was not open when sp started; give sp an open fd (such as 3<FILE in a shell)";
        }
        if (ownFile(target) || closeOnExec(fd)) {
            return "fd " + fd + " is one of sp's own (" + target + "), not one sp was started with";
        }
        return null;
    }

    /** Whether {@code target} is one of the JVM's own files: under java.home, or on sp's class path. */
    private static boolean ownFile(String target) {
        String javaHome = System.getProperty("java.home");
        if (javaHome != null && target.startsWith(javaHome + File.separator)) {
            return true;
        }
        String classPath = System.getProperty("java.class.path", "");
        for (String entry : classPath.split(File.pathSeparator)) {
            if (entry.isEmpty()) {
                continue;
            }
            Path jar = Path.of(entry).toAbsolutePath().normalize();
            // sp's jar names its dependencies in its manifest: they are in lib/ next to it
            if (target.equals(jar.toString()) || (jar.getParent() != null
                    && target.startsWith(jar.getParent().resolve("lib") + File.separator))) {
                return true;
            }
        }
        return false;
    }

    private static boolean closeOnExec(int fd) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/fdinfo", Integer.toString(fd)))) {
                if (line.startsWith("flags:")) {
                    return (Long.parseLong(line.substring(6).trim(), 8) & O_CLOEXEC) != 0;
                }
            }
        } catch (IOException | RuntimeException e) {
            // closed since: the library reports it
        }
        return false;
    }
}
