package dev.subprocess4j.cli;

import dev.subprocess4j.Command;
import dev.subprocess4j.CompletedProcess;
import dev.subprocess4j.Popen;
import dev.subprocess4j.Signal;
import dev.subprocess4j.SpawnException;
import dev.subprocess4j.Subprocess;
import dev.subprocess4j.TimeoutExpiredException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;
import picocli.CommandLine.ParameterException;

/**
 * {@code sp run}: runs one command, waits for it and exits with its status (or prints a JSON
 * report of the run).
 *
 * <p>Its options are declared with picocli's programmatic API ({@link #spec}), not with
 * annotations: reading annotations makes the JVM generate a proxy class for each annotation type
 * at run time, which no start-up cache can hold, and {@code sp run} is the command whose start-up
 * counts (subprocess4j-cli/README.md, "Start-up"). {@code sp parallel}'s are declared the same way
 * ({@code ParallelOptions}); {@code sp bench} and {@code sp completion} keep their annotations.
 */
final class RunCommand implements Callable<Integer> {
    /** Exit status for a timeout, as coreutils {@code timeout}. */
    static final int EXIT_TIMED_OUT = 124;
    /** Exit status when the command cannot be started, sp fails, or for bad usage, as coreutils {@code timeout}/{@code env}. */
    static final int EXIT_CANNOT_RUN = 125;
    /** Exit status when the program was found but cannot be run (not executable, not a program), as coreutils {@code timeout}. */
    static final int EXIT_CANNOT_EXECUTE = 126;
    /** Exit status when the program was not found, as coreutils {@code timeout} and shells. */
    static final int EXIT_NOT_FOUND = 127;
    /** The default of --kill-grace. */
    static final Duration DEFAULT_KILL_GRACE = Duration.ofSeconds(5);

    /**
     * After a timeout kill, how long to wait for the pipes to reach their end. A grandchild that
     * escaped the kill may hold them open for ever; its output after that is not waited for. The
     * same value as the library's own drain grace (its {@code internal.lifecycle.DrainGrace}, which
     * the library's module does not export).
     */
    static final Duration DRAIN_GRACE = Duration.ofSeconds(1);

    private CommandSpec spec;

    // The option values, read from the parsed spec when call() starts (bind()).
    private Duration timeout;
    private Path cwd;
    private List<EnvAssignment> env;
    /** --env's KEY=VALUE as the bytes sp was given (byte strings, see {@link Bytes}). */
    private List<String> rawEnv;
    private boolean capture;
    private boolean json;
    private Signal killSignal;
    private Duration killGrace;
    private List<String> unsetEnv;
    private boolean clearEnv;
    private boolean newSession;
    private boolean foreground;
    private boolean preserveStatus;
    private String user;
    private String group;
    private List<String> extraGroups;
    private Integer umask;
    private List<RlimitSetting> rlimits;
    private List<Integer> passFds;
    private boolean killOnParentExit;
    private Path stdinFile;
    private Path stdoutFile;
    private String stderrTarget;
    private boolean shell;
    private boolean pty;
    private String ptySize;
    private String program;
    private List<String> args;

    /** {@code sp run}'s picocli model, bound to {@code run}. */
    static CommandSpec spec(RunCommand run) {
        CommandSpec s = CommandSpec.wrapWithoutInspection(run).name("run");
        run.spec = s;
        s.usageMessage()
                .sortOptions(false)
                .autoWidth(true)
                // Written out because COMMAND is declared optional (see below) but is required.
                .customSynopsis(
                        "sp run [-hvV] [--capture] [--json] [--shell] [--cwd=DIR]",
                        "       [--timeout=DURATION] [--kill-signal=SIG] [--kill-grace=DURATION]",
                        "       [--preserve-status] [--foreground]",
                        "       [--env=KEY=VALUE]... [--unset-env=KEY]... [--clear-env]",
                        "       [--new-session] [--user=USER] [--group=GROUP] [--extra-groups=G,...]",
                        "       [--umask=MODE] [--rlimit=RES=SOFT[:HARD]]... [--pass-fd=FD]...",
                        "       [--kill-on-parent-exit] [--stdin=FILE] [--stdout=FILE]",
                        "       [--stderr=FILE|stdout] [--] COMMAND [ARG...]")
                .descriptionHeading("%n")
                .description(
                        "Runs COMMAND with its ARGs (no shell is involved; a bare name is looked up in PATH),"
                                + " waits for it and exits with its status.",
                        "Its stdin, stdout and stderr are sp's own unless --capture is given.",
                        "Options go before COMMAND (or before '--'); everything from COMMAND on is the command's own.",
                        "COMMAND runs in a process group of its own (unless --foreground), as with coreutils timeout:"
                                + " on --timeout, and when sp gets SIGINT (Ctrl-C), SIGTERM or SIGHUP, the signal goes to"
                                + " the whole group, SIGKILL follows after --kill-grace to whatever of the group is left,"
                                + " and sp exits only once none of it runs. Signalled, sp then ends by the same signal"
                                + " (128+N)."
                                + " What the command leaves running when it exits by itself is left alone.")
                .parameterListHeading("%nArguments:%n")
                .optionListHeading("%nOptions:%n")
                .exitCodeListHeading("%nExit status:%n")
                .exitCodeList(Main.exitCodes(
                        "N:the command's own exit status (0-255)",
                        "128+N:the command was killed by signal N, as shells report it (137 = SIGKILL, 143 = SIGTERM);"
                                + " or sp itself got signal N (SIGINT, SIGTERM, SIGHUP) and ended by it after stopping the"
                                + " command (with --preserve-status: the command's status instead)",
                        "124:the command timed out (--timeout) and was killed (with --preserve-status: the command's"
                                + " status instead, such as 137 after SIGKILL)",
                        "125:bad usage (an unknown option, no COMMAND, a bad DURATION, conflicting options, an --env"
                                + " without '=', an argument the library rejects), a start failure other than those below"
                                + " (a bad --cwd, --stdin FILE missing, an option the library refuses here), or sp itself failed",
                        "126:COMMAND was found but could not be run (not executable, not a program, a directory)",
                        "127:COMMAND was not found"))
                .footerHeading("%nExamples:%n")
                .footer(
                        "  sp run --timeout 5s -- make test",
                        "  sp run --capture --json -- sh -c 'echo out; echo err >&2; exit 3'",
                        "  sp run --cwd /tmp --env LANG=C.UTF-8 --env OPTS=a=b -- env",
                        "  sp run --new-session --timeout 10s --kill-signal TERM --kill-grace 2s -- ./server",
                        "  sp run --rlimit NOFILE=64:128 --rlimit CPU=10 --umask 077 --json -- ./job",
                        "  sp run --shell -- 'ls | wc -l'",
                        "  sp run --foreground --timeout 1h -- vim notes.txt");
        s.addOption(Main.option("--timeout", "DURATION", Duration.class, new DurationConverter(),
                "Kill the command (--kill-signal, then SIGKILL after --kill-grace) when it runs longer"
                        + " than this, and exit with 124.",
                "A number of seconds, or a number with a unit: 300ms, 5s, 1.5s, 2m, 1h. Default: no timeout."));
        s.addOption(Main.option("--cwd", "DIR", Path.class, null,
                "Run the command in this directory. Default: sp's working directory."));
        s.addOption(Main.repeatable("--env", "KEY=VALUE", EnvAssignment.class, new EnvAssignment.Converter(),
                "Set an environment variable for the command, on top of sp's environment;"
                        + " repeatable. The VALUE is everything after the first '=' and may itself hold '='.",
                "Values are never printed, not even in errors."));
        s.addOption(Main.flag("--capture",
                "Capture the command's stdout and stderr instead of letting them through.",
                "Without --json they are written to sp's stdout and stderr, unchanged, after the command ends"
                        + " (also after a timeout, with what was read until then)."));
        s.addOption(Main.flag("--json",
                "After the run, print one JSON object on stdout (one line, UTF-8): args, returncode"
                        + " (-N when killed by signal N), signal (name or null), pid, elapsed (seconds), timed_out,"
                        + " stdout and stderr (the captured text, null without --capture), backend.",
                "When the command cannot be started: args, error, errno, step and backend.",
                "Without --capture the command's own output comes first on the same stdout."));
        s.addOption(Main.option("--kill-signal", "SIG", Signal.class, new SignalConverter(),
                "The signal sent when --timeout passes (KILL, TERM, INT, SIGTERM, 15...). Default: KILL."));
        s.addOption(Main.option("--kill-grace", "DURATION", Duration.class, new DurationConverter(),
                "After --kill-signal (on --timeout) or the signal sp got, how long to wait before SIGKILL"
                        + " to what is left of the command's group. Default: 5s."));
        s.addOption(Main.flag("--preserve-status",
                "Exit with the command's own status (128+N after signal N) also after a timeout or when sp was"
                        + " signalled, instead of 124 or sp's own death by the signal."));
        s.addOption(Main.flag("--foreground",
                "Run the command in sp's own process group, not one of its own (as coreutils timeout --foreground):"
                        + " needed for a command that reads from the terminal (an editor, a REPL), which in a group of"
                        + " its own is stopped by SIGTTIN at its first read; it gets the terminal's signals itself."
                        + " Only the command is then signalled on --timeout or when sp is, not what it started."));
        s.addOption(Main.flag("--pty",
                "Run the command on a pseudo-terminal of its own (it leads a new session with the terminal as its"
                        + " controlling terminal): sp copies its stdin to the terminal and the terminal's output (stdout"
                        + " and stderr) to its stdout. When sp's stdin is a terminal it is put in raw mode meanwhile (keys,"
                        + " Ctrl-C included, go to the command) and its size is the command's, followed on resize."));
        s.addOption(Main.option("--pty-size", "COLSxROWS", String.class, null,
                "The --pty terminal's size, e.g. 120x40. Default: sp's own terminal's, else 80x24."));
        s.addOption(Main.repeatable("--unset-env", "KEY", String.class, null,
                "Remove a variable from the command's environment; repeatable."));
        s.addOption(Main.flag("--clear-env", "Start from an empty environment (then --env adds to it)."));
        s.addOption(Main.flag("--new-session", "Run the command in a new session (setsid): its own process group,"
                + " no controlling terminal."));
        s.addOption(Main.option("--user", "USER", String.class, null,
                "Run as this user (name or uid); its primary group unless --group."));
        s.addOption(Main.option("--group", "GROUP", String.class, null, "Run with this group (name or gid)."));
        s.addOption(OptionSpec.builder("--extra-groups").paramLabel("G,...").type(List.class)
                .auxiliaryTypes(String.class).splitRegex(",")
                .description("The supplementary groups (names or gids); none unless given.").build());
        s.addOption(Main.option("--umask", "MODE", Integer.class, new OctalConverter(),
                "The command's umask, in octal (022, 077)."));
        s.addOption(Main.repeatable("--rlimit", "RES=SOFT[:HARD]", RlimitSetting.class, new RlimitSetting.Converter(),
                "A resource limit set in the command only; repeatable. RES is NOFILE, CPU, AS, FSIZE, NPROC,"
                        + " CORE, STACK, DATA, MEMLOCK...; SOFT and HARD are numbers or 'unlimited'; HARD defaults to SOFT."));
        s.addOption(Main.repeatable("--pass-fd", "FD", Integer.class, null,
                "Keep this fd (3 or more) open in the command; repeatable. Only an fd that sp was given by whoever"
                        + " started it (one without close-on-exec, such as a shell's 3<file), never one of sp's JVM's own."));
        s.addOption(Main.flag("--kill-on-parent-exit", "Kill the command (SIGKILL) if sp dies."));
        s.addOption(Main.option("--stdin", "FILE", Path.class, null, "Read the command's stdin from FILE."));
        s.addOption(Main.option("--stdout", "FILE", Path.class, null,
                "Write the command's stdout to FILE (created or truncated)."));
        s.addOption(Main.option("--stderr", "FILE|stdout", String.class, null,
                "Write the command's stderr to FILE, or to the same place as its stdout with 'stdout'."));
        s.addOption(Main.flag("--shell", "COMMAND is one shell script, run by /bin/sh -c (its ARGs become $0, $1...).",
                "Quote untrusted values: without --shell no shell is involved."));
        s.addOption(Main.verboseOption());
        Main.standardHelpOptions(s); // listed last, as picocli's mixin lists them with unsorted options
        // Optional for picocli only so that an unknown option is reported before a missing COMMAND
        // (picocli checks required parameters first); call() requires it.
        s.addPositional(PositionalParamSpec.builder().index("0").paramLabel("COMMAND").arity("0..1")
                .hideParamSyntax(true).type(String.class).description("The program to run.").build());
        s.addPositional(PositionalParamSpec.builder().index("1..*").paramLabel("ARG").arity("0..*")
                .type(List.class).auxiliaryTypes(String.class).description("Its arguments, passed unchanged: the bytes sp was given, whatever the locale.").build());
        return s;
    }

    /** The parsed option values into the fields. */
    private void bind() {
        timeout = value("--timeout");
        cwd = value("--cwd");
        env = list("--env");
        capture = isSet("--capture");
        json = isSet("--json");
        killSignal = value("--kill-signal");
        killGrace = value("--kill-grace");
        unsetEnv = list("--unset-env");
        clearEnv = isSet("--clear-env");
        newSession = isSet("--new-session");
        foreground = isSet("--foreground");
        preserveStatus = isSet("--preserve-status");
        user = value("--user");
        group = value("--group");
        extraGroups = value("--extra-groups");
        umask = value("--umask");
        rlimits = list("--rlimit");
        passFds = list("--pass-fd");
        killOnParentExit = isSet("--kill-on-parent-exit");
        stdinFile = value("--stdin");
        stdoutFile = value("--stdout");
        stderrTarget = value("--stderr");
        shell = isSet("--shell");
        pty = isSet("--pty");
        ptySize = value("--pty-size");
        program = spec.positionalParameters().get(0).getValue();
        List<String> rest = spec.positionalParameters().get(1).getValue();
        args = rest == null ? List.of() : rest;
    }

    private boolean isSet(String option) {
        return Main.isSet(spec, option);
    }

    private <T> T value(String option) {
        return Main.valueOr(spec, option, null);
    }

    private <T> List<T> list(String option) {
        return Main.valueOr(spec, option, List.of());
    }

    private final PrintStream out;
    private final PrintStream err;

    /** sp's arguments as bytes, for the command's own. */
    private final RawArgs raw;

    RunCommand(PrintStream out, PrintStream err, RawArgs raw) {
        this.out = out;
        this.err = err;
        this.raw = raw;
    }

    @Override
    @SuppressWarnings("try") // `signals` is held for its close(): the handlers go when the run ends
    public Integer call() {
        bind();
        if (program == null) {
            throw new ParameterException(spec.commandLine(), "Missing required parameter: 'COMMAND'");
        }
        checkConflicts();
        // The command as the bytes sp was given (byte strings, see Bytes), passed on unchanged;
        // `argv`, their UTF-8 text, only for the JSON report.
        List<String> given = new ArrayList<>();
        given.add(program);
        given.addAll(args);
        List<String> rawArgv = new ArrayList<>();
        if (shell) {
            rawArgv.addAll(List.of("/bin/sh", "-c"));
        }
        rawArgv.addAll(raw.tail(given));
        List<String> argv = Bytes.text(rawArgv);
        // --env KEY=VALUE as bytes too
        rawEnv = raw.beforeTail(given.size()).options(env.stream().map(e -> e.key() + "=" + e.value()).toList(), "--env");
        Command command;
        try {
            command = command(rawArgv);
        } catch (IllegalArgumentException e) {
            // The library rejected what the user typed (such as an empty program name): bad usage.
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }

        // The library logs through System.Logger, and a JVM's first logger starts the logging
        // backend (~8 ms). This thread would only wait for the backend the warm-up thread is still
        // setting up (Main.warmUpBackend), so it starts the logging now, off that thread's path.
        System.getLogger("dev.subprocess4j");
        Stopper stopper = new Stopper();
        try (StopSignals signals = StopSignals.install(stopper::signalled)) {
            long startNanos = System.nanoTime();
            Popen popen;
            try {
                popen = command.start();
            } catch (SpawnException e) {
                return endBy(stopper.received(), cannotRun(argv, e.getMessage(), e.errnoName(),
                        e.step().name().toLowerCase(Locale.ROOT), startFailureStatus(e)));
            } catch (UnsupportedOperationException | IllegalArgumentException e) {
                // An option this backend cannot honour, or a user/group unknown here: the command was not started.
                return endBy(stopper.received(), cannotRun(argv, e.getMessage(), null, null, EXIT_CANNOT_RUN));
            }

            Outcome outcome;
            GroupReaper reaper = new GroupReaper(popen, ownGroup());
            try (popen; PtyRelay relay = pty ? PtyRelay.start(popen, ptySize == null) : null) {
                try {
                    stopper.started(reaper);
                    outcome = await(popen, startNanos, stopper);
                } catch (RuntimeException | Error e) {
                    // as the library's run(): never wait in close() for a child left running, nor leave its group
                    reaper.stop(Signal.SIGKILL, Duration.ZERO);
                    throw e;
                }
            }
            Signal received = stopper.awaitStopped();
            return endBy(received, report(argv, outcome));
        }
    }

    /**
     * {@code status}, or, when sp got {@code received} (not null) and not --preserve-status, no
     * return: sp ends by that signal, its output flushed.
     */
    private int endBy(Signal received, int status) {
        if (received != null && !preserveStatus) {
            out.flush();
            err.flush();
            StopSignals.exitBy(received);
        }
        return status;
    }

    /** Options that contradict each other: bad usage, naming both. */
    private void checkConflicts() {
        if (capture && stdoutFile != null) {
            throw conflict("--capture", "--stdout", "the command's stdout cannot go both to sp and to a file");
        }
        if (capture && stderrTarget != null && !stderrTarget.equals("stdout")) {
            throw conflict("--capture", "--stderr", "the command's stderr cannot go both to sp and to a file");
        }
        if (foreground && newSession) {
            throw conflict("--foreground", "--new-session", "a new session is a process group of its own");
        }
        if (pty && (capture || stdoutFile != null || stdinFile != null)) {
            throw conflict("--pty", capture ? "--capture" : stdoutFile != null ? "--stdout" : "--stdin",
                    "the terminal is the command's stdin and stdout, relayed to sp's own");
        }
        if (pty && foreground) {
            throw conflict("--pty", "--foreground", "a pseudo-terminal's command leads a session of its own");
        }
        if (ptySize != null && !pty) {
            throw new ParameterException(spec.commandLine(), "--pty-size needs --pty");
        }
        if (ptySize != null) {
            try {
                PtyRelay.size(ptySize);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), "--pty-size " + ptySize + ": " + e.getMessage());
            }
        }
        for (int fd : passFds) {
            if (fd < 3) {
                throw new ParameterException(spec.commandLine(),
                        "--pass-fd " + fd + ": only fds from 3 on (0-2 are the command's stdin, stdout and stderr)");
            }
            String why = InheritedFds.whyNotInherited(fd);
            if (why != null) {
                throw new ParameterException(spec.commandLine(), "--pass-fd " + fd + ": " + why);
            }
        }
    }

    private ParameterException conflict(String a, String b, String why) {
        return new ParameterException(spec.commandLine(), a + " and " + b + " conflict: " + why);
    }

    /** Whether the command leads a process group of its own, which sp then signals whole. */
    private boolean ownGroup() {
        return newSession || pty || (!foreground && Subprocess.backend().equals("linux-native"));
    }

    /**
     * The exit status for a command that could not be started, as coreutils {@code timeout}:
     * 127 when the program is not found, 126 when it is found but cannot be run, 125 otherwise.
     */
    static int startFailureStatus(SpawnException e) {
        if (e.step() != SpawnException.Step.EXEC) {
            return EXIT_CANNOT_RUN;
        }
        return switch (String.valueOf(e.errnoName())) {
            case "ENOENT", "ENOTDIR" -> EXIT_NOT_FOUND;
            case "EACCES", "EPERM", "ENOEXEC", "EISDIR", "ETXTBSY", "ELIBBAD" -> EXIT_CANNOT_EXECUTE;
            default -> EXIT_CANNOT_RUN;
        };
    }

    /**
     * Who stops the command, and why: the signal sp got (SIGINT, SIGTERM, SIGHUP), whose handler
     * thread stops the command's group through the {@link GroupReaper}; a signal that arrives
     * before the command was started is acted on as soon as it is.
     */
    private final class Stopper {
        private Signal received;
        private GroupReaper reaper;
        private boolean stopped;

        /** On the JVM's signal-handler thread. */
        void signalled(Signal s) {
            GroupReaper r;
            synchronized (this) {
                if (received == null) {
                    received = s;
                }
                r = reaper;
            }
            if (r != null) {
                stop(r, s);
            }
        }

        void started(GroupReaper r) {
            Signal pending;
            synchronized (this) {
                reaper = r;
                pending = received;
            }
            if (pending != null) {
                stop(r, pending);
            }
        }

        /** A timeout: --kill-signal to the group, SIGKILL after the grace. */
        void timedOut() {
            GroupReaper r;
            synchronized (this) {
                r = reaper;
            }
            stop(r, killSignal == null ? Signal.SIGKILL : killSignal);
        }

        private void stop(GroupReaper r, Signal s) {
            r.stop(s, killGrace == null ? DEFAULT_KILL_GRACE : killGrace);
            synchronized (this) {
                stopped = true;
                notifyAll();
            }
        }

        /** The signal sp got, if any. */
        synchronized Signal received() {
            return received;
        }

        /** The signal sp got, if any, once the command's group was stopped for it. */
        synchronized Signal awaitStopped() {
            while (received != null && !stopped) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            return received;
        }
    }

    /** The library's command for what the user typed; {@link IllegalArgumentException} for a bad value. */
    /** The command for {@code rawArgv} (byte strings, see {@link Bytes}) with the options. */
    private Command command(List<String> rawArgv) {
        Command c = Bytes.command(rawArgv)
                // Keep \r in the JSON text exactly as written: the report shows what the command
                // printed, not Python's text-mode view of it. Raw output is written as bytes anyway.
                .universalNewlines(false);
        if (cwd != null) {
            c = c.cwd(cwd);
        }
        if (clearEnv) {
            c = c.clearEnv();
        }
        for (String key : unsetEnv) {
            c = c.removeEnv(key);
        }
        for (String e : rawEnv) {
            // as EnvAssignment splits it, which has checked it: the key before the first '='
            int eq = e.indexOf('=');
            c = c.putEnv(Bytes.bytes(e.substring(0, eq)), Bytes.bytes(e.substring(eq + 1)));
        }
        if (capture) {
            c = c.captureOutput();
        }
        if (stdinFile != null) {
            c = c.stdin(dev.subprocess4j.Redirect.read(stdinFile));
        }
        if (stdoutFile != null) {
            c = c.stdout(dev.subprocess4j.Redirect.file(stdoutFile));
        }
        if (stderrTarget != null) {
            c = c.stderr(stderrTarget.equals("stdout") ? dev.subprocess4j.Redirect.STDOUT
                    : dev.subprocess4j.Redirect.file(Path.of(stderrTarget)));
        }
        if (pty) {
            int[] size = PtyRelay.size(ptySize);
            c = c.pty(size[0], size[1]).stdin(dev.subprocess4j.Redirect.PIPE)
                    .stdout(dev.subprocess4j.Redirect.to(PtyRelay.flushing(out))); // a new session: a group of its own
        } else if (newSession) {
            c = c.startNewSession();
        } else if (ownGroup()) {
            c = c.processGroup(0);
        }
        if (user != null) {
            c = c.user(user);
        }
        if (group != null) {
            c = c.group(group);
        }
        if (extraGroups != null) {
            c = c.extraGroups(extraGroups.toArray(String[]::new));
        }
        if (umask != null) {
            c = c.umask(umask);
        }
        for (RlimitSetting r : rlimits) {
            c = c.rlimit(r.resource(), r.soft(), r.hard());
        }
        if (!passFds.isEmpty()) {
            c = c.passFds(passFds.stream().mapToInt(Integer::intValue).toArray());
        }
        if (killOnParentExit) {
            c = c.killOnParentExit();
        }
        if (killSignal != null) {
            c = c.killSignal(killSignal);
        }
        if (killGrace != null) {
            c = c.killGrace(killGrace);
        }
        // Without a timeout here: the deadline is applied by await(), which keeps the pid and
        // the exit details that run()'s TimeoutExpiredException does not carry.
        return c;
    }

    /**
     * What a run gave: the exit, the captured output (bytes for writing through, text for the
     * JSON report; both null when not captured) and, after a timeout, its message.
     */
    private record Outcome(int returnCode, long pid, Duration elapsed, byte[] stdoutBytes, byte[] stderrBytes,
                           String stdout, String stderr, String timeoutMessage, dev.subprocess4j.ResourceUsage usage) {
        static Outcome of(CompletedProcess r, String timeoutMessage) {
            return new Outcome(r.returnCode(), r.pid(), r.elapsed(), r.stdoutBytes(), r.stderrBytes(),
                    r.stdout(), r.stderr(), timeoutMessage, r.usage().orElse(null));
        }

        boolean timedOut() {
            return timeoutMessage != null;
        }

        Optional<Signal> signal() {
            return returnCode < 0 ? Signal.of(-returnCode) : Optional.empty();
        }
    }

    /**
     * Waits for the command (reading its pipes when captured); on timeout kills it with SIGKILL, as
     * Python's {@code run(timeout=)} does, then collects what it wrote, waiting at most
     * {@link #DRAIN_GRACE} for pipes that a surviving grandchild still holds.
     */
    private Outcome await(Popen popen, long startNanos, Stopper stopper) {
        if (pty) {
            return awaitTerminal(popen, stopper);
        }
        if (timeout == null) {
            return Outcome.of(popen.communicate(), null);
        }
        try {
            return Outcome.of(popen.communicate((byte[]) null, timeout), null);
        } catch (TimeoutExpiredException expired) {
            stopper.timedOut();
            try {
                return Outcome.of(popen.communicate((byte[]) null, DRAIN_GRACE), expired.getMessage());
            } catch (TimeoutExpiredException stillOpen) {
                // A grandchild holds the pipes open after the kill. This second exception has all
                // the output read since the start (null: nothing read); Popen.close() then closes
                // our ends of the pipes.
                // The child itself was reaped: its exit (return code, usage) is known all the same.
                CompletedProcess exited = popen.onExit().join();
                byte[] out = capture ? orEmpty(stillOpen.stdoutBytes()) : null;
                byte[] err = capture ? orEmpty(stillOpen.stderrBytes()) : null;
                return new Outcome(exited.returnCode(), popen.pid(), Duration.ofNanos(System.nanoTime() - startNanos),
                        out, err, capture ? orEmpty(stillOpen.stdout()) : null,
                        capture ? orEmpty(stillOpen.stderr()) : null, expired.getMessage(), exited.usage().orElse(null));
            }
        }
    }

    /**
     * A --pty command: its stdin belongs to the {@link PtyRelay} and its output is pumped to sp's
     * stdout, so sp only waits for its exit (a {@code communicate} would close the terminal's input).
     */
    private Outcome awaitTerminal(Popen popen, Stopper stopper) {
        String timeoutMessage = null;
        try {
            if (timeout == null) {
                popen.waitFor();
            } else {
                popen.waitFor(timeout);
            }
        } catch (TimeoutExpiredException expired) {
            stopper.timedOut(); // the reaper stops the command's group
            timeoutMessage = expired.getMessage();
            popen.waitFor();
        }
        return Outcome.of(popen.onExit().join(), timeoutMessage);
    }

    private static byte[] orEmpty(byte[] b) {
        return b == null ? new byte[0] : b;
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }

    /** Prints what the user asked for and returns sp's exit status. */
    private int report(List<String> argv, Outcome r) {
        if (json) {
            JsonReport.run(out, argv, r);
        } else if (capture) {
            if (r.stdoutBytes() != null) { // null when --stdout sent it to a file
                out.write(r.stdoutBytes(), 0, r.stdoutBytes().length);
            }
            if (r.stderrBytes() != null) {
                err.write(r.stderrBytes(), 0, r.stderrBytes().length);
            }
        }
        out.flush();
        err.flush();
        if (r.timedOut()) {
            // the sentence only: the child's stderr, which the message goes on to quote, was shown already
            err.println("sp: " + Main.oneLine(r.timeoutMessage().lines().findFirst().orElse("")));
            err.flush();
            if (!preserveStatus) {
                return EXIT_TIMED_OUT;
            }
        }
        return exitStatus(r.returnCode());
    }

    private int cannotRun(List<String> argv, String message, String errnoName, String step, int status) {
        if (json) {
            JsonReport.cannotRun(out, argv, message, errnoName, step);
            out.flush();
        }
        err.println("sp: " + Main.oneLine(message));
        err.flush();
        return status;
    }

    /**
     * The --json reports. A class of their own, so that Jackson's classes are loaded only when
     * --json is given (verifying a method that calls the generator loads them).
     */
    private static final class JsonReport {
        private JsonReport() {}

        /** The report of a run that started: see the option's description for the fields. */
            static void run(PrintStream out, List<String> argv, Outcome r) {
            Json.write(out, g -> {
                g.writeStartObject();
                Json.strings(g, "args", argv);
                g.writeNumberProperty("returncode", r.returnCode());
                Json.string(g, "signal", r.signal().map(Signal::name).orElse(null));
                g.writeNumberProperty("pid", r.pid());
                Json.seconds(g, "elapsed", r.elapsed(), 6);
                g.writeBooleanProperty("timed_out", r.timedOut());
                Json.string(g, "stdout", r.stdout());
                Json.string(g, "stderr", r.stderr());
                dev.subprocess4j.ResourceUsage u = r.usage();
                if (u == null) {
                    g.writeNullProperty("rusage");
                } else {
                    g.writeObjectPropertyStart("rusage");
                    Json.seconds(g, "user_cpu", u.userCpu(), 6);
                    Json.seconds(g, "system_cpu", u.systemCpu(), 6);
                    if (u.maxRssBytes().isPresent()) {
                        g.writeNumberProperty("max_rss_bytes", u.maxRssBytes().getAsLong());
                    } else {
                        g.writeNullProperty("max_rss_bytes"); // not told apart from the JVM's own peak
                    }
                    g.writeNumberProperty("minor_faults", u.minorFaults());
                    g.writeNumberProperty("major_faults", u.majorFaults());
                    g.writeNumberProperty("voluntary_context_switches", u.voluntaryContextSwitches());
                    g.writeNumberProperty("involuntary_context_switches", u.involuntaryContextSwitches());
                    g.writeEndObject();
                }
                Json.string(g, "backend", Subprocess.backend());
                g.writeEndObject();
            });
        }

        /** The report of a command that could not be started. */
        static void cannotRun(PrintStream out, List<String> argv, String message, String errnoName, String step) {
            Json.write(out, g -> {
                g.writeStartObject();
                Json.strings(g, "args", argv);
                Json.string(g, "error", message);
                Json.string(g, "errno", errnoName);
                Json.string(g, "step", step);
                Json.string(g, "backend", Subprocess.backend());
                g.writeEndObject();
            });
        }
    }

    /**
     * sp's exit status for the command's return code: the code itself, or 128+N for a death by
     * signal N (the library reports it as -N, as Python does; shells and CI systems expect 128+N).
     */
    static int exitStatus(int returnCode) {
        return returnCode < 0 ? 128 - returnCode : returnCode;
    }
}
