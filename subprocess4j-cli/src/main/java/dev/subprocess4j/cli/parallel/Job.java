package dev.subprocess4j.cli.parallel;

import dev.subprocess4j.Signal;
import java.time.Duration;
import java.util.List;

/** One job: a line of commands, or the command template with one set of arguments; and what became of it. */
final class Job {
    /** Its position among all jobs, from 0. */
    final int index;
    /** GNU parallel's sequence number {@code {#}}: index + 1. */
    final int seq;
    /** The line number in the job file (lines mode), else {@link #seq}. */
    final int lineNo;
    /** The line as read (lines mode), or {@code null} with a template. */
    final String line;
    /** The arguments filled into the template (empty in lines mode). */
    final List<String> args;
    /** The command as text (the line, or the filled template): what --tag, --joblog and --dry-run show. */
    String text;
    /** What is run. */
    List<String> argv;
    int slot;
    int attempts;
    long startNanos;
    /** Wall-clock start, for --joblog. */
    long startEpochMillis;
    // The outcome of the last attempt.
    boolean finished;
    boolean failed;
    boolean timedOut;
    /** Killed by sp itself (--halt now, or sp was signalled): neither succeeded nor failed. */
    boolean killed;
    Integer returnCode;
    Signal signal;
    Duration elapsed = Duration.ZERO;
    /** No output: shared by every job that has none (or has let its output go). */
    static final byte[] NO_OUTPUT = new byte[0];

    byte[] stdout = NO_OUTPUT;
    byte[] stderr = NO_OUTPUT;
    String error;
    Duration cpu;
    String host;
    // The attempt running now.
    /** With --line-buffer --keep-order: lines held until every earlier job is done; null for none. */
    List<Runner.Line> heldLines;
    java.io.ByteArrayOutputStream outBuffer;
    java.io.ByteArrayOutputStream errBuffer;
    /** When its --timeout expires (System.nanoTime()), or 0. */
    long deadlineNanos;
    /** sp killed it for its --timeout. */
    boolean killedForTimeout;
    /** Its attempt succeeded and its slot went to the next job before its end was settled ({@code Scheduler.startAfter}). */
    boolean released;
    /** Its attempt failed on a worker and its end is not settled yet ({@code Scheduler.failing}). */
    boolean failing;
    /** Named by the summary (among the slowest or the failed listed): kept whole when done. */
    boolean listed;

    Job(int index, int lineNo, String line, List<String> args) {
        this.index = index;
        this.seq = index + 1;
        this.lineNo = lineNo;
        this.line = line;
        this.args = args;
    }

    /**
     * Lets go of the output once it is printed (and saved): a finished job that the summary still
     * lists keeps its name and outcome, not its bytes.
     */
    void releaseOutput() {
        stdout = NO_OUTPUT;
        stderr = NO_OUTPUT;
        outBuffer = null;
        errBuffer = null;
        heldLines = null;
        if (!listed) {
            // Let go of what its run made too: the job itself was made with the input, at the
            // start, and has long been in the old generation, where a dead object keeps what it
            // points to alive through young collections (which then fill the old generation).
            text = null;
            argv = null;
            error = null;
            host = null;
            cpu = null;
            returnCode = null;
            signal = null;
            elapsed = Duration.ZERO;
        }
    }

    /** "line N" for a job file's line, else "job N". */
    String name() {
        return (line != null ? "line " : "job ") + lineNo;
    }

    /** How a failed job failed, for the summary: "exit 3", "signal SIGKILL", "timed out", "did not start". */
    String failure() {
        if (timedOut) {
            return "timed out";
        }
        if (signal != null) {
            return "signal " + signal.name();
        }
        if (returnCode != null) {
            return "exit " + returnCode;
        }
        return "did not start";
    }

    /** The exit value GNU parallel would give this job: its code, 128+N after signal N, else 1. */
    int exitValue() {
        if (signal != null) {
            return 128 + signal.number();
        }
        if (returnCode != null && returnCode > 0) {
            return Math.min(returnCode, 255);
        }
        return failed ? 1 : 0;
    }
}
