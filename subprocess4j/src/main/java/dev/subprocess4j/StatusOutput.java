package dev.subprocess4j;

import java.util.Objects;

/**
 * The result of {@link Subprocess#getStatusOutput(String)}: the exit status and the combined
 * output with one trailing newline removed.
 *
 * <h2>Python equivalent</h2>
 * The tuple returned by {@code subprocess.getstatusoutput(cmd)}.
 *
 * @param status the exit status; {@code -N} when the shell was killed by signal N
 * @param output stdout and stderr interleaved as written, decoded as UTF-8
 */
public record StatusOutput(int status, String output) {
    /** Checks that the output is present. */
    public StatusOutput {
        Objects.requireNonNull(output, "output");
    }
}
