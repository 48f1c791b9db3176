package dev.subprocess4j;

import dev.subprocess4j.internal.TextCodec;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Collection;

/**
 * A finished child: its argv, exit status, captured output, pid, run time and resource usage.
 *
 * <p>A value: two results are equal when every field is, byte contents included (the text
 * settings used for decoding are not part of the value).
 *
 * <h2>Examples</h2>
 * {@snippet :
 * CompletedProcess r = Subprocess.command("git", "rev-parse", "HEAD").captureOutput().run();
 * if (r.returnCode() == 0) {
 *     String head = r.stdout().strip();
 * }
 * }
 *
 * <h2>Python equivalent</h2>
 * {@code subprocess.CompletedProcess}; {@code returnCode()} is {@code returncode} ({@code -N} when
 * signal N killed the child), {@code stdout()} the decoded text of {@code stdout}.
 */
public final class CompletedProcess {
    private final List<String> args;
    private final int returnCode;
    private final byte[] stdout;
    private final byte[] stderr;
    private final long pid;
    private final Duration elapsed;
    private final ResourceUsage usage;
    private final Launcher launcher;
    private final TextCodec text;
    /** Values an exception's message must not show (the command's environment changes); not part of the value. */
    private final Collection<String> masked;

    /**
     * Creates a result, as Python's {@code CompletedProcess(args, returncode, stdout, stderr)};
     * text accessors decode as UTF-8 with replacement and universal newlines.
     *
     * @param args the argv
     * @param returnCode the exit status, {@code -N} for a death by signal N
     * @param stdoutBytes the captured stdout, or {@code null} when not captured
     * @param stderrBytes the captured stderr, or {@code null} when not captured
     */
    public CompletedProcess(List<String> args, int returnCode, byte[] stdoutBytes, byte[] stderrBytes) {
        // copies: the caller keeps its arrays, and a value must not change under equals/hashCode
        this(args, returnCode, copy(stdoutBytes), copy(stderrBytes), -1, Duration.ZERO, null, TextCodec.DEFAULT,
                Launcher.local());
    }

    private static byte[] copy(byte[] b) {
        return b == null ? null : b.clone();
    }

    CompletedProcess(List<String> args, int returnCode, byte[] stdout, byte[] stderr, long pid,
                     Duration elapsed, ResourceUsage usage, TextCodec text, Launcher launcher) {
        this(args, returnCode, stdout, stderr, pid, elapsed, usage, text, launcher, List.of());
    }

    CompletedProcess(List<String> args, int returnCode, byte[] stdout, byte[] stderr, long pid,
                     Duration elapsed, ResourceUsage usage, TextCodec text, Launcher launcher, Collection<String> masked) {
        this.masked = Objects.requireNonNull(masked, "masked");
        this.launcher = Objects.requireNonNull(launcher, "launcher");
        this.args = List.copyOf(args);
        this.returnCode = returnCode;
        this.stdout = stdout;
        this.stderr = stderr;
        this.pid = pid;
        this.elapsed = Objects.requireNonNull(elapsed, "elapsed");
        this.usage = usage;
        this.text = Objects.requireNonNull(text, "text");
    }

    /**
     * Where the child ran: {@link Launcher#local()}, or the launcher a {@link ProcessPool}
     * spreading over several hosts chose.
     */
    public Launcher launcher() {
        return launcher;
    }

    /** The argv the child was started with. */
    public List<String> args() {
        return args;
    }

    /** The exit status: 0–255 for a normal exit, {@code -N} when signal N killed the child. */
    public int returnCode() {
        return returnCode;
    }

    /** The captured stdout (a copy), or {@code null} when stdout was not captured. */
    public byte[] stdoutBytes() {
        return stdout == null ? null : stdout.clone();
    }

    /** The captured stderr (a copy), or {@code null} when stderr was not captured. */
    public byte[] stderrBytes() {
        return stderr == null ? null : stderr.clone();
    }

    /**
     * The captured stdout decoded with the command's encoding, errors action and newline mode, or
     * {@code null} when stdout was not captured (as Python's {@code CompletedProcess.stdout} is
     * {@code None}): ask for it with {@link Command#captureOutput()} or
     * {@code stdout(Redirect.PIPE)}. A running child's {@link Popen#stdout()} throws instead: there
     * is no stream to hand out, while a result can say "nothing captured".
     *
     * @throws java.io.UncheckedIOException when the command's errors action is REPORT and the
     *     output is malformed; {@link #stdoutBytes()} still has the bytes
     */
    public String stdout() {
        return stdout == null ? null : text.decode(stdout);
    }

    /**
     * The captured stderr decoded like {@link #stdout()}, or {@code null} when not captured.
     *
     * @throws java.io.UncheckedIOException as {@link #stdout()}
     */
    public String stderr() {
        return stderr == null ? null : text.decode(stderr);
    }

    /** The child's pid, or -1 for a result that was not produced by a child of this JVM. */
    public long pid() {
        return pid;
    }

    /** Wall time from just before the spawn to the moment the exit was seen. */
    public Duration elapsed() {
        return elapsed;
    }

    /** What the child used; empty on the JDK backend, which cannot know. */
    public Optional<ResourceUsage> usage() {
        return Optional.ofNullable(usage);
    }

    /**
     * Returns this result when the return code is 0.
     *
     * @throws CalledProcessException when it is not
     */
    public CompletedProcess checkReturnCode() {
        if (returnCode != 0) {
            throw new CalledProcessException(this);
        }
        return this;
    }

    /** Whether a signal killed the child. */
    public boolean killedBySignal() {
        return returnCode < 0;
    }

    /** The signal that killed the child, when one did and it is a POSIX signal 1–31. */
    public Optional<Signal> signal() {
        return returnCode < 0 ? Signal.of(-returnCode) : Optional.empty();
    }

    TextCodec text() {
        return text;
    }

    Collection<String> masked() {
        return masked;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CompletedProcess that
                && returnCode == that.returnCode
                && pid == that.pid
                && args.equals(that.args)
                && Arrays.equals(stdout, that.stdout)
                && Arrays.equals(stderr, that.stderr)
                && elapsed.equals(that.elapsed)
                && Objects.equals(usage, that.usage);
    }

    @Override
    public int hashCode() {
        return Objects.hash(args, returnCode, Arrays.hashCode(stdout), Arrays.hashCode(stderr), pid, elapsed, usage);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("CompletedProcess[args=").append(Shlex.join(args))
                .append(", returnCode=").append(returnCode)
                .append(", pid=").append(pid);
        if (stdout != null) {
            sb.append(", stdout=").append(stdout.length).append(" bytes");
        }
        if (stderr != null) {
            sb.append(", stderr=").append(stderr.length).append(" bytes");
        }
        return sb.append(']').toString();
    }
}
