package dev.subprocess4j;

import dev.subprocess4j.internal.Errno;
import java.util.Locale;
import java.util.Objects;

/**
 * A child could not be started: the program could not be executed, or a step of the child's
 * set-up before {@code exec} failed (changing directory, opening a redirect file, a resource
 * limit, a user change...).
 *
 * <p>The message reads like Python's {@code OSError}: the error text, the step when it is not the
 * exec itself, and the value that failed, e.g. {@code No such file or directory: 'nosuchprog'} or
 * {@code Not a directory (chdir): '/etc/passwd'}. A failed spawn leaves no fd, thread or zombie
 * behind.
 *
 * <h2>Python equivalent</h2>
 * {@code OSError} and its subclasses ({@code FileNotFoundError}, {@code PermissionError}) raised
 * by {@code Popen}. Python raises {@code FileNotFoundError} for a missing redirect file; here that
 * is step {@link Step#OPEN_REDIRECT} (the JVM opens redirect files before the spawn, as Python).
 */
public class SpawnException extends SubprocessException {
    private static final long serialVersionUID = 1L;

    /**
     * The step of starting a child that failed.
     *
     * <p>The order is part of the native backend's protocol: the child-setup C code reports a
     * step by its ordinal (keep in sync with {@code enum sp4j_step} in
     * {@code subprocess4j/src/main/c/protocol.h}); add new steps at the end only.
     */
    public enum Step {
        /** Executing the program ({@code execve}). */ EXEC("exec"),
        /** Changing to the working directory. */ CHDIR("chdir"),
        /** Opening a file redirect. */ OPEN_REDIRECT("open"),
        /** Starting a new session. */ SETSID("setsid"),
        /** Joining or creating a process group. */ SETPGID("setpgid"),
        /** Setting a resource limit. */ RLIMIT("setrlimit"),
        /** Setting the umask. */ UMASK("umask"),
        /** Resetting the signal mask and dispositions. */ SIGNALS("signals"),
        /** Setting the supplementary groups. */ SETGROUPS("setgroups"),
        /** Setting the group id. */ SETGID("setgid"),
        /** Setting the user id. */ SETUID("setuid"),
        /** Arranging the kill on parent exit. */ PDEATHSIG("pdeathsig"),
        /** Setting up file descriptors (redirects, passFds, closing the rest). */ FDS("fds"),
        /** Starting the child-setup helper. */ HELPER("helper"),
        /** Reaching another host (a remote {@link Launcher}: ssh could not connect or log in). */ CONNECT("connect");

        private final String label;

        Step(String label) {
            this.label = label;
        }

        /** A short lower-case name of the step, as in the message, e.g. {@code chdir}. */
        public String label() {
            return label;
        }
    }

    private final int errno;
    private final String errnoName;
    private final Step step;
    private final String program;

    /**
     * Creates the exception.
     *
     * @param step the step that failed
     * @param errno the Linux error number
     * @param program the program that was to run, as given
     * @param subject the value the step failed on (the program, the directory, the file...)
     */
    public SpawnException(Step step, int errno, String program, String subject) {
        this(step, errno, program, subject, null);
    }

    /**
     * Creates the exception with a cause.
     *
     * @param step the step that failed
     * @param errno the Linux error number
     * @param program the program that was to run, as given
     * @param subject the value the step failed on (the program, the directory, the file...)
     * @param cause the underlying exception, or {@code null}
     */
    public SpawnException(Step step, int errno, String program, String subject, Throwable cause) {
        super(message(step, errno, subject), cause);
        this.step = Objects.requireNonNull(step, "step");
        this.errno = errno;
        this.errnoName = Errno.name(errno);
        this.program = Objects.requireNonNull(program, "program");
    }

    private static String message(Step step, int errno, String subject) {
        String where = step == Step.EXEC ? "" : " (" + step.label() + ")";
        return Errno.message(errno) + where + ": '" + subject + "'";
    }

    /** The Linux error number, e.g. 2. */
    public int errno() {
        return errno;
    }

    /** The symbolic name of {@link #errno()}, e.g. {@code ENOENT}. */
    public String errnoName() {
        return errnoName;
    }

    /** The step that failed. */
    public Step step() {
        return step;
    }

    /** The program that was to run, as given. */
    public String program() {
        return program;
    }

    @Override
    public String toString() {
        return getClass().getName() + " [" + errnoName + ", " + step.name().toLowerCase(Locale.ROOT) + "]: " + getMessage();
    }
}
