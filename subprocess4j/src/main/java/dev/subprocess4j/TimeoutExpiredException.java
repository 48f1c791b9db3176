package dev.subprocess4j;

import dev.subprocess4j.internal.TextCodec;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Collection;

/**
 * A timeout expired: the command's own deadline ({@link Command#timeout(Duration)}), after which
 * the child was killed, or the timeout of one wait ({@link Popen#waitFor(Duration)},
 * {@link Popen#communicate(byte[], Duration)}), after which the child keeps running.
 *
 * <p>Holds the output read so far. The message starts with Python's sentence, the command quoted
 * as a shell reads it ({@link Shlex#join}): {@code Command sleep 10 timed out after 0.3 seconds};
 * the last lines of the stderr read so far follow, bounded and masked as in
 * {@link CalledProcessException}.
 *
 * <h2>Python equivalent</h2>
 * {@code subprocess.TimeoutExpired}.
 */
public class TimeoutExpiredException extends SubprocessException {
    private static final long serialVersionUID = 1L;

    private final List<String> command;
    private final Duration timeout;
    private final byte[] stdout;
    private final byte[] stderr;
    private final transient TextCodec text;

    /**
     * Creates the exception; text accessors decode as UTF-8 with replacement.
     *
     * @param command the argv of the command
     * @param timeout the timeout that expired
     * @param stdout the stdout read so far, or {@code null} when none was read
     * @param stderr the stderr read so far, or {@code null} when none was read
     */
    public TimeoutExpiredException(List<String> command, Duration timeout, byte[] stdout, byte[] stderr) {
        this(command, timeout, copy(stdout), copy(stderr), TextCodec.DEFAULT);
    }

    private static byte[] copy(byte[] b) {
        return b == null ? null : b.clone();
    }

    TimeoutExpiredException(List<String> command, Duration timeout, byte[] stdout, byte[] stderr, TextCodec text) {
        this(Messages.command(command), command, timeout, stdout, stderr, text, List.of());
    }

    /** {@code shown}: the command as the message names it ({@code Command ...}). */
    TimeoutExpiredException(String shown, List<String> command, Duration timeout, byte[] stdout, byte[] stderr,
                            TextCodec text, Collection<String> masked) {
        this(shown, command, timeout, stdout, stderr, text, masked, null);
    }

    /** {@code killFailure}: why the timeout's kill failed (the child was then waited for), or null. */
    TimeoutExpiredException(String shown, List<String> command, Duration timeout, byte[] stdout, byte[] stderr,
                            TextCodec text, Collection<String> masked, String killFailure) {
        super(shown + " timed out after " + seconds(Objects.requireNonNull(timeout, "timeout")) + " seconds"
                + (killFailure == null ? "" : "; the kill failed (" + killFailure + "), so the child was waited for")
                + Messages.stderrTail(stderr, text.charset(), masked));
        this.command = List.copyOf(command);
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        this.stdout = stdout;
        this.stderr = stderr;
        this.text = text;
    }

    /**
     * Seconds as Python prints a float ({@code repr}): {@code 0.3}, {@code 5.0}, {@code 1.25},
     * {@code 31536000.0}, {@code 1e-05}. Both languages print the shortest digits that read back
     * as the same double; Python writes them out in full from 1e-4 up to 1e16, Java only from 1e-3
     * up to 1e7. Any {@code Duration} works (toNanos() would overflow beyond 292 years).
     */
    static String seconds(Duration d) {
        double s = BigDecimal.valueOf(d.getSeconds()).add(BigDecimal.valueOf(d.getNano(), 9)).doubleValue();
        BigDecimal shortest = new BigDecimal(Double.toString(s)).stripTrailingZeros();
        double abs = Math.abs(s);
        if (s == 0 || (abs >= 1e-4 && abs < 1e16)) {
            String plain = shortest.toPlainString();
            return plain.contains(".") ? plain : plain + ".0";
        }
        String digits = shortest.unscaledValue().abs().toString();
        int exponent = digits.length() - 1 - shortest.scale();
        String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
        return (s < 0 ? "-" : "") + mantissa + "e" + (exponent < 0 ? "-" : "+")
                + (Math.abs(exponent) < 10 ? "0" : "") + Math.abs(exponent);
    }

    /** The argv of the command. */
    public List<String> command() {
        return command;
    }

    /** The timeout that expired. */
    public Duration timeout() {
        return timeout;
    }

    /** The stdout read before the timeout, or {@code null} when nothing was read or it was not captured. */
    public byte[] stdoutBytes() {
        return stdout == null ? null : stdout.clone();
    }

    /** The stderr read before the timeout, or {@code null} when nothing was read or it was not captured. */
    public byte[] stderrBytes() {
        return stderr == null ? null : stderr.clone();
    }

    /** {@link #stdoutBytes()} decoded with the command's encoding, or {@code null}. */
    public String stdout() {
        return stdout == null ? null : text.decode(stdout);
    }

    /** {@link #stderrBytes()} decoded with the command's encoding, or {@code null}. */
    public String stderr() {
        return stderr == null ? null : text.decode(stderr);
    }
}
