package dev.subprocess4j.cli.parallel;

import static dev.subprocess4j.cli.Main.flag;
import static dev.subprocess4j.cli.Main.isSet;
import static dev.subprocess4j.cli.Main.option;
import static dev.subprocess4j.cli.Main.repeatable;
import static dev.subprocess4j.cli.Main.valueOr;

import dev.subprocess4j.cli.DurationConverter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;
import picocli.CommandLine.TypeConversionException;

/**
 * sp parallel's options and arguments: declared on {@code ParallelCommand}'s picocli model by
 * {@link #declare}, read back after parsing by {@link #of}. {@link #args}, {@link #colsep} and
 * {@link #tagString} are made byte strings (see {@code Bytes}: the bytes sp was given) by
 * {@link Parallel} before use.
 *
 * <p>Declared with picocli's programmatic API, not with annotations, as {@code sp run}'s are:
 * reading annotations makes the JVM generate a proxy class per annotation type at run time, which
 * no start-up cache holds (~70 ms of every {@code sp parallel}'s start; subprocess4j-cli/README.md,
 * "Start-up").
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

    /** -j: at most this many jobs at once; null: the number of CPUs. */
    Integer jobs;
    boolean shell;
    List<Path> argFiles = new ArrayList<>();
    /** -0 */
    boolean nul;
    /** -n */
    Integer maxArgs;
    /** -X */
    boolean contextReplace;
    String colsep;

    // ---- when -----------------------------------------------------------------------------------

    Duration timeout;
    int retries;
    boolean haltOnError;
    Halt halt;
    Duration killGrace = Duration.ofSeconds(2);
    Duration delay;
    boolean dryRun;

    // ---- output ---------------------------------------------------------------------------------

    boolean keepOrder;
    boolean lineBuffer;
    boolean json;
    boolean tag;
    String tagString;
    Path joblog;
    boolean resume;
    boolean resumeFailed;
    Path results;
    Progress progress = Progress.AUTO;
    /** For tests (a hidden option): the period of the plain progress lines. */
    Duration progressInterval = Duration.ofSeconds(2);

    // ---- where ----------------------------------------------------------------------------------

    List<String> sshLogins = new ArrayList<>();
    Path sshIdentity;
    List<String> sshOptions = new ArrayList<>();
    boolean slurm;
    String partition;
    Path slurmConf;

    /** COMMAND, its ARGs and the input sources (::: VALUES..., :::: FILES...). */
    List<String> args = new ArrayList<>();

    /** The options and ARGS of sp parallel on {@code s}, in the order its help lists them. */
    public static void declare(CommandSpec s) {
        // what runs
        s.addOption(option(new String[] {"-j", "--jobs"}, "N", Integer.class, null,
                "Run at most N jobs at once (1 or more). Default: the number of CPUs."));
        s.addOption(flag(new String[] {"--shell"}, "Run each line (or the filled-in COMMAND) with /bin/sh -c."));
        s.addOption(repeatable(new String[] {"-a", "--arg-file"}, "FILE", Path.class, null,
                "Read the input records from FILE ('-': stdin) instead of stdin, as xargs -a and GNU parallel -a"
                        + " (the same as ':::: FILE'); repeatable, each FILE an input source before those of ::: and ::::."));
        s.addOption(flag(new String[] {"-0", "--null"},
                "Input records end with NUL, not newline (find -print0, xargs -0)."));
        s.addOption(option(new String[] {"-n", "--max-args"}, "N", Integer.class, null,
                "Give each job N input records (xargs -n); {} is all of them, {1}..{N} each one."));
        s.addOption(flag(new String[] {"-X"}, "Spread the records over the job slots, several per job; a word holding {}"
                + " is repeated for each record (GNU parallel -X)."));
        s.addOption(option(new String[] {"--colsep"}, "REGEX", String.class, null,
                "Split each input record into columns at REGEX (a Java regex): {1}, {2}, ... are the columns."));
        // when
        s.addOption(option(new String[] {"--timeout"}, "DURATION", Duration.class, new DurationConverter(),
                "Kill a job (SIGKILL; on the native backend its whole process group, the job runs in a"
                        + " process group of its own) that runs longer than this; it counts as failed.",
                "A number of seconds, or a number with a unit: 300ms, 5s, 1.5s, 2m, 1h. Default: none."));
        s.addOption(option(new String[] {"--retries"}, "K", int.class, null,
                "Run a failed job again, up to K more times; its last attempt counts. Default: 0.",
                "A retry starts as soon as a slot is free, with no delay (as GNU parallel --retries): for a"
                        + " service that needs time to recover, put the wait in the job (sh -c 'sleep 1; ...' or --shell)."));
        s.addOption(flag(new String[] {"--halt-on-error"},
                "After the first failed job, start no new job; running ones finish, the rest are not run"
                        + " (--halt soon,fail=1)."));
        s.addOption(option(new String[] {"--halt"}, "WHEN", Halt.class, new HaltConverter(),
                "When to stop (GNU parallel's --halt): never (default), or now|soon,fail=N|fail=N%%|"
                        + "success=N|success=N%%|done=N|done=N%%; also 0, 1 (soon,fail=1), 2 (now,fail=1), -1, -2, 1-99%% (soon,fail=N%%).",
                "soon starts no new job; now also kills the running ones (their process groups: SIGTERM, then SIGKILL"
                        + " after --kill-grace), which count as killed, not failed."));
        s.addOption(option(new String[] {"--kill-grace"}, "DURATION", Duration.class, new DurationConverter(),
                "With --halt now and when sp is stopped by SIGINT, SIGTERM or SIGHUP: how long the running"
                        + " jobs get between SIGTERM and SIGKILL. Default: 2s."));
        s.addOption(option(new String[] {"--delay"}, "DURATION", Duration.class, new DurationConverter(),
                "Start a job at least DURATION after the previous one started."));
        s.addOption(flag(new String[] {"--dry-run"}, "Print each job's command line on stdout instead of running it."));
        // output
        s.addOption(flag(new String[] {"-k", "--keep-order"},
                "Print the jobs' output in the order of the lines, not in the order they finish."));
        s.addOption(flag(new String[] {"--line-buffer"},
                "Print each output line as soon as the job writes it (whole lines never mix), not the"
                        + " whole output at the job's end; with --keep-order, the lines of a job wait until every job before it"
                        + " is done."));
        s.addOption(flag(new String[] {"--json"},
                "Print one JSON line per job on stdout instead of its output: line, command, args,"
                        + " returncode (-N for signal N, null when it did not run to its end), signal, elapsed (seconds),"
                        + " attempts, timed_out, stdout, stderr, cpu (user+sys seconds, null when unknown), error,"
                        + " tag (with --tag or --tagstring the text it prefixes to output lines, else null),"
                        + " host (where the last attempt ran: local, ssh user@host:port or slurm; null when it did not start)."));
        s.addOption(flag(new String[] {"--tag"},
                "Prefix each output line with the job's arguments (joined by spaces; without COMMAND its"
                        + " command line) and a TAB, as GNU parallel --tag."));
        s.addOption(option(new String[] {"--tagstring"}, "STR", String.class, null,
                "Prefix each output line with STR, replacement strings filled in (unquoted), and a TAB (implies --tag)."));
        s.addOption(option(new String[] {"--joblog"}, "FILE", Path.class, null,
                "Write a line per finished job to FILE in GNU parallel's format: Seq, Host, Starttime,"
                        + " JobRuntime, Send, Receive, Exitval, Signal, Command (TAB-separated, with a header)."));
        s.addOption(flag(new String[] {"--resume"}, "With --joblog: skip the jobs the joblog lists; append to it."));
        s.addOption(flag(new String[] {"--resume-failed"},
                "With --joblog: skip the jobs the joblog lists as succeeded, run the failed ones again."));
        s.addOption(option(new String[] {"--results"}, "DIR", Path.class, null,
                "Save each job's stdout, stderr and seq in DIR/1/ARG1/2/ARG2.../ instead of printing them (as GNU parallel"
                        + " --results; '/' in an argument becomes '\\_')."));
        s.addOption(option(new String[] {"--progress"}, "WHEN", Progress.class, new ProgressConverter(),
                "auto (default): a live bar on stderr when it is a terminal, else a progress line"
                        + " every 2 s; always: the live bar even when stderr is not a terminal; never: no progress.",
                "On a terminal the bar is as wide as the terminal and drawn with its own terminfo sequences"
                        + " (none under TERM=dumb); elsewhere it is $COLUMNS (or 80) wide, in ANSI."));
        s.addOption(OptionSpec.builder("--progress-interval").paramLabel("DURATION").type(Duration.class)
                .converters(new DurationConverter())
                .hidden(true).build());
        // where
        s.addOption(OptionSpec.builder("-S", "--sshlogin").paramLabel("LOGINS").type(List.class)
                .auxiliaryTypes(String.class).splitRegex(",")
                .description("Run the jobs on these hosts through ssh (GNU parallel's --sshlogin): a comma-separated"
                        + " list, the option repeatable; each [N/][user@]host[:port], N jobs at once there (default: -j),"
                        + " or ':' for this machine. A host that cannot be reached is taken out and its jobs run elsewhere.",
                "ssh runs in batch mode with one shared connection per host; see --ssh-identity and --ssh-option.")
                .build());
        s.addOption(option(new String[] {"--ssh-identity"}, "KEYFILE", Path.class, null,
                "The private key for every --sshlogin host (ssh -i)."));
        s.addOption(repeatable(new String[] {"--ssh-option"}, "KEY=VALUE", String.class, null,
                "An ssh -o option for every --sshlogin host, e.g. ConnectTimeout=5; repeatable."));
        s.addOption(flag(new String[] {"--slurm"},
                "Run each job as a Slurm job step (srun, one task); -j jobs at once. Combines with --sshlogin."));
        s.addOption(option(new String[] {"--partition"}, "P", String.class, null, "The Slurm partition for --slurm."));
        s.addOption(option(new String[] {"--slurm-conf"}, "FILE", Path.class, null,
                "The slurm.conf for --slurm (else $SLURM_CONF or Slurm's default)."));
        s.addPositional(PositionalParamSpec.builder().index("0..*").paramLabel("ARGS").arity("0..*")
                .type(List.class).auxiliaryTypes(String.class)
                .description("[COMMAND [ARG...]] [::: VALUES... | :::: FILES... | :::+ VALUES... | ::::+ FILES...]...",
                        "Without COMMAND, each input record is a command line (blank lines and lines starting with '#'"
                                + " skipped). With COMMAND, one job per input record: COMMAND with {} etc. filled in.",
                        "Input: the values after each ':::', the lines of the files after each '::::' ('-' is stdin), every"
                                + " combination of several sources (:::+ and ::::+ pair with the previous one instead); with"
                                + " none of these, the lines of stdin.",
                        "A single ARG (without ::: or ::::) that names a file that is not executable, or a path with a '/',"
                                + " is the job file (sp parallel jobs.txt, as ':::: jobs.txt'); '-' alone is stdin.")
                .build());
    }

    /** The values parsed into {@code s}, a model {@link #declare} made; the defaults above where none was given. */
    public static ParallelOptions of(CommandSpec s) {
        ParallelOptions o = new ParallelOptions();
        o.jobs = valueOr(s, "--jobs", o.jobs);
        o.shell = isSet(s, "--shell");
        o.argFiles = new ArrayList<>(valueOr(s, "--arg-file", o.argFiles));
        o.nul = isSet(s, "--null");
        o.maxArgs = valueOr(s, "--max-args", o.maxArgs);
        o.contextReplace = isSet(s, "-X");
        o.colsep = valueOr(s, "--colsep", o.colsep);
        o.timeout = valueOr(s, "--timeout", o.timeout);
        o.retries = valueOr(s, "--retries", o.retries);
        o.haltOnError = isSet(s, "--halt-on-error");
        o.halt = valueOr(s, "--halt", o.halt);
        o.killGrace = valueOr(s, "--kill-grace", o.killGrace);
        o.delay = valueOr(s, "--delay", o.delay);
        o.dryRun = isSet(s, "--dry-run");
        o.keepOrder = isSet(s, "--keep-order");
        o.lineBuffer = isSet(s, "--line-buffer");
        o.json = isSet(s, "--json");
        o.tag = isSet(s, "--tag");
        o.tagString = valueOr(s, "--tagstring", o.tagString);
        o.joblog = valueOr(s, "--joblog", o.joblog);
        o.resume = isSet(s, "--resume");
        o.resumeFailed = isSet(s, "--resume-failed");
        o.results = valueOr(s, "--results", o.results);
        o.progress = valueOr(s, "--progress", o.progress);
        o.progressInterval = valueOr(s, "--progress-interval", o.progressInterval);
        o.sshLogins = new ArrayList<>(valueOr(s, "--sshlogin", o.sshLogins));
        o.sshIdentity = valueOr(s, "--ssh-identity", o.sshIdentity);
        o.sshOptions = new ArrayList<>(valueOr(s, "--ssh-option", o.sshOptions));
        o.slurm = isSet(s, "--slurm");
        o.partition = valueOr(s, "--partition", o.partition);
        o.slurmConf = valueOr(s, "--slurm-conf", o.slurmConf);
        List<String> args = s.positionalParameters().get(0).getValue();
        if (args != null) {
            o.args = new ArrayList<>(args);
        }
        return o;
    }
}
