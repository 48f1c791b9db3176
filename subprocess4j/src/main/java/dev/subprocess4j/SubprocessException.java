package dev.subprocess4j;

/**
 * The base of every exception this library raises about a child process.
 *
 * <p>Unchecked, like every exception here: a failed child is an error the caller decides to
 * handle, not a declaration every call site must repeat.
 *
 * <h2>Python equivalent</h2>
 * {@code subprocess.SubprocessError}.
 */
public class SubprocessException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Creates an exception with a message. */
    public SubprocessException(String message) {
        super(message);
    }

    /** Creates an exception with a message and a cause. */
    public SubprocessException(String message, Throwable cause) {
        super(message, cause);
    }
}
