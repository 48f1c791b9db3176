package dev.subprocess4j;

import java.util.List;
import java.util.Objects;

/**
 * A child exited with a non-zero status (or was killed by a signal) where the caller asked for a
 * check: {@link Command#check()}, {@link CompletedProcess#checkReturnCode()},
 * {@link Subprocess#checkCall(String...)}, {@link Subprocess#checkOutput(String...)}.
 *
 * <p>The message starts with Python's sentence, the command quoted as a shell reads it
 * ({@link Shlex#join}, as {@code toString()} of a {@link Command}):
 * {@code Command false -x returned non-zero exit status 1.} or
 * {@code Command sleep 9 died with SIGKILL.} When stderr was captured, its last lines follow on
 * the next lines (at most 20 lines and 2 KiB; control characters as {@code \xNN}; the values of
 * the command's environment changes, 4 characters or longer, as {@code ***}):
 * <pre>
 * Command sh -c 'echo oops &gt;&amp;2; exit 2' returned non-zero exit status 2.
 * stderr:
 * oops
 * </pre>
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
        String command = Messages.command(r.args());
        String sentence;
        if (r.returnCode() < 0) {
            sentence = r.signal()
                    .map(s -> command + " died with " + s + ".")
                    .orElseGet(() -> command + " died with unknown signal " + -r.returnCode() + ".");
        } else {
            sentence = command + " returned non-zero exit status " + r.returnCode() + ".";
        }
        return sentence + Messages.stderrTail(r.stderrBytes(), r.text().charset(), r.masked());
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
