package dev.subprocess4j.internal;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * {@link System#getenv()} without its side effect on SIGCHLD: the JDK's first {@code System.getenv}
 * in a JVM (the start of {@code java.lang.ProcessEnvironment}; seen on JDK 25) sets SIGCHLD's
 * disposition to SIG_DFL, process-wide. A JVM whose native code ignores SIGCHLD would have that
 * silently undone by the library's first call. So the library asks for its first environment
 * here: when SIGCHLD was ignored before ({@code SigIgn} of {@code /proc/self/status}) and is not
 * after, it is ignored again (through the Linux backend's system call, unless the JDK backend was
 * chosen: the JDK's own {@code ProcessBuilder} resets SIGCHLD at its first start anyway, which
 * docs/semantics.md says). Children started while SIGCHLD is ignored are reaped by the kernel and
 * reported as exited with their status unknown (docs/semantics.md, "SIGCHLD").
 */
public final class JdkEnvironment {
    private JdkEnvironment() {}

    private static final int SIGCHLD = 17;

    private static final class Holder {
        static final Map<String, String> ENV = load();
    }

    /** The JVM's environment, {@link System#getenv()}: the same unmodifiable snapshot. */
    public static Map<String, String> get() {
        return Holder.ENV;
    }

    private static Map<String, String> load() {
        boolean ignored = sigchldIgnored();
        Map<String, String> env = System.getenv();
        if (ignored && !sigchldIgnored()) {
            restoreIgnored();
        }
        return env;
    }

    private static void restoreIgnored() {
        if ("jdk".equals(System.getProperty(BackendSelector.PROPERTY)) || !"Linux".equals(System.getProperty("os.name"))) {
            return;
        }
        try {
            dev.subprocess4j.internal.linux.ffi.Signals.ignoreSigchld();
        } catch (RuntimeException | LinkageError e) {
            Log.get().log(Level.WARNING, "subprocess4j: the JDK''s first System.getenv() reset SIGCHLD, which this JVM "
                    + "ignored, to SIG_DFL, and it could not be ignored again: {0}", e.toString());
        }
    }

    /** Whether SIGCHLD is ignored now, from the {@code SigIgn} mask of {@code /proc/self/status}; false when unknown. */
    static boolean sigchldIgnored() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"), StandardCharsets.US_ASCII)) {
                if (line.startsWith("SigIgn:")) {
                    return (Long.parseUnsignedLong(line.substring(7).strip(), 16) & (1L << (SIGCHLD - 1))) != 0;
                }
            }
        } catch (IOException | RuntimeException e) {
            // no /proc: nothing to keep
        }
        return false;
    }
}
