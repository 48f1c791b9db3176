package dev.subprocess4j.cli;

import dev.subprocess4j.cli.parallel.Parallel;
import dev.subprocess4j.cli.parallel.ParallelOptions;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/**
 * {@code sp parallel}: runs jobs through the library, at most N at a time, as GNU parallel and
 * xargs do: the command lines of a file or stdin, or a COMMAND with replacement strings filled in
 * from input sources. The options are in {@link ParallelOptions}, the work in the
 * {@code dev.subprocess4j.cli.parallel} package, starting at {@link Parallel}.
 */
final class ParallelCommand implements Callable<Integer> {
    /** GNU parallel's status for bad usage. */
    static final int EXIT_USAGE = Parallel.EXIT_ERROR;

    private CommandSpec spec;

    private final PrintStream out;
    private final PrintStream err;
    private final InputStream in;
    private final RawArgs raw;

    ParallelCommand(PrintStream out, PrintStream err, InputStream in, RawArgs raw) {
        this.out = out;
        this.err = err;
        this.in = in;
        this.raw = raw;
    }

    /**
     * {@code sp parallel}'s picocli model, bound to {@code parallel}: declared with the programmatic
     * API, as {@code sp run}'s is ({@link ParallelOptions} says why).
     */
    static CommandSpec spec(ParallelCommand parallel) {
        CommandSpec s = CommandSpec.wrapWithoutInspection(parallel).name("parallel");
        parallel.spec = s;
        s.usageMessage()
                .sortOptions(false)
                .autoWidth(true)
                .descriptionHeading("%n")
                .description(
                        "Runs jobs at most N at a time, as GNU parallel and xargs do. Without COMMAND, each line of FILE (or"
                                + " stdin) is a command; with COMMAND, one job per input record, COMMAND with the replacement"
                                + " strings filled in: {} the record, {.} without extension, {/} basename, {//} dirname,"
                                + " {/.} basename without extension, {#} the job's number, {%%} its slot, {N} (also {N.} {N/}"
                                + " {N//} {N/.}) the N-th column or source; a COMMAND without any gets ' {}' appended.",
                        "A line is split into words as a POSIX shell would (quotes and backslashes; no expansion), or run by"
                                + " /bin/sh -c with --shell. A filled-in COMMAND is one line of words joined by spaces, each"
                                + " value quoted (GNU parallel's rule); it runs by /bin/sh -c with --shell or when COMMAND has"
                                + " shell syntax (| & ; < > ( ) $ ` * ? [ ] ~ ! or a leading VAR=), else directly.",
                        "Bytes, not text, as xargs and GNU parallel: the ARGS, job files and stdin are read as bytes (sp's own"
                                + " arguments from /proc/self/cmdline), and jobs, output, --tagstring and --joblog get those bytes"
                                + " unchanged, whatever the locale (LANG=C too) and whether or not they are UTF-8.",
                        "Each job's stdin is /dev/null; its stdout and stderr are captured and printed whole when it ends"
                                + " (stdout on sp's stdout, stderr on sp's stderr), never interleaved with another job's.",
                        "Each job runs in a process group of its own (native backend). When sp gets SIGINT, SIGTERM or SIGHUP,"
                                + " or with --halt now, every running job's group gets SIGTERM, then SIGKILL after --kill-grace;"
                                + " sp waits for them, prints the summary and exits (128+N after signal N): nothing is left running.",
                        "Progress goes to stderr, then a summary: jobs, succeeded, failed, retries used, not run,"
                                + " wall time, total child CPU (user+sys, when the backend reports it), the slowest three jobs"
                                + " and the failed jobs (the first 20, then how many more) with their exit code, signal, timeout or start failure.")
                .parameterListHeading("%nArguments:%n")
                .optionListHeading("%nOptions:%n")
                .exitCodeListHeading("%nExit status (GNU parallel's):%n")
                .exitCodeList(Main.exitCodes(
                        "0:every job succeeded",
                        "1-100:that many jobs failed (a non-zero exit, a signal, a timeout or a failed start)",
                        "101:more than 100 jobs failed",
                        "255:bad usage: a bad option or value (-j, --retries, --halt, DURATION), an unreadable FILE,"
                                + " or a line that cannot be split (the line number is given); or an error of sp's own",
                        "128+N:sp was stopped by signal N (after killing the running jobs and printing the summary)",
                        "With --halt: the exit status of the failed job for fail=1, the percentage of failed jobs for N%%,"
                                + " 0 for success=, else the number of failed jobs."))
                .footerHeading("%nExamples:%n")
                .footer(
                        "  printf 'sleep 0.3\\nsleep 0.2\\nfalse\\n' | sp parallel -j 2",
                        "  sp parallel gzip -9 ::: *.log                      # as GNU parallel",
                        "  find . -name '*.log' -print0 | sp parallel -0 gzip -9 {}",
                        "  sp parallel -j 8 --timeout 5m --retries 2 --halt-on-error jobs.txt",
                        "  sp parallel --joblog jobs.log --resume-failed convert {} {.}.png ::: *.jpg",
                        "  find . -name '*.log' -printf 'gzip -9 %%p\\n' | sp parallel --keep-order --tag",
                        "  sp parallel --shell --json jobs.sh > results.jsonl",
                        "  sp parallel -S 8/build-1,4/ci@build-2:2222,: --timeout 10m jobs.txt   # two ssh hosts and this machine",
                        "  sp parallel --slurm --partition short -j 64 jobs.txt");
        ParallelOptions.declare(s);
        Main.standardHelpOptions(s); // listed last, as picocli's mixin lists them with unsorted options
        return s;
    }

    @Override
    public Integer call() throws Exception {
        ParallelOptions options = ParallelOptions.of(spec);
        try {
            return new Parallel(options, out, err, in, raw).run();
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), Main.oneLine(String.valueOf(e.getMessage())));
        } catch (java.io.UncheckedIOException e) {
            err.println("sp: " + Main.oneLine(e.getMessage() + ": " + e.getCause().getMessage()));
            return EXIT_USAGE;
        }
    }

    /** See {@link Parallel#stderrMayBeTerminal()}. */
    static boolean stderrMayBeTerminal() {
        return Parallel.stderrMayBeTerminal();
    }

    /** Seconds as {@code 42s}, {@code 3m05s} or {@code 1h02m}. */
    static String duration(double seconds) {
        return Parallel.duration(seconds);
    }
}
