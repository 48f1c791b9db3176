package dev.subprocess4j.cli;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.subprocess4j.Subprocess;
import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * {@code sp}, the subprocess4j command line: {@code sp run [options] -- command [args...]}.
 *
 * <p>Uses only the library's public API, as any user would. {@link #execute} holds the whole
 * behaviour and returns the exit status, so it runs in-process in tests; {@link #main} only
 * binds it to the JVM's streams (always UTF-8, whatever the locale) and exits.
 *
 * <h2>Exit status</h2>
 * Each subcommand's own ({@code sp run --help}: coreutils {@code timeout}'s); bad usage prints
 * one line and where the help is, and exits with 125 for {@code sp run} (as {@code timeout}), 255
 * for {@code sp parallel} (as GNU parallel) and 2 otherwise; 0 for {@code --help} and
 * {@code --version}.
 */
public final class Main implements Callable<Integer> {
    /** Exit status for bad usage, as picocli, getopt-style tools and shells' builtins use. */
    static final int EXIT_USAGE = 2;

    private CommandSpec spec;

    private Main() {}

    /**
     * sp's own picocli model (no subcommands yet), declared with the programmatic API as
     * {@code sp run}'s is: see {@link RunCommand} for why.
     */
    static CommandSpec spec(Main main) {
        CommandSpec s = CommandSpec.wrapWithoutInspection(main).name("sp");
        main.spec = s;
        s.usageMessage()
                .autoWidth(true)
                .synopsisSubcommandLabel("COMMAND")
                .descriptionHeading("%n")
                .description("Runs programs with subprocess4j: Python's subprocess semantics for Java.")
                .commandListHeading("%nCommands:%n")
                .footerHeading("%nExamples:%n")
                .footer(
                        "  sp run --timeout 10s --rlimit NOFILE=256 --capture --json -- make test",
                        "  sp parallel -j 8 --timeout 1m --retries 1 jobs.txt",
                        "  sp bench",
                        "  source <(sp completion bash)",
                        "",
                        "Run 'sp COMMAND --help' (such as 'sp run --help', 'sp parallel --help') for its options,"
                                + " examples and exit status; 'sp man --install' installs the man pages"
                                + " (then 'man sp-run'), 'sp man run' shows one without installing.");
        s.addOption(verboseOption());
        standardHelpOptions(s);
        return s;
    }

    /** {@code -h/--help} and {@code -V/--version}, as picocli's {@code mixinStandardHelpOptions} gives them. */
    static void standardHelpOptions(CommandSpec s) {
        s.versionProvider(new Version());
        s.addOption(OptionSpec.builder("-h", "--help").usageHelp(true)
                .description("Show this help message and exit.").build());
        s.addOption(OptionSpec.builder("-V", "--version").versionHelp(true)
                .description("Print version information and exit.").build());
    }

    /** An option taking one value of {@code type}, through {@code converter} when not null. */
    static OptionSpec option(String name, String paramLabel, Class<?> type, ITypeConverter<?> converter,
                             String... description) {
        return option(new String[] {name}, paramLabel, type, converter, description);
    }

    /** {@link #option(String, String, Class, ITypeConverter, String...)} with several names ("-j", "--jobs"). */
    public static OptionSpec option(String[] names, String paramLabel, Class<?> type, ITypeConverter<?> converter,
                                    String... description) {
        return withConverter(OptionSpec.builder(names).paramLabel(paramLabel).type(type), converter, description);
    }

    /** A repeatable option: a list of {@code elementType}. */
    static OptionSpec repeatable(String name, String paramLabel, Class<?> elementType, ITypeConverter<?> converter,
                                 String... description) {
        return repeatable(new String[] {name}, paramLabel, elementType, converter, description);
    }

    /** {@link #repeatable(String, String, Class, ITypeConverter, String...)} with several names. */
    public static OptionSpec repeatable(String[] names, String paramLabel, Class<?> elementType,
                                        ITypeConverter<?> converter, String... description) {
        return withConverter(OptionSpec.builder(names).paramLabel(paramLabel).type(List.class)
                .auxiliaryTypes(elementType), converter, description);
    }

    private static OptionSpec withConverter(OptionSpec.Builder b, ITypeConverter<?> converter, String... description) {
        if (converter != null) {
            b.converters(converter);
        }
        return b.description(description).build();
    }

    /** An option without a value. */
    static OptionSpec flag(String name, String... description) {
        return flag(new String[] {name}, description);
    }

    /** {@link #flag(String, String...)} with several names. */
    public static OptionSpec flag(String[] names, String... description) {
        return OptionSpec.builder(names).type(boolean.class).description(description).build();
    }

    /** Whether the flag {@code option} of the parsed {@code spec} was given. */
    public static boolean isSet(CommandSpec spec, String option) {
        return Boolean.TRUE.equals(spec.findOption(option).getValue());
    }

    /** The parsed value of {@code option} in {@code spec}, or {@code otherwise} when it was not given. */
    public static <T> T valueOr(CommandSpec spec, String option, T otherwise) {
        T value = spec.findOption(option).getValue();
        return value == null ? otherwise : value;
    }

    /** A usage exit-code list from "code:description" entries, in their order. */
    static Map<String, String> exitCodes(String... entries) {
        Map<String, String> codes = new LinkedHashMap<>();
        for (String entry : entries) {
            int colon = entry.indexOf(':');
            codes.put(entry.substring(0, colon), entry.substring(colon + 1));
        }
        return codes;
    }

    /** Runs {@code sp} with {@code args} on the JVM's stdout and stderr, then exits with its status. */
    public static void main(String[] args) {
        if (usesPassFd(args)) {
            InheritedFds.snapshot(); // before sp opens anything of its own
        }
        // The library's log records (System.Logger, on java.util.logging) only with --verbose, one
        // line each: SpLogging configures java.util.logging when the library first logs.
        System.setProperty("java.util.logging.config.class", SpLogging.class.getName());
        if (args.length > 0 && (args[0].equals("run") || args[0].equals("parallel"))) {
            warmUpBackend();
        }
        PrintStream out = new PrintStream(new BufferedOutputStream(new FileOutputStream(FileDescriptor.out)), false, UTF_8);
        PrintStream err = new PrintStream(new FileOutputStream(FileDescriptor.err), true, UTF_8);
        // The arguments as the bytes sp was given: the JVM's decoding of args replaced what the
        // locale could not decode.
        RawArgs raw = RawArgs.read(args, java.nio.file.Path.of("/proc/self/cmdline"), err);
        int status = execute(args, raw, out, err);
        out.flush();
        err.flush();
        System.exit(status);
    }

    /** Whether sp's own options (those before the first "--") hold --pass-fd. */
    private static boolean usesPassFd(String[] args) {
        for (String a : args) {
            if (a.equals("--")) {
                return false;
            }
            if (a.startsWith("--pass-fd")) {
                return true;
            }
        }
        return false;
    }

    /**
     * {@code -v/--verbose}: the library's log records are printed, one line each, on stderr
     * ({@link SpLogging}). Set as soon as it is parsed, for sp and each subcommand alike.
     */
    static OptionSpec verboseOption() {
        boolean[] value = {false};
        return OptionSpec.builder("-v", "--verbose").type(boolean.class)
                .getter(new picocli.CommandLine.Model.IGetter() {
                    @Override
                    @SuppressWarnings("unchecked")
                    public <T> T get() {
                        return (T) Boolean.valueOf(value[0]);
                    }
                })
                .setter(new picocli.CommandLine.Model.ISetter() {
                    @Override
                    @SuppressWarnings("unchecked")
                    public <T> T set(T v) {
                        boolean old = value[0];
                        value[0] = Boolean.TRUE.equals(v);
                        if (value[0]) {
                            SpLogging.verbose();
                        }
                        return (T) Boolean.valueOf(old);
                    }
                })
                .description("Print the library's log records, its debug records too (such as each"
                        + " spawn), one line each on stderr. Without it none is printed.").build();
    }

    /**
     * Starts the library's backend on a thread of its own while this one parses the arguments:
     * the backend's first use costs the JVM tens of milliseconds of class and method-handle
     * generation for its native calls, which {@code sp run} and {@code sp parallel} would
     * otherwise wait for after parsing (subprocess4j-cli/README.md, "Start-up"). The backend
     * starts once whoever comes first; the other waits for it. Nothing is started, so a bad
     * command line loses nothing.
     */
    private static void warmUpBackend() {
        Thread warmUp = new Thread(Main::startBackend, "sp-backend-warm-up");
        warmUp.setDaemon(true);
        warmUp.start();
    }

    private static void startBackend() {
        try {
            Subprocess.backend();
        } catch (RuntimeException | Error e) {
            // the main thread meets the same failure when it starts the command, and reports it
        }
    }

    /**
     * Runs {@code sp} with {@code args}, writing to {@code out} and {@code err} (flushed before it
     * returns), and returns the exit status instead of exiting. The command's inherited streams
     * are the JVM's file descriptors 0–2, not these.
     */
    static int execute(String[] args, PrintStream out, PrintStream err) {
        return execute(args, RawArgs.ofStrings(args), out, err);
    }

    /** {@link #execute(String[], PrintStream, PrintStream)} with {@code args} given as bytes too. */
    static int execute(String[] args, RawArgs raw, PrintStream out, PrintStream err) {
        PrintWriter outWriter = new PrintWriter(new OutputStreamWriter(out, out.charset()), true);
        PrintWriter errWriter = new PrintWriter(new OutputStreamWriter(err, err.charset()), true);
        CommandLine sp = args.length > 0 && FAST_PATHS.contains(args[0])
                ? commandLine(out, err, args[0], raw) : commandLine(out, err, raw);
        sp.setOut(outWriter)
                .setErr(errWriter)
                // Every argument from COMMAND on is the command's, even one that looks like an
                // option: `sp run ls -l` runs `ls -l`, as `timeout`, `env` and `nice` do.
                .setStopAtPositional(true)
                // `@file` arguments are the command's, never sp's: no expansion.
                .setExpandAtFiles(false)
                // `--progress always` as well as ALWAYS: the completion offers them in lower case.
                .setCaseInsensitiveEnumValuesAllowed(true)
                .setParameterExceptionHandler(Main::usageError)
                .setExecutionExceptionHandler((e, commandLine, parseResult) -> {
                    commandLine.getErr().println("sp: " + oneLine(String.valueOf(e)));
                    return commandLine.getCommand() instanceof ParallelCommand
                            ? ParallelCommand.EXIT_USAGE : RunCommand.EXIT_CANNOT_RUN;
                });
        try {
            return sp.execute(args);
        } finally {
            outWriter.flush();
            errWriter.flush();
            out.flush();
            err.flush();
        }
    }

    /**
     * The subcommands that run without the others' models: picocli reads every annotated field of
     * a command when it builds its model, and on {@code sp run} that is start-up time spent on
     * nothing. {@code completion} needs the whole tree; {@code sp --help} and misspelled commands
     * get it too.
     */
    private static final java.util.Set<String> FAST_PATHS = java.util.Set.of("run", "parallel", "bench");

    /**
     * sp's whole command tree (sp and every subcommand, with their options), writing to
     * {@code out} and {@code err}; sp parallel reads its jobs from the JVM's stdin. Also what the
     * build generates the man pages from, and what the tests list the options of.
     */
    static CommandLine commandLine(PrintStream out, PrintStream err) {
        return commandLine(out, err, RawArgs.ofStrings(new String[0]));
    }

    private static CommandLine commandLine(PrintStream out, PrintStream err, RawArgs raw) {
        CommandLine sp = new CommandLine(spec(new Main()));
        for (String name : List.of("run", "parallel", "bench", "completion")) {
            sp.addSubcommand(subcommand(name, out, err, raw));
        }
        return sp;
    }

    /** sp with only the subcommand {@code name}; {@code raw}: the arguments as bytes. */
    static CommandLine commandLine(PrintStream out, PrintStream err, String name, RawArgs raw) {
        return new CommandLine(spec(new Main())).addSubcommand(subcommand(name, out, err, raw));
    }

    private static CommandLine subcommand(String name, PrintStream out, PrintStream err, RawArgs raw) {
        return new CommandLine(switch (name) {
            case "run" -> RunCommand.spec(new RunCommand(out, err, raw));
            case "parallel" -> ParallelCommand.spec(new ParallelCommand(out, err, System.in, raw));
            case "bench" -> new BenchCommand(out, err);
            case "completion" -> new CompletionCommand(out);
            default -> throw new IllegalArgumentException("no subcommand " + name);
        });
    }

    /**
     * Bad usage: one line naming the problem (and picocli's suggestions for a misspelt option or
     * command), then where the help is, on stderr, as coreutils tools print it.
     */
    private static int usageError(ParameterException e, String[] args) {
        CommandLine commandLine = e.getCommandLine();
        PrintWriter err = commandLine.getErr();
        err.println("sp: " + oneLine(e.getMessage()));
        UnmatchedArgumentException.printSuggestions(e, err);
        err.println("Try '" + commandLine.getCommandSpec().qualifiedName() + " --help' for more information.");
        err.flush();
        return usageStatus(commandLine.getCommandSpec().name());
    }

    /**
     * The exit status for bad usage of {@code command}: 125 for {@code sp run}, as coreutils
     * {@code timeout} and {@code env} use for their own errors (so that it is not mistaken for
     * the command's status); 255 for {@code sp parallel}, as GNU parallel; 2 for the others.
     */
    static int usageStatus(String command) {
        return command.equals("run") ? RunCommand.EXIT_CANNOT_RUN
                : command.equals("parallel") ? ParallelCommand.EXIT_USAGE : EXIT_USAGE;
    }

    /** {@code sp} alone names no command: bad usage. */
    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "Missing required subcommand: use 'sp run'");
    }

    /**
     * {@code message} on one line: line breaks and other control characters (which an argv or a
     * path may hold) become {@code \}{@code uXXXX} escapes.
     */
    public static String oneLine(String message) {
        StringBuilder sb = new StringBuilder(message.length());
        for (int i = 0; i < message.length(); i++) {
            char c = message.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    /** {@code --version}: sp's version, the backend the library chose, and the JVM. */
    static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {
                "sp " + version(),
                "subprocess4j backend: " + Subprocess.backend(),
                "Java " + Runtime.version() + " (" + System.getProperty("java.vm.name") + ")",
            };
        }

        /** The Maven project version, filtered into version.properties at build time. */
        private static String version() {
            Properties p = new Properties();
            try (InputStream in = Main.class.getResourceAsStream("version.properties")) {
                if (in == null) {
                    return "(unknown version)";
                }
                p.load(in);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return p.getProperty("version", "(unknown version)");
        }
    }
}
