package dev.subprocess4j.cli;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.subprocess4j.Command;
import dev.subprocess4j.CompletedProcess;
import dev.subprocess4j.Launcher;
import dev.subprocess4j.ProcessPool;
import dev.subprocess4j.Redirect;
import dev.subprocess4j.ResourceUsage;
import dev.subprocess4j.Shlex;
import dev.subprocess4j.Signal;
import dev.subprocess4j.SlurmLauncher;
import dev.subprocess4j.SpawnException;
import dev.subprocess4j.SshLauncher;
import dev.subprocess4j.Subprocess;
import dev.subprocess4j.TimeoutExpiredException;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code sp parallel}: runs the commands listed one per line (in a FILE or on stdin) through a
 * {@link ProcessPool}, prints each job's output whole when it ends, shows progress on stderr and a
 * summary at the end; exits with the number of failed jobs (at most 101), as GNU parallel does.
 *
 * <p>One thread (the caller's) does all the printing and all the scheduling: the pool's futures
 * only post their results to a queue. Jobs are submitted only when a slot is free, so a job's
 * submission is its start, and {@code --halt-on-error} simply stops submitting.
 */
@picocli.CommandLine.Command(
        name = "parallel",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        sortOptions = false,
        usageHelpAutoWidth = true,
        descriptionHeading = "%n",
        description = {
            "Runs the commands in FILE (or on stdin), one per line, at most N at a time.",
            "Each line is split into words as a POSIX shell would (quotes and backslashes; no expansion),"
                    + " or run by /bin/sh -c with --shell. Blank lines and lines starting with '#' are skipped.",
            "Each job's stdin is /dev/null; its stdout and stderr are captured and printed whole when it ends"
                    + " (stdout on sp's stdout, stderr on sp's stderr), never interleaved with another job's.",
            "Progress goes to stderr, then a summary: jobs, succeeded, failed, retries used, not run,"
                    + " wall time, total child CPU (user+sys, when the backend reports it) and the slowest three jobs.",
        },
        parameterListHeading = "%nArguments:%n",
        optionListHeading = "%nOptions:%n",
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {
            "0:every job succeeded",
            "1-100:that many jobs failed (a non-zero exit, a signal, a timeout or a failed start)",
            "101:101 or more jobs failed",
            "2:bad usage: a bad option or value (-j, --retries, DURATION), an unreadable FILE,"
                    + " or a line that cannot be split (the line number is given)",
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  printf 'sleep 0.3\\nsleep 0.2\\nfalse\\n' | sp parallel -j 2",
            "  sp parallel -j 8 --timeout 5m --retries 2 --halt-on-error jobs.txt",
            "  find . -name '*.log' -printf 'gzip -9 %%p\\n' | sp parallel --keep-order --tag",
            "  sp parallel --shell --json jobs.sh > results.jsonl",
            "  sp parallel -S 8/build-1,4/ci@build-2:2222,: --timeout 10m jobs.txt   # two ssh hosts and this machine",
            "  sp parallel --slurm --partition short -j 64 jobs.txt",
        })
final class ParallelCommand implements Callable<Integer> {
    /** GNU parallel's cap: the exit status counts failed jobs up to this. */
    static final int MAX_EXIT = 101;
    /** How often the live bar is redrawn while nothing finishes. */
    private static final long BAR_REDRAW_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

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

    @Spec
    private CommandSpec spec;

    @Option(names = {"-j", "--jobs"}, paramLabel = "N",
            description = "Run at most N jobs at once (1 or more). Default: the number of CPUs.")
    private Integer jobs;

    @Option(names = "--timeout", paramLabel = "DURATION", converter = DurationConverter.class,
            description = {"Kill a job (SIGKILL; on the native backend its whole process group, the job runs in a"
                    + " session of its own) that runs longer than this; it counts as failed.",
                "A number of seconds, or a number with a unit: 300ms, 5s, 1.5s, 2m, 1h. Default: none."})
    private Duration timeout;

    @Option(names = "--retries", paramLabel = "K",
            description = {"Run a failed job again, up to K more times; its last attempt counts. Default: 0.",
                "A retry starts as soon as a slot is free, with no delay (as GNU parallel --retries): for a"
                        + " service that needs time to recover, put the wait in the job (sh -c 'sleep 1; ...' or --shell)."})
    private int retries;

    @Option(names = "--halt-on-error",
            description = "After the first failed job, start no new job; running ones finish, the rest are not run.")
    private boolean haltOnError;

    @Option(names = "--keep-order",
            description = "Print the jobs' output in the order of the lines, not in the order they finish.")
    private boolean keepOrder;

    @Option(names = "--json",
            description = {"Print one JSON line per job on stdout instead of its output: line, command, args,"
                    + " returncode (-N for signal N, null when it did not run to its end), signal, elapsed (seconds),"
                    + " attempts, timed_out, stdout, stderr, cpu (user+sys seconds, null when unknown), error,"
                    + " tag (with --tag the text it prefixes to output lines, else null),"
                    + " host (where the last attempt ran: local, ssh user@host:port or slurm; null when it did not start)."})
    private boolean json;

    @Option(names = "--shell", description = "Run each line with /bin/sh -c instead of splitting it into words.")
    private boolean shell;

    @Option(names = "--tag",
            description = "Prefix each output line with the job's command line and a TAB (as GNU parallel --tag).")
    private boolean tag;

    @Option(names = "--progress", paramLabel = "WHEN", converter = ProgressConverter.class,
            description = {"auto (default): a live bar on stderr when it is a terminal, else a progress line"
                    + " every 2 s; always: the live bar even when stderr is not a terminal; never: no progress.",
                "On a terminal the bar is as wide as the terminal and drawn with its own terminfo sequences"
                        + " (none under TERM=dumb); elsewhere it is $COLUMNS (or 80) wide, in ANSI."})
    private Progress progress = Progress.AUTO;

    /** For tests: the period of the plain progress lines. */
    @Option(names = "--progress-interval", hidden = true, converter = DurationConverter.class)
    private Duration progressInterval = Duration.ofSeconds(2);

    @Option(names = {"-S", "--sshlogin"}, paramLabel = "LOGINS", split = ",",
            description = {"Run the jobs on these hosts through ssh (GNU parallel's --sshlogin): a comma-separated"
                    + " list, the option repeatable; each [N/][user@]host[:port], N jobs at once there (default: -j),"
                    + " or ':' for this machine. A host that cannot be reached is taken out and its jobs run elsewhere.",
                "ssh runs in batch mode with one shared connection per host; see --ssh-identity and --ssh-option."})
    private List<String> sshLogins = new ArrayList<>();

    @Option(names = "--ssh-identity", paramLabel = "KEYFILE",
            description = "The private key for every --sshlogin host (ssh -i).")
    private Path sshIdentity;

    @Option(names = "--ssh-option", paramLabel = "KEY=VALUE",
            description = "An ssh -o option for every --sshlogin host, e.g. ConnectTimeout=5; repeatable.")
    private List<String> sshOptions = new ArrayList<>();

    @Option(names = "--slurm",
            description = "Run each job as a Slurm job step (srun, one task); -j jobs at once. Combines with --sshlogin.")
    private boolean slurm;

    @Option(names = "--partition", paramLabel = "P", description = "The Slurm partition for --slurm.")
    private String partition;

    @Option(names = "--slurm-conf", paramLabel = "FILE",
            description = "The slurm.conf for --slurm (else $SLURM_CONF or Slurm's default).")
    private Path slurmConf;

    @Parameters(paramLabel = "FILE", arity = "0..1",
            description = "The file of commands, one per line. Default (or '-'): stdin.")
    private String file;

    private final PrintStream out;
    private final PrintStream err;
    private final InputStream in;

    ParallelCommand(PrintStream out, PrintStream err, InputStream in) {
        this.out = out;
        this.err = err;
        this.in = in;
    }

    /** One line of the input, and what became of it. */
    static final class Job {
        final int index;
        final int lineNo;
        final String text;
        final List<String> argv;
        int attempts;
        long startNanos;
        // The outcome of the last attempt.
        boolean finished;
        boolean failed;
        boolean timedOut;
        Integer returnCode;
        Signal signal;
        Duration elapsed = Duration.ZERO;
        byte[] stdout = new byte[0];
        byte[] stderr = new byte[0];
        String error;
        Duration cpu;
        String host;

        Job(int index, int lineNo, String text, List<String> argv) {
            this.index = index;
            this.lineNo = lineNo;
            this.text = text;
            this.argv = argv;
        }
    }

    /** One attempt ended: posted by the pool's future, handled on the main thread. */
    private record Done(Job job, CompletedProcess result, Throwable failure, long endNanos) {}

    @Override
    public Integer call() throws Exception {
        int n = jobs == null ? Runtime.getRuntime().availableProcessors() : jobs;
        if (n < 1) {
            throw new ParameterException(spec.commandLine(), "-j must be 1 or more: '" + jobs + "'");
        }
        if (retries < 0) {
            throw new ParameterException(spec.commandLine(), "--retries must be 0 or more: '" + retries + "'");
        }
        List<String> lines;
        try {
            lines = readLines();
        } catch (IOException e) {
            String why = switch (e) {
                case java.nio.file.NoSuchFileException x -> "no such file";
                case java.nio.file.AccessDeniedException x -> "permission denied";
                default -> String.valueOf(e.getMessage());
            };
            err.println("sp: cannot read FILE '" + Main.oneLine(file) + "': " + Main.oneLine(why));
            return Main.EXIT_USAGE;
        }
        List<Job> all = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank() || line.stripLeading().startsWith("#")) {
                continue;
            }
            List<String> argv;
            if (shell) {
                argv = List.of("/bin/sh", "-c", line);
            } else {
                try {
                    argv = Shlex.split(line);
                } catch (IllegalArgumentException e) {
                    err.println("sp: line " + (i + 1) + ": " + e.getMessage() + ": " + Main.oneLine(line));
                    return Main.EXIT_USAGE;
                }
                if (argv.isEmpty() || argv.getFirst().isEmpty()) {
                    err.println("sp: line " + (i + 1) + ": no program name: " + Main.oneLine(line));
                    return Main.EXIT_USAGE;
                }
            }
            all.add(new Job(all.size(), i + 1, line, argv));
        }
        Map<Launcher, Integer> launchers = launchers(n);
        int slots = launchers == null ? n : launchers.values().stream().mapToInt(Integer::intValue).sum();
        return new Run(all, slots, launchers).run();
    }

    /**
     * The launchers of --sshlogin and --slurm with their slots, or {@code null} to run everything
     * here with -j slots.
     *
     * @throws ParameterException for a malformed login or option, naming it
     */
    private Map<Launcher, Integer> launchers(int defaultSlots) {
        if (sshLogins.isEmpty() && !slurm) {
            if (sshIdentity != null || !sshOptions.isEmpty() || partition != null || slurmConf != null) {
                throw new ParameterException(spec.commandLine(),
                        "--ssh-identity, --ssh-option, --partition and --slurm-conf need --sshlogin or --slurm");
            }
            return null;
        }
        Map<Launcher, Integer> m = new LinkedHashMap<>();
        for (String login : sshLogins) {
            Matcher x = LOGIN.matcher(login.strip());
            if (!x.matches()) {
                throw new ParameterException(spec.commandLine(),
                        "--sshlogin entries look like [N/][user@]host[:port] or ':': '" + Main.oneLine(login) + "'");
            }
            int slots = defaultSlots;
            if (x.group(1) != null) {
                slots = Integer.parseInt(x.group(1));
                if (slots < 1) {
                    throw new ParameterException(spec.commandLine(), "--sshlogin needs 1 or more jobs: '" + login + "'");
                }
            }
            Launcher l;
            if (x.group(3).equals(":")) {
                l = Launcher.local();
            } else {
                try {
                    SshLauncher ssh = SshLauncher.to(x.group(3));
                    if (x.group(2) != null) {
                        ssh = ssh.user(x.group(2));
                    }
                    if (x.group(4) != null) {
                        ssh = ssh.port(Integer.parseInt(x.group(4)));
                    }
                    if (sshIdentity != null) {
                        ssh = ssh.identity(sshIdentity);
                    }
                    for (String o : sshOptions) {
                        int eq = o.indexOf('=');
                        if (eq < 1) {
                            throw new IllegalArgumentException("--ssh-option must be KEY=VALUE: '" + o + "'");
                        }
                        ssh = ssh.option(o.substring(0, eq), o.substring(eq + 1));
                    }
                    l = ssh;
                } catch (IllegalArgumentException e) {
                    throw new ParameterException(spec.commandLine(), Main.oneLine(e.getMessage()));
                }
            }
            m.merge(l, slots, Integer::sum);
        }
        if (slurm) {
            try {
                SlurmLauncher s = SlurmLauncher.create();
                if (partition != null) {
                    s = s.partition(partition);
                }
                if (slurmConf != null) {
                    s = s.slurmConf(slurmConf);
                }
                m.merge(s, defaultSlots, Integer::sum);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), Main.oneLine(e.getMessage()));
            }
        }
        return m;
    }

    /** {@code [N/][user@]host[:port]} or {@code :}. */
    private static final Pattern LOGIN = Pattern.compile("(?:(\\d+)/)?(?:([^@/:\\s]+)@)?(:|[^@/:\\s]+)(?::(\\d{1,5}))?");

    private List<String> readLines() throws IOException {
        InputStream source = file == null || file.equals("-") ? in : Files.newInputStream(Path.of(file));
        try (BufferedReader r = new BufferedReader(new InputStreamReader(source, UTF_8))) {
            return r.lines().toList();
        } finally {
            if (source != in) {
                source.close();
            }
        }
    }

    /**
     * Whether fd 2 may be a terminal: it names a terminal device in /proc/self/fd (man 5 proc). A
     * cheap test that loads no terminal library; {@link JlineBarTerminal} then asks the terminal
     * itself. (Console.isTerminal() looks at stdin and stdout, not at stderr where the bar goes.)
     */
    static boolean stderrMayBeTerminal() {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target.equals("/dev/console");
        } catch (IOException | UnsupportedOperationException noProc) {
            java.io.Console c = System.console();
            return c != null && c.isTerminal();
        }
    }

    /**
     * Where the live bar is drawn, if anywhere: on a terminal that can clear a line, through JLine;
     * with --progress always anywhere else, with ANSI sequences.
     */
    private Optional<BarTerminal> barTerminal() {
        if (progress == Progress.NEVER) {
            return Optional.empty();
        }
        if (stderrMayBeTerminal()) {
            Optional<BarTerminal> t = JlineBarTerminal.open();
            if (t.isPresent()) {
                return t;
            }
        }
        return progress == Progress.ALWAYS ? Optional.of(BarTerminal.ansi()) : Optional.empty();
    }

    /** The state of one {@code sp parallel} run. */
    private final class Run {
        final List<Job> all;
        final int maxJobs;
        /** --sshlogin/--slurm launchers with their slots, or {@code null}. */
        final Map<Launcher, Integer> launchers;
        final ArrayDeque<Job> pending;
        final LinkedBlockingQueue<Done> done = new LinkedBlockingQueue<>();
        /** Where the live bar goes; empty for no bar. */
        final Optional<BarTerminal> terminal;
        final boolean bar;
        final boolean plain;
        final long startNanos = System.nanoTime();
        int running;
        int finished;
        int failed;
        int retriesUsed;
        boolean halted;
        boolean barShown;
        int nextToPrint;
        long lastDrawNanos;
        long lastPlainNanos = startNanos;
        Duration cpu = Duration.ZERO;
        boolean cpuKnown;

        Run(List<Job> all, int maxJobs, Map<Launcher, Integer> launchers) {
            this.all = all;
            this.maxJobs = maxJobs;
            this.launchers = launchers;
            this.pending = new ArrayDeque<>(all);
            this.terminal = barTerminal();
            this.bar = terminal.isPresent();
            this.plain = progress == Progress.AUTO && !bar;
        }

        int run() throws InterruptedException {
            try (ProcessPool pool = launchers == null ? ProcessPool.withMaxConcurrency(maxJobs)
                    : ProcessPool.across(launchers)) {
                startWhatFits(pool);
                drawBar(true);
                while (running > 0) {
                    Done d = done.poll(bar ? 100 : 250, TimeUnit.MILLISECONDS);
                    if (d != null) {
                        running--;
                        settle(pool, d);
                        startWhatFits(pool);
                        drawBar(true);
                    } else {
                        drawBar(false);
                    }
                    plainLine(false);
                }
            }
            if (bar) {
                if (barShown) {
                    err.print(terminal.orElseThrow().clearLine());
                }
                terminal.orElseThrow().close();
            }
            flushInOrder(true);
            summary();
            out.flush();
            err.flush();
            return Math.min(failed, MAX_EXIT);
        }

        void startWhatFits(ProcessPool pool) {
            while (!halted && running < maxJobs && !pending.isEmpty()) {
                start(pool, pending.removeFirst());
            }
        }

        void start(ProcessPool pool, Job job) {
            Command c = Subprocess.command(job.argv).stdin(Redirect.DEVNULL).captureOutput();
            if (timeout != null) {
                c = c.timeout(timeout);
                if (Subprocess.backend().equals("linux-native")) {
                    // Its own session, so the timeout kills the job's whole group: a `sh -c` job's
                    // grandchildren too. The jdk backend cannot make sessions; it kills the job alone.
                    c = c.startNewSession();
                }
            }
            job.attempts++;
            job.startNanos = System.nanoTime();
            running++;
            try {
                pool.submit(c).whenComplete((r, t) -> done.add(new Done(job, r, t, System.nanoTime())));
            } catch (RuntimeException e) {
                done.add(new Done(job, null, e, System.nanoTime()));
            }
        }

        void settle(ProcessPool pool, Done d) {
            Job job = d.job();
            record(job, d);
            if (job.failed && job.attempts <= retries && !halted) {
                retriesUsed++;
                pending.addFirst(job);
                return;
            }
            job.finished = true;
            finished++;
            if (job.failed) {
                failed++;
                if (haltOnError) {
                    halted = true;
                }
            }
            if (!keepOrder) {
                print(job);
            } else {
                flushInOrder(false);
            }
        }

        void record(Job job, Done d) {
            job.error = null;
            job.timedOut = false;
            job.returnCode = null;
            job.signal = null;
            job.cpu = null;
            job.host = null;
            job.stdout = new byte[0];
            job.stderr = new byte[0];
            job.elapsed = Duration.ofNanos(d.endNanos() - job.startNanos);
            if (d.result() != null) {
                CompletedProcess r = d.result();
                job.host = r.launcher().name();
                job.returnCode = r.returnCode();
                job.signal = r.signal().orElse(null);
                job.stdout = r.stdoutBytes() == null ? new byte[0] : r.stdoutBytes();
                job.stderr = r.stderrBytes() == null ? new byte[0] : r.stderrBytes();
                if (r.elapsed() != null) {
                    job.elapsed = r.elapsed();
                }
                r.usage().ifPresent(u -> addCpu(job, u));
                job.failed = r.returnCode() != 0;
                return;
            }
            job.failed = true;
            Throwable t = d.failure();
            while (t instanceof CompletionException && t.getCause() != null) {
                t = t.getCause();
            }
            if (t instanceof TimeoutExpiredException te) {
                job.timedOut = true;
                job.stdout = te.stdoutBytes() == null ? new byte[0] : te.stdoutBytes();
                job.stderr = te.stderrBytes() == null ? new byte[0] : te.stderrBytes();
                job.error = te.getMessage().lines().findFirst().orElse(""); // its stderr is shown whole already
            } else if (t instanceof SpawnException se) {
                job.error = se.getMessage();
            } else {
                job.error = String.valueOf(t);
            }
        }

        void addCpu(Job job, ResourceUsage u) {
            Duration c = u.userCpu().plus(u.systemCpu());
            job.cpu = c;
            cpu = cpu.plus(c);
            cpuKnown = true;
        }

        /**
         * With --keep-order: prints the finished jobs that every earlier job is done before; at the
         * end, every finished job left (those after a job that --halt-on-error kept from running).
         */
        void flushInOrder(boolean atEnd) {
            if (!keepOrder) {
                return;
            }
            while (nextToPrint < all.size() && (atEnd || all.get(nextToPrint).finished)) {
                Job job = all.get(nextToPrint++);
                if (job.finished) {
                    print(job);
                }
            }
        }

        /** Prints one job's output (or its JSON line), with the bar cleared around it. */
        void print(Job job) {
            boolean hasOutput = json || job.stdout.length > 0 || job.stderr.length > 0 || job.error != null;
            if (!hasOutput) {
                return;
            }
            if (bar && barShown) {
                err.print(terminal.orElseThrow().clearLine());
                err.flush();
                barShown = false;
            }
            if (json) {
                byte[] line = json(job);
                out.write(line, 0, line.length);
                out.flush();
                return;
            }
            writeTagged(out, job, job.stdout);
            out.flush();
            writeTagged(err, job, job.stderr);
            if (job.error != null) {
                err.println("sp: line " + job.lineNo + ": " + Main.oneLine(job.error));
            }
            err.flush();
        }

        void writeTagged(PrintStream stream, Job job, byte[] bytes) {
            if (!tag) {
                stream.write(bytes, 0, bytes.length);
                return;
            }
            byte[] prefix = (job.text + "\t").getBytes(UTF_8);
            int lineStart = 0;
            for (int i = 0; i <= bytes.length; i++) {
                if (i == bytes.length || bytes[i] == '\n') {
                    if (i == bytes.length && i == lineStart) {
                        break;
                    }
                    stream.write(prefix, 0, prefix.length);
                    stream.write(bytes, lineStart, i - lineStart);
                    stream.write('\n');
                    lineStart = i + 1;
                }
            }
        }

        /** The --json line of a job: see the option's description for the fields. */
        byte[] json(Job job) {
            return Json.line(g -> {
                g.writeStartObject();
                g.writeNumberProperty("line", job.lineNo);
                g.writeStringProperty("command", job.text);
                Json.strings(g, "args", job.argv);
                Json.integer(g, "returncode", job.returnCode);
                Json.string(g, "signal", job.signal == null ? null : job.signal.name());
                Json.seconds(g, "elapsed", job.elapsed, 6);
                g.writeNumberProperty("attempts", job.attempts);
                g.writeBooleanProperty("timed_out", job.timedOut);
                g.writeStringProperty("stdout", new String(job.stdout, UTF_8));
                g.writeStringProperty("stderr", new String(job.stderr, UTF_8));
                Json.seconds(g, "cpu", job.cpu, 3);
                Json.string(g, "error", job.error);
                // What --tag prefixes to each output line as text; null without --tag.
                Json.string(g, "tag", tag ? job.text : null);
                // Where the last attempt ran (local, ssh user@host:port, slurm ...); null when it did not start.
                Json.string(g, "host", job.host);
                g.writeEndObject();
            });
        }

        // ---- progress ---------------------------------------------------------------------------

        /** Redraws the live bar: always when {@code force}, else at most every 200 ms. */
        void drawBar(boolean force) {
            if (!bar) {
                return;
            }
            long now = System.nanoTime();
            if (!force && now - lastDrawNanos < BAR_REDRAW_NANOS) {
                return;
            }
            lastDrawNanos = now;
            BarTerminal t = terminal.orElseThrow();
            err.print(t.clearLine() + barLine(now, t.width()));
            err.flush();
            barShown = true;
        }

        /** A plain progress line every --progress-interval, when no live bar is shown. */
        void plainLine(boolean force) {
            if (!plain) {
                return;
            }
            long now = System.nanoTime();
            if (!force && now - lastPlainNanos < progressInterval.toNanos()) {
                return;
            }
            lastPlainNanos = now;
            err.println("sp: " + status(now));
            err.flush();
        }

        String status(long now) {
            double secs = (now - startNanos) / 1e9;
            double rate = secs > 0 ? finished / secs : 0;
            int left = all.size() - finished;
            String eta = finished == 0 || rate <= 0 ? "?" : duration(left / rate);
            return String.format(Locale.ROOT, "%d/%d done, %d running, %d failed, %.1f jobs/s, ETA %s",
                    finished, all.size(), running, failed, rate, eta);
        }

        String barLine(long now, int columns) {
            String text = " " + status(now);
            // Sized for the longest text this run can show, so the bar does not jump as counts grow.
            int widest = String.format(Locale.ROOT, " %d/%d done, %d running, %d failed, 9999.9 jobs/s, ETA 99m59s",
                    all.size(), all.size(), maxJobs, all.size()).length();
            int width = Math.min(60, columns - Math.max(widest, text.length()) - 3);
            if (width < 5) {
                // Too narrow for a bar: the counts matter more.
                String counts = text.strip();
                return counts.length() >= columns ? counts.substring(0, Math.max(1, columns - 1)) : counts;
            }
            int filled = all.isEmpty() ? width : (int) ((long) width * finished / all.size());
            StringBuilder sb = new StringBuilder("[");
            for (int i = 0; i < width; i++) {
                sb.append(i < filled ? '=' : i == filled ? '>' : ' ');
            }
            sb.append(']').append(text);
            return sb.length() >= columns ? sb.substring(0, Math.max(1, columns - 1)) : sb.toString();
        }

        void summary() {
            long now = System.nanoTime();
            int notRun = pending.size();
            int succeeded = finished - failed;
            err.printf(Locale.ROOT, "sp: %d jobs, %d succeeded, %d failed, %d retries used, %d not run%n"
                            + "sp: wall %s, child CPU %s%n",
                    all.size(), succeeded, failed, retriesUsed, notRun, seconds(Duration.ofNanos(now - startNanos)) + "s",
                    cpuKnown ? seconds(cpu) + "s" : "n/a");
            if (launchers != null) {
                Map<String, Long> perHost = new LinkedHashMap<>();
                launchers.keySet().forEach(l -> perHost.put(l.name(), 0L));
                all.stream().filter(j -> j.finished && j.host != null).forEach(j -> perHost.merge(j.host, 1L, Long::sum));
                err.println("sp: hosts: " + perHost.entrySet().stream()
                        .map(e -> e.getKey() + " " + e.getValue() + (e.getValue() == 1 ? " job" : " jobs"))
                        .collect(java.util.stream.Collectors.joining(", ")));
            }
            List<Job> slowest = all.stream().filter(j -> j.finished)
                    .sorted(Comparator.comparing((Job j) -> j.elapsed).reversed()).limit(3).toList();
            if (!slowest.isEmpty()) {
                err.println("sp: slowest:");
                for (Job j : slowest) {
                    err.printf(Locale.ROOT, "sp:   %ss  line %d: %s%n", seconds(j.elapsed), j.lineNo,
                            Main.oneLine(j.text));
                }
            }
        }
    }

    static String seconds(Duration d) {
        return String.format(Locale.ROOT, "%.3f", d.toNanos() / 1e9);
    }

    /** Seconds as {@code 42s}, {@code 3m05s} or {@code 1h02m}. */
    static String duration(double seconds) {
        long s = Math.round(seconds);
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
        }
        return String.format(Locale.ROOT, "%dh%02dm", s / 3600, s % 3600 / 60);
    }
}
