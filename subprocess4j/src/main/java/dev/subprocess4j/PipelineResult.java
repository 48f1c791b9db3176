package dev.subprocess4j;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * A finished {@link Pipeline}: one {@link CompletedProcess} per stage, the pipeline's return code
 * and the last stage's output.
 *
 * <p>A value: two results are equal when their stages are.
 *
 * <h2>Examples</h2>
 * {@snippet :
 * PipelineResult r = Subprocess.pipeline(Subprocess.command("sort", "words.txt"), Subprocess.command("uniq", "-c"))
 *         .stdout(Redirect.PIPE)
 *         .run();
 * if (r.returnCode() == 0) {
 *     System.out.print(r.stdout());
 * } else {
 *     CompletedProcess failed = r.failedStage().orElseThrow();
 * }
 * }
 *
 * <h2>Thread safety</h2>
 * Immutable and thread-safe.
 *
 * <h2>Python equivalent</h2>
 * None: the closest is the {@code returncode} of a {@code shell=True} run under
 * {@code set -o pipefail}, and the {@code CompletedProcess} of each hand-chained {@code Popen}.
 */
public final class PipelineResult {
    private final List<CompletedProcess> stages;
    private final int deciding;

    private PipelineResult(List<CompletedProcess> stages, int deciding) {
        this.stages = List.copyOf(stages);
        this.deciding = deciding;
    }

    static PipelineResult of(List<CompletedProcess> stages, int deciding) {
        return new PipelineResult(stages, deciding);
    }

    /** One result per stage, first to last; each holds what its own command captured. */
    public List<CompletedProcess> stages() {
        return stages;
    }

    /**
     * The pipeline's return code, as bash's {@code pipefail}: the return code of the last stage
     * that did not succeed, else 0. A stage other than the last one killed by SIGPIPE does not
     * count (its reader had gone), so {@code yes | head -n 1} returns 0.
     */
    public int returnCode() {
        return deciding < 0 ? 0 : stages.get(deciding).returnCode();
    }

    /** The stage that decided a non-zero {@link #returnCode()}; empty when it is 0. */
    public Optional<CompletedProcess> failedStage() {
        return deciding < 0 ? Optional.empty() : Optional.of(stages.get(deciding));
    }

    /**
     * Returns this result when the return code is 0.
     *
     * @throws CalledProcessException for {@link #failedStage()} when it is not
     */
    public PipelineResult checkReturnCode() {
        if (deciding >= 0) {
            throw new CalledProcessException(stages.get(deciding));
        }
        return this;
    }

    /** The last stage's captured stdout (a copy), or {@code null} when it was not captured. */
    public byte[] stdoutBytes() {
        return stages.getLast().stdoutBytes();
    }

    /**
     * The last stage's captured stdout, decoded with that stage's encoding, errors action and
     * newline mode, or {@code null} when it was not captured.
     *
     * @throws java.io.UncheckedIOException as {@link CompletedProcess#stdout()}
     */
    public String stdout() {
        return stages.getLast().stdout();
    }

    /** The last stage's captured stderr (a copy), or {@code null} when it was not captured. */
    public byte[] stderrBytes() {
        return stages.getLast().stderrBytes();
    }

    /**
     * The last stage's captured stderr, decoded like {@link #stdout()}, or {@code null} when it
     * was not captured.
     *
     * @throws java.io.UncheckedIOException as {@link CompletedProcess#stderr()}
     */
    public String stderr() {
        return stages.getLast().stderr();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PipelineResult that && stages.equals(that.stages) && deciding == that.deciding;
    }

    @Override
    public int hashCode() {
        return Objects.hash(stages, deciding);
    }

    @Override
    public String toString() {
        return "PipelineResult[returnCode=" + returnCode() + ", stages="
                + stages.stream().map(CompletedProcess::toString).collect(Collectors.joining(" | ")) + "]";
    }
}
