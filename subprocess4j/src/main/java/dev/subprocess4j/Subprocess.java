package dev.subprocess4j;

import dev.subprocess4j.internal.BackendSelector;
import java.util.List;

/**
 * Static entry points: one-liners for the common cases and the factories of {@link Command}.
 *
 * <h2>Examples</h2>
 * {@snippet :
 * Subprocess.checkCall("mkdir", "-p", "out");
 * String head = Subprocess.checkOutput("git", "rev-parse", "HEAD").strip();
 * int rc = Subprocess.call("diff", "-q", "a.txt", "b.txt");
 * CompletedProcess r = Subprocess.command("ls", "-l").captureOutput().timeout(Duration.ofSeconds(5)).run();
 * }
 *
 * <h2>Errors</h2>
 * {@link SpawnException} when the program cannot be started; {@link CalledProcessException} from
 * the {@code check*} methods on a non-zero exit; {@link IllegalArgumentException} for a bad argv.
 *
 * <h2>Python equivalent</h2>
 * The module-level functions of {@code subprocess}: {@code run}, {@code call}, {@code check_call},
 * {@code check_output}, {@code getoutput}, {@code getstatusoutput}.
 */
public final class Subprocess {
    private Subprocess() {}

    /**
     * A command running {@code program} with {@code args}. No shell is involved.
     *
     * @throws IllegalArgumentException for an empty program or a NUL byte in any argument
     */
    public static Command command(String program, String... args) {
        String[] argv = new String[args.length + 1];
        argv[0] = program;
        System.arraycopy(args, 0, argv, 1, args.length);
        return Command.of(java.util.Arrays.asList(argv));
    }

    /**
     * A command running {@code argv}; argv[0] is the program.
     *
     * @throws IllegalArgumentException for an empty argv or program, or a NUL byte in any argument
     */
    public static Command command(List<String> argv) {
        return Command.of(argv);
    }

    /**
     * A command running {@code argv} given as raw bytes (argv[0] is the program), for arguments
     * that are not text, such as file names in no particular encoding (Python accepts
     * {@code bytes} in {@code args}). The child gets exactly these bytes; the arrays are copied.
     * {@link Command#argv()} shows them decoded with UTF-8 and replacement,
     * {@link Command#argvBytes()} gives them back unchanged.
     *
     * {@snippet :
     * byte[] name = {'r', 'e', 'p', 'o', 'r', 't', (byte) 0xe9, '.', 't', 'x', 't'}; // Latin-1 "é"
     * Command c = Subprocess.command("ls".getBytes(StandardCharsets.US_ASCII), "-l".getBytes(StandardCharsets.US_ASCII), name);
     * }
     *
     * <h4>Platform behaviour</h4>
     * linux-native passes the bytes unchanged; a program name (argument 0) that is not valid
     * UTF-8 must contain a {@code /} or be run through {@code Command.executable} (the lookup in
     * {@code PATH} works on text; a bare one is refused with {@link IllegalArgumentException} when
     * the command starts, as is a lookup in a {@code PATH} given as such bytes). The jdk backend
     * passes arguments that are not valid UTF-8 only when they decode and encode back unchanged in
     * the JVM's {@code sun.jnu.encoding} (the charset {@code ProcessBuilder} encodes with), else it
     * refuses them with {@link UnsupportedOperationException} naming the argument. The ssh and
     * Slurm launchers refuse arguments that are not valid UTF-8 with
     * {@link UnsupportedOperationException}.
     *
     * @throws IllegalArgumentException for an empty argv or program, or a NUL byte in any argument
     *     (naming the argument and the index)
     */
    public static Command command(byte[]... argv) {
        return Command.ofBytes(argv);
    }

    /**
     * A command running {@code script} with {@code /bin/sh -c}: the only way this library uses a
     * shell. Quote untrusted values with {@link Shlex#quote(String)}.
     */
    public static Command shell(String script) {
        return Command.of(List.of("/bin/sh", "-c", script));
    }

    /**
     * Runs {@code argv} with inherited streams and waits; no check, as Python's {@code run(args)}.
     */
    public static CompletedProcess run(String... argv) {
        return Command.of(java.util.Arrays.asList(argv)).run();
    }

    /** Runs {@code argv} and returns its return code. Python's {@code call}. */
    public static int call(String... argv) {
        return run(argv).returnCode();
    }

    /**
     * Runs {@code argv} and checks it exited with 0. Python's {@code check_call}.
     *
     * @throws CalledProcessException on a non-zero return code
     */
    public static void checkCall(String... argv) {
        Command.of(java.util.Arrays.asList(argv)).check().run();
    }

    /**
     * Runs {@code argv} and returns its stdout, decoded as UTF-8 (stderr is inherited). Python's
     * {@code check_output(args, text=True)}.
     *
     * @throws CalledProcessException on a non-zero return code, with the output
     */
    public static String checkOutput(String... argv) {
        return Command.of(java.util.Arrays.asList(argv)).stdout(Redirect.PIPE).check().run().stdout();
    }

    /**
     * Runs {@code shellScript} with {@code /bin/sh -c}, stderr merged into stdout, and returns the
     * output with one trailing newline removed. Python's {@code getoutput}.
     */
    public static String getOutput(String shellScript) {
        return getStatusOutput(shellScript).output();
    }

    /**
     * Runs {@code shellScript} with {@code /bin/sh -c}, stderr merged into stdout; returns the
     * status and the output with one trailing newline removed. Python's {@code getstatusoutput}.
     */
    public static StatusOutput getStatusOutput(String shellScript) {
        CompletedProcess r = shell(shellScript).stdout(Redirect.PIPE).stderr(Redirect.STDOUT).run();
        String out = r.stdout();
        if (out.endsWith("\n")) {
            out = out.substring(0, out.length() - 1);
        }
        return new StatusOutput(r.returnCode(), out);
    }

    /**
     * A pipeline of {@code stages}, each one's stdout joined to the next one's stdin by a pipe
     * between the children (the shell's {@code a | b | c}, without a shell).
     *
     * @throws IllegalArgumentException for no stage, or stages that cannot be joined (see {@link Pipeline})
     */
    public static Pipeline pipeline(Command... stages) {
        return Pipeline.of(java.util.Arrays.asList(stages));
    }

    /** The backend this JVM uses: {@code linux-native} or {@code jdk}. */
    public static String backend() {
        return BackendSelector.get().name();
    }
}
