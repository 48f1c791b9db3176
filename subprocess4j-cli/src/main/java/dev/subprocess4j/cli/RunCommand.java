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
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code sp run}: runs one command, waits for it and exits with its status (or prints a JSON
 * report of the run).
 */
@picocli.CommandLine.Command(
        name = "run",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        sortOptions = false,
        usageHelpAutoWidth = true,
        // Written out because COMMAND is declared optional (see the field) but is required.
        customSynopsis = {
            "sp run [-hV] [--capture] [--json] [--cwd=DIR] [--timeout=DURATION]",
            "              [--env=KEY=VALUE]... [--] COMMAND [ARG...]",
        },
        descriptionHeading = "%n",
        description = {
            "Runs COMMAND with its ARGs (no shell is involved; a bare name is looked up in PATH),"
                    + " waits for it and exits with its status.",
            "Its stdin, stdout and stderr are sp's own unless --capture is given.",
            "Options go before COMMAND (or before '--'); everything from COMMAND on is the command's own.",
        },
        parameterListHeading = "%nArguments:%n",
        optionListHeading = "%nOptions:%n",
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {
            "N:the command's own exit status (0-255)",
            "128+N:the command was killed by signal N, as shells report it (137 = SIGKILL, 143 = SIGTERM)",
            "124:the command timed out (--timeout) and was killed with SIGKILL, as coreutils timeout",
            "125:the command could not be started (no such program, not executable, bad --cwd),"
                    + " the library refused an option on this platform, or sp itself failed",
            "2:bad usage: an unknown option, no COMMAND, a bad DURATION, an --env without '=' or with an"
                    + " empty KEY, or an argument the library rejects (such as an empty program name)",
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  sp run --timeout 5s -- make test",
            "  sp run --capture --json -- sh -c 'echo out; echo err >&2; exit 3'",
            "  sp run --cwd /tmp --env LANG=C.UTF-8 --env OPTS=a=b -- env",
        })
final class RunCommand implements Callable<Integer> {
    /** Exit status for a timeout, as coreutils {@code timeout}. */
    static final int EXIT_TIMED_OUT = 124;
    /** Exit status when the command cannot be started or sp fails, as coreutils {@code timeout}/{@code env}. */
    static final int EXIT_CANNOT_RUN = 125;

    /**
     * After a timeout kill, how long to wait for the pipes to reach their end. A grandchild that
     * escaped the kill may hold them open for ever; its output after that is not waited for.
     */
    static final Duration DRAIN_GRACE = Duration.ofSeconds(1);

    @Spec
    private CommandSpec spec;

    @Option(names = "--timeout", paramLabel = "DURATION", converter = DurationConverter.class,
            description = {"Kill the command with SIGKILL when it runs longer than this, and exit with 124.",
                "A number of seconds, or a number with a unit: 300ms, 5s, 1.5s, 2m, 1h. Default: no timeout."})
    private Duration timeout;

    @Option(names = "--cwd", paramLabel = "DIR",
            description = "Run the command in this directory. Default: sp's working directory.")
    private Path cwd;

    @Option(names = "--env", paramLabel = "KEY=VALUE", converter = EnvAssignment.Converter.class,
            description = {"Set an environment variable for the command, on top of sp's environment;"
                    + " repeatable. The VALUE is everything after the first '=' and may itself hold '='.",
                "Values are never printed, not even in errors."})
    private List<EnvAssignment> env = new ArrayList<>();

    @Option(names = "--capture",
            description = {"Capture the command's stdout and stderr instead of letting them through.",
                "Without --json they are written to sp's stdout and stderr, unchanged, after the command ends"
                        + " (also after a timeout, with what was read until then)."})
    private boolean capture;

    @Option(names = "--json",
            description = {"After the run, print one JSON object on stdout (one line, UTF-8): args, returncode"
                    + " (-N when killed by signal N), signal (name or null), pid, elapsed (seconds), timed_out,"
                    + " stdout and stderr (the captured text, null without --capture), backend.",
                "When the command cannot be started: args, error, errno, step and backend.",
                "Without --capture the command's own output comes first on the same stdout."})
    private boolean json;

    // Optional for picocli only so that an unknown option is reported before a missing COMMAND
    // (picocli checks required parameters first); call() requires it.
    @Parameters(index = "0", paramLabel = "COMMAND", arity = "0..1", hideParamSyntax = true,
            description = "The program to run.")
    private String program;

    @Parameters(index = "1..*", paramLabel = "ARG", arity = "0..*", description = "Its arguments, passed unchanged.")
    private List<String> args = new ArrayList<>();

    private final PrintStream out;
    private final PrintStream err;

    RunCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    @Override
    public Integer call() {
        if (program == null) {
            throw new ParameterException(spec.commandLine(), "Missing required parameter: 'COMMAND'");
        }
        List<String> argv = new ArrayList<>();
        argv.add(program);
        argv.addAll(args);
        Command command;
        try {
            command = command(argv);
        } catch (IllegalArgumentException e) {
            // The library rejected what the user typed (such as an empty program name): bad usage.
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }

        long startNanos = System.nanoTime();
        Popen popen;
        try {
            popen = command.start();
        } catch (SpawnException e) {
            return cannotRun(argv, e.getMessage(), e.errnoName(), e.step().name().toLowerCase(Locale.ROOT));
        } catch (UnsupportedOperationException | IllegalArgumentException e) {
            // An option this backend cannot honour, or a user/group unknown here: the command was not started.
            return cannotRun(argv, e.getMessage(), null, null);
        }

        Outcome outcome;
        Thread forwardTermination = forwardTerminationTo(popen);
        try (popen) {
            try {
                outcome = await(popen, startNanos);
            } catch (RuntimeException | Error e) {
                popen.kill(); // as the library's run(): never wait in close() for a child left running
                throw e;
            }
        } finally {
            removeHook(forwardTermination);
        }
        return report(argv, outcome);
    }

    /** The library's command for what the user typed; {@link IllegalArgumentException} for a bad value. */
    private Command command(List<String> argv) {
        Command c = Subprocess.command(argv)
                // Keep \r in the JSON text exactly as written: the report shows what the command
                // printed, not Python's text-mode view of it. Raw output is written as bytes anyway.
                .universalNewlines(false);
        if (cwd != null) {
            c = c.cwd(cwd);
        }
        for (EnvAssignment e : env) {
            c = c.putEnv(e.key(), e.value());
        }
        if (capture) {
            c = c.captureOutput();
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
                           String stdout, String stderr, String timeoutMessage) {
        static Outcome of(CompletedProcess r, String timeoutMessage) {
            return new Outcome(r.returnCode(), r.pid(), r.elapsed(), r.stdoutBytes(), r.stderrBytes(),
                    r.stdout(), r.stderr(), timeoutMessage);
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
    private Outcome await(Popen popen, long startNanos) {
        if (timeout == null) {
            return Outcome.of(popen.communicate(), null);
        }
        try {
            return Outcome.of(popen.communicate(null, timeout), null);
        } catch (TimeoutExpiredException expired) {
            popen.kill();
            try {
                return Outcome.of(popen.communicate(null, DRAIN_GRACE), expired.getMessage());
            } catch (TimeoutExpiredException stillOpen) {
                // A grandchild holds the pipes open after the kill. This second exception has all
                // the output read since the start (null: nothing read); Popen.close() then closes
                // our ends of the pipes.
                int returnCode = popen.waitFor();
                byte[] out = capture ? orEmpty(stillOpen.stdoutBytes()) : null;
                byte[] err = capture ? orEmpty(stillOpen.stderrBytes()) : null;
                return new Outcome(returnCode, popen.pid(), Duration.ofNanos(System.nanoTime() - startNanos),
                        out, err, capture ? orEmpty(stillOpen.stdout()) : null,
                        capture ? orEmpty(stillOpen.stderr()) : null, expired.getMessage());
            }
        }
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
            out.println(new Json()
                    .field("args", argv)
                    .field("returncode", r.returnCode())
                    .field("signal", r.signal().map(Signal::name).orElse(null))
                    .field("pid", r.pid())
                    .seconds("elapsed", r.elapsed())
                    .field("timed_out", r.timedOut())
                    .field("stdout", r.stdout())
                    .field("stderr", r.stderr())
                    .field("backend", Subprocess.backend()));
        } else if (capture) {
            out.write(r.stdoutBytes(), 0, r.stdoutBytes().length);
            err.write(r.stderrBytes(), 0, r.stderrBytes().length);
        }
        out.flush();
        err.flush();
        if (r.timedOut()) {
            err.println("sp: " + Main.oneLine(r.timeoutMessage()));
            err.flush();
            return EXIT_TIMED_OUT;
        }
        return exitStatus(r.returnCode());
    }

    private int cannotRun(List<String> argv, String message, String errnoName, String step) {
        if (json) {
            out.println(new Json()
                    .field("args", argv)
                    .field("error", message)
                    .field("errno", errnoName)
                    .field("step", step)
                    .field("backend", Subprocess.backend()));
            out.flush();
        }
        err.println("sp: " + Main.oneLine(message));
        err.flush();
        return EXIT_CANNOT_RUN;
    }

    /**
     * sp's exit status for the command's return code: the code itself, or 128+N for a death by
     * signal N (the library reports it as -N, as Python does; shells and CI systems expect 128+N).
     */
    static int exitStatus(int returnCode) {
        return returnCode < 0 ? 128 - returnCode : returnCode;
    }

    /**
     * When the JVM is asked to stop (SIGTERM, SIGINT, SIGHUP) while the command runs, the command
     * gets SIGTERM too rather than being left behind, as coreutils {@code timeout} forwards signals.
     */
    private static Thread forwardTerminationTo(Popen popen) {
        Thread hook = new Thread(() -> {
            if (popen.poll().isEmpty()) {
                popen.terminate();
            }
        }, "sp-forward-termination");
        try {
            Runtime.getRuntime().addShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            popen.terminate();
        }
        return hook;
    }

    private static void removeHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs or has run: nothing to undo
        }
    }
}
