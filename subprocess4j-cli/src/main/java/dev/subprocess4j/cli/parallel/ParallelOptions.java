package dev.subprocess4j.cli.parallel;

import dev.subprocess4j.cli.DurationConverter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.TypeConversionException;

/**
 * sp parallel's options and arguments (a picocli mixin of {@code ParallelCommand}). {@link #args},
 * {@link #colsep} and {@link #tagString} are made byte strings (see {@code Bytes}: the bytes sp was
 * given) by {@link Parallel} before use.
 */
public final class ParallelOptions {
    enum Progress { AUTO, ALWAYS, NEVER }

    /** {@code auto}, {@code always} or {@code never}, in any case. */
    static final class ProgressConverter implements ITypeConverter<Progress> {
        @Override
        public Progress convert(String value) {
            return switch (value.toLowerCase(Locale.ROOT)) {
                case "auto" -> Progress.AUTO;
                case "always" -> Progress.ALWAYS;
                case "never" -> Progress.NEVER;
                default -> throw new TypeConversionException("'" + value + "' is not auto, always or never");
            };
        }
    }

    /** {@code --halt} values, checked when parsed. */
    static final class HaltConverter implements ITypeConverter<Halt> {
        @Override
        public Halt convert(String value) {
            try {
                return Halt.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    // ---- what runs -------------------------------------------------------------------------------

    @Option(names = {"-j", "--jobs"}, paramLabel = "N",
            description = "Run at most N jobs at once (1 or more). Default: the number of CPUs.")
    Integer jobs;

    @Option(names = "--shell", description = "Run each line (or the filled-in COMMAND) with /bin/sh -c.")
    boolean shell;

    @Option(names = {"-a", "--arg-file"}, paramLabel = "FILE",
            description = "Read the input records from FILE ('-': stdin) instead of stdin, as xargs -a and GNU parallel -a"
                    + " (the same as ':::: FILE'); repeatable, each FILE an input source before those of ::: and ::::.")
    List<Path> argFiles = new ArrayList<>();

    @Option(names = {"-0", "--null"}, description = "Input records end with NUL, not newline (find -print0, xargs -0).")
    boolean nul;

    @Option(names = {"-n", "--max-args"}, paramLabel = "N",
            description = "Give each job N input records (xargs -n); {} is all of them, {1}..{N} each one.")
    Integer maxArgs;

    @Option(names = "-X", description = "Spread the records over the job slots, several per job; a word holding {}"
            + " is repeated for each record (GNU parallel -X).")
    boolean contextReplace;

    @Option(names = "--colsep", paramLabel = "REGEX",
            description = "Split each input record into columns at REGEX (a Java regex): {1}, {2}, ... are the columns.")
    String colsep;

    // ---- when -----------------------------------------------------------------------------------

    @Option(names = "--timeout", paramLabel = "DURATION", converter = DurationConverter.class,
            description = {"Kill a job (SIGKILL; on the native backend its whole process group, the job runs in a"
                    + " process group of its own) that runs longer than this; it counts as failed.",
                "A number of seconds, or a number with a unit: 300ms, 5s, 1.5s, 2m, 1h. Default: none."})
    Duration timeout;

    @Option(names = "--retries", paramLabel = "K",
            description = {"Run a failed job again, up to K more times; its last attempt counts. Default: 0.",
                "A retry starts as soon as a slot is free, with no delay (as GNU parallel --retries): for a"
                        + " service that needs time to recover, put the wait in the job (sh -c 'sleep 1; ...' or --shell)."})
    int retries;

    @Option(names = "--halt-on-error",
            description = "After the first failed job, start no new job; running ones finish, the rest are not run"
                    + " (--halt soon,fail=1).")
    boolean haltOnError;

    @Option(names = "--halt", paramLabel = "WHEN", converter = HaltConverter.class,
            description = {"When to stop (GNU parallel's --halt): never (default), or now|soon,fail=N|fail=N%%|"
                    + "success=N|success=N%%|done=N|done=N%%; also 0, 1 (soon,fail=1), 2 (now,fail=1), -1, -2, 1-99%% (soon,fail=N%%).",
                "soon starts no new job; now also kills the running ones (their process groups: SIGTERM, then SIGKILL"
                        + " after --kill-grace), which count as killed, not failed."})
    Halt halt;

    @Option(names = "--kill-grace", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "With --halt now and when sp is stopped by SIGINT, SIGTERM or SIGHUP: how long the running"
                    + " jobs get between SIGTERM and SIGKILL. Default: 2s.")
    Duration killGrace = Duration.ofSeconds(2);

    @Option(names = "--delay", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Start a job at least DURATION after the previous one started.")
    Duration delay;

    @Option(names = "--dry-run", description = "Print each job's command line on stdout instead of running it.")
    boolean dryRun;

    // ---- output ---------------------------------------------------------------------------------

    @Option(names = {"-k", "--keep-order"},
            description = "Print the jobs' output in the order of the lines, not in the order they finish.")
    boolean keepOrder;

    @Option(names = "--line-buffer",
            description = "Print each output line as soon as the job writes it (whole lines never mix), not the"
                    + " whole output at the job's end; with --keep-order, the lines of a job wait until every job before it"
                    + " is done.")
    boolean lineBuffer;

    @Option(names = "--json",
            description = {"Print one JSON line per job on stdout instead of its output: line, command, args,"
                    + " returncode (-N for signal N, null when it did not run to its end), signal, elapsed (seconds),"
                    + " attempts, timed_out, stdout, stderr, cpu (user+sys seconds, null when unknown), error,"
                    + " tag (with --tag or --tagstring the text it prefixes to output lines, else null),"
                    + " host (where the last attempt ran: local, ssh user@host:port or slurm; null when it did not start)."})
    boolean json;

    @Option(names = "--tag",
            description = "Prefix each output line with the job's arguments (joined by spaces; without COMMAND its"
                    + " command line) and a TAB, as GNU parallel --tag.")
    boolean tag;

    @Option(names = "--tagstring", paramLabel = "STR",
            description = "Prefix each output line with STR, replacement strings filled in (unquoted), and a TAB (implies --tag).")
    String tagString;

    @Option(names = "--joblog", paramLabel = "FILE",
            description = "Write a line per finished job to FILE in GNU parallel's format: Seq, Host, Starttime,"
                    + " JobRuntime, Send, Receive, Exitval, Signal, Command (TAB-separated, with a header).")
    Path joblog;

    @Option(names = "--resume", description = "With --joblog: skip the jobs the joblog lists; append to it.")
    boolean resume;

    @Option(names = "--resume-failed",
            description = "With --joblog: skip the jobs the joblog lists as succeeded, run the failed ones again.")
    boolean resumeFailed;

    @Option(names = "--results", paramLabel = "DIR",
            description = "Save each job's stdout, stderr and seq in DIR/1/ARG1/2/ARG2.../ instead of printing them (as GNU parallel"
                    + " --results; '/' in an argument becomes '\\_').")
    Path results;

    @Option(names = "--progress", paramLabel = "WHEN", converter = ProgressConverter.class,
            description = {"auto (default): a live bar on stderr when it is a terminal, else a progress line"
                    + " every 2 s; always: the live bar even when stderr is not a terminal; never: no progress.",
                "On a terminal the bar is as wide as the terminal and drawn with its own terminfo sequences"
                        + " (none under TERM=dumb); elsewhere it is $COLUMNS (or 80) wide, in ANSI."})
    Progress progress = Progress.AUTO;

    /** For tests: the period of the plain progress lines. */
    @Option(names = "--progress-interval", hidden = true, converter = DurationConverter.class)
    Duration progressInterval = Duration.ofSeconds(2);

    // ---- where ----------------------------------------------------------------------------------

    @Option(names = {"-S", "--sshlogin"}, paramLabel = "LOGINS", split = ",",
            description = {"Run the jobs on these hosts through ssh (GNU parallel's --sshlogin): a comma-separated"
                    + " list, the option repeatable; each [N/][user@]host[:port], N jobs at once there (default: -j),"
                    + " or ':' for this machine. A host that cannot be reached is taken out and its jobs run elsewhere.",
                "ssh runs in batch mode with one shared connection per host; see --ssh-identity and --ssh-option."})
    List<String> sshLogins = new ArrayList<>();

    @Option(names = "--ssh-identity", paramLabel = "KEYFILE",
            description = "The private key for every --sshlogin host (ssh -i).")
    Path sshIdentity;

    @Option(names = "--ssh-option", paramLabel = "KEY=VALUE",
            description = "An ssh -o option for every --sshlogin host, e.g. ConnectTimeout=5; repeatable.")
    List<String> sshOptions = new ArrayList<>();

    @Option(names = "--slurm",
            description = "Run each job as a Slurm job step (srun, one task); -j jobs at once. Combines with --sshlogin.")
    boolean slurm;

    @Option(names = "--partition", paramLabel = "P", description = "The Slurm partition for --slurm.")
    String partition;

    @Option(names = "--slurm-conf", paramLabel = "FILE",
            description = "The slurm.conf for --slurm (else $SLURM_CONF or Slurm's default).")
    Path slurmConf;

    @Parameters(paramLabel = "ARGS", arity = "0..*",
            description = {"[COMMAND [ARG...]] [::: VALUES... | :::: FILES... | :::+ VALUES... | ::::+ FILES...]...",
                "Without COMMAND, each input record is a command line (blank lines and lines starting with '#'"
                        + " skipped). With COMMAND, one job per input record: COMMAND with {} etc. filled in.",
                "Input: the values after each ':::', the lines of the files after each '::::' ('-' is stdin), every"
                        + " combination of several sources (:::+ and ::::+ pair with the previous one instead); with"
                        + " none of these, the lines of stdin.",
                "A single ARG (without ::: or ::::) that names a file that is not executable, or a path with a '/',"
                        + " is the job file (sp parallel jobs.txt, as ':::: jobs.txt'); '-' alone is stdin."})
    List<String> args = new ArrayList<>();
}
