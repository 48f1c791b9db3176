package dev.subprocess4j.internal;

/**
 * Thrown by {@link ChildProcess#communicate} when its wait timed out; carries the output read so
 * far so the public layer can raise {@code TimeoutExpiredException}.
 */
public final class CommunicateTimeout extends Exception {
    private static final long serialVersionUID = 1L;

    private final transient byte[] stdout;
    private final transient byte[] stderr;

    /**
     * @param stdout the stdout read so far, or {@code null} when none was read
     * @param stderr the stderr read so far, or {@code null} when none was read
     */
    public CommunicateTimeout(byte[] stdout, byte[] stderr) {
        super(null, null, false, false);
        this.stdout = stdout;
        this.stderr = stderr;
    }

    /** The stdout read so far, or {@code null}. */
    public byte[] stdout() {
        return stdout;
    }

    /** The stderr read so far, or {@code null}. */
    public byte[] stderr() {
        return stderr;
    }
}
