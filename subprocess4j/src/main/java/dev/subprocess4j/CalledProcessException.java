package dev.subprocess4j;

import java.util.List;
import java.util.Objects;

/**
 * A child exited with a non-zero status (or was killed by a signal) where the caller asked for a
 * check: {@link Command#check()}, {@link CompletedProcess#checkReturnCode()},
 * {@link Subprocess#checkCall(String...)}, {@link Subprocess#checkOutput(String...)}.
 *
 * <p>The message is Python's: {@code Command '[false, -x]' returned non-zero exit status 1.} or
 * {@code Command '[sleep, 9]' died with SIGKILL.}
 *
 * <h2>Python equivalent</h2>
 * {@code subprocess.CalledProcessError}.
 */
public class CalledProcessException extends SubprocessException {
    private static final long serialVersionUID = 1L;

    private final transient CompletedProcess result;

    /**
     * Creates the exception for a finished child.
     *
     * @param result the child's result, whose return code is not 0
     */
    public CalledProcessException(CompletedProcess result) {
        super(message(Objects.requireNonNull(result, "result")));
        this.result = result;
    }

    private static String message(CompletedProcess r) {
        String command = "Command '" + r.args() + "'";
        if (r.returnCode() < 0) {
            return r.signal()
                    .map(s -> command + " died with " + s + ".")
                    .orElseGet(() -> command + " died with unknown signal " + -r.returnCode() + ".");
        }
        return command + " returned non-zero exit status " + r.returnCode() + ".";
    }

    /** The child's exit status, {@code -N} when signal N killed it. */
    public int returnCode() {
        return result.returnCode();
    }

    /** The argv of the command that failed. */
    public List<String> command() {
        return result.args();
    }

    /** The captured stdout, or {@code null} when stdout was not captured. */
    public byte[] stdoutBytes() {
        return result.stdoutBytes();
    }

    /** The captured stderr, or {@code null} when stderr was not captured. */
    public byte[] stderrBytes() {
        return result.stderrBytes();
    }

    /** The captured stdout decoded with the command's encoding, or {@code null}. */
    public String stdout() {
        return result.stdout();
    }

    /** The captured stderr decoded with the command's encoding, or {@code null}. */
    public String stderr() {
        return result.stderr();
    }

    /** The whole result of the failed child (pid, elapsed time, resource usage...). */
    public CompletedProcess result() {
        return result;
    }
}
