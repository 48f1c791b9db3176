package dev.subprocess4j;

import dev.subprocess4j.internal.Backend;
import dev.subprocess4j.internal.BackendSelector;
import dev.subprocess4j.internal.ByteString;
import dev.subprocess4j.internal.ChildProcess;
import dev.subprocess4j.internal.JvmProcess;
import dev.subprocess4j.internal.SpawnRequest;
import dev.subprocess4j.internal.TextCodec;
import dev.subprocess4j.internal.jfr.SpawnRecording;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * An immutable description of a process to start: argv, streams, environment, directory,
 * timeout, signals, limits and credentials.
 *
 * <p>Every method returns a new {@code Command}; the original is unchanged, so a command can be
 * shared between threads, kept in a constant and run many times.
 *
 * <h2>Examples</h2>
 * {@snippet :
 * CompletedProcess r = Subprocess.command("git", "status", "--short")
 *         .cwd(Path.of("/src/project"))
 *         .captureOutput()
 *         .timeout(Duration.ofSeconds(10))
 *         .check()
 *         .run();
 * System.out.print(r.stdout());
 *
 * try (Popen p = Subprocess.command("cat").stdin(Redirect.PIPE).stdout(Redirect.PIPE).start()) {
 *     CompletedProcess echoed = p.communicate("hello".getBytes(), Duration.ofSeconds(5));
 * }
 * }
 *
 * <h2>Defaults</h2>
 * All three streams inherited; no input; UTF-8 with replacement and universal newlines; no
 * timeout, no check; the JVM's directory and environment; {@code closeFds(true)},
 * {@code restoreSignals(true)}; on timeout {@code killSignal} SIGKILL, {@code killGrace} 5 s (used
 * only when the kill signal is not SIGKILL), and the whole group is killed only when the child
 * has one of its own ({@code startNewSession()} or {@code processGroup(0)}).
 *
 * <h2>Errors</h2>
 * Bad values are rejected by the method that receives them with {@link IllegalArgumentException}
 * naming the value: an empty argv or program, a NUL byte or unpaired surrogate in an argument,
 * an environment key or value (a value is never shown, only its key), {@code =} in an environment
 * key, a negative timeout or grace, a soft limit above the hard one, a passed fd below 3, an
 * umask outside 0–0777, a redirect that does not fit the stream, and {@code input(...)} together
 * with a stdin other than {@code PIPE}. An unknown user or group name makes {@link #run()} and
 * {@link #start()} throw {@link IllegalArgumentException} naming it, before anything is started.
 * Options the backend cannot honour make them throw {@link UnsupportedOperationException} naming
 * the option and the backend. A child that cannot be started raises {@link SpawnException}, whose
 * step says what failed (the exec, the directory, a redirect, a limit, a user change...).
 *
 * <h2>Platform behaviour</h2>
 * On Linux (the {@code linux-native} backend) the program itself is executed by a vfork-style
 * clone of the library's C code (shipped compiled in its jar) that shares the JVM's fd table and
 * gives the child a table of its own with only the fds it needs, so a spawn never copies the
 * JVM's open fds. The same code sets {@link #rlimit}, {@link #umask} and
 * {@link #killOnParentExit()} in the child between the clone and the exec, at about the cost of a
 * plain spawn, and makes a {@link #pty()}'s terminal the child's controlling terminal; {@link #passFds} and {@code closeFds(false)} make the clone copy the JVM's fd
 * table instead; {@link #user}, {@link #group} and {@link #extraGroups} run the library's helper
 * program first (one more exec). On a kernel without {@code close_range(CLOSE_RANGE_UNSHARE)}
 * the clone copies the JVM's fd table (those options still work); on a platform the jar has no
 * code for, a command without those options is started with {@code posix_spawn}, and one with
 * them is refused with {@link UnsupportedOperationException}. The code is placed at first use in a sealed
 * {@code memfd} (or a private file removed at once) and used only through its open fd. The jdk
 * backend refuses those options.
 *
 * <h2>Program lookup</h2>
 * A bare program name is looked up in {@code PATH} of the environment the child will get
 * ({@code /bin:/usr/bin} when it has none); a name containing {@code /} is used as is, relative
 * to {@link #cwd(Path)} when one is set. A file without a {@code #!} line fails with ENOEXEC on
 * the native backend (the JDK backend runs it with {@code /bin/sh}).
 *
 * <h2>Thread safety</h2>
 * Immutable and thread-safe.
 *
 * <h2>Python equivalent</h2>
 * The keyword arguments of {@code subprocess.run} and {@code subprocess.Popen}.
 */
public final class Command {
    /** The mutable state behind one immutable command; never changed after construction. */
    private static final class Spec implements Cloneable {
        List<String> argv; // for byte arguments: decoded with UTF-8 and replacement, for display
        byte[][] rawArgv; // the exact argv when some byte argument is not valid UTF-8, else null
        Redirect stdin = Redirect.INHERIT;
        Redirect stdout = Redirect.INHERIT;
        Redirect stderr = Redirect.INHERIT;
        byte[] inputBytes;
        String inputText;
        Charset encoding = TextCodec.DEFAULT.charset();
        CodingErrorAction errors = TextCodec.DEFAULT.errors();
        boolean universalNewlines = true;
        Duration timeout;
        boolean check;
        Path cwd;
        boolean inheritEnv = true;
        Map<String, String> envChanges = Map.of(); // a null value removes the key
        // Variables given as bytes that are not valid UTF-8 (key or value); their keys are never in envChanges.
        Map<ByteString, byte[]> rawEnv = Map.of();
        Path executable;
        boolean startNewSession;
        Integer processGroup;
        String user;
        String group;
        List<String> extraGroups;
        Integer umask;
        Map<Rlimit, long[]> rlimits = Map.of();
        int[] passFds = new int[0];
        boolean closeFds = true;
        boolean restoreSignals = true;
        boolean killOnParentExit;
        Signal killSignal = Signal.SIGKILL;
        Duration killGrace = Duration.ofSeconds(5);
        Boolean killGroupOnTimeout;
        Backend backend;
        Launcher launcher = Launcher.local();
        int[] pty; // {columns, rows}, or null

        @Override
        protected Spec clone() {
            try {
                return (Spec) super.clone();
            } catch (CloneNotSupportedException e) {
                throw new AssertionError(e);
            }
        }
    }

    private final Spec spec;

    /** {@code TERM} of a child on a {@link #pty()} whose environment has none. */
    static final String DEFAULT_TERM = "xterm-256color";
    private static final ByteString TERM_BYTES = new ByteString("TERM".getBytes(StandardCharsets.US_ASCII));

    private Command(Spec spec) {
        this.spec = spec;
    }

    static Command of(List<String> argv) {
        Objects.requireNonNull(argv, "argv");
        if (argv.isEmpty()) {
            throw new IllegalArgumentException("argv must not be empty");
        }
        List<String> copy = new ArrayList<>(argv.size());
        for (int i = 0; i < argv.size(); i++) {
            String a = argv.get(i);
            if (a == null) {
                throw new IllegalArgumentException("argument " + i + " is null");
            }
            Validation.checkArgument(a, i);
            copy.add(a);
        }
        if (copy.getFirst().isEmpty()) {
            throw new IllegalArgumentException("the program (argument 0) must not be empty");
        }
        Spec s = new Spec();
        s.argv = Collections.unmodifiableList(copy);
        return new Command(s);
    }

    static Command ofBytes(byte[][] argv) {
        Objects.requireNonNull(argv, "argv");
        if (argv.length == 0) {
            throw new IllegalArgumentException("argv must not be empty");
        }
        byte[][] copy = new byte[argv.length][];
        List<String> display = new ArrayList<>(argv.length);
        boolean allUtf8 = true;
        for (int i = 0; i < argv.length; i++) {
            if (argv[i] == null) {
                throw new IllegalArgumentException("argument " + i + " is null");
            }
            copy[i] = argv[i].clone();
            int nul = ByteString.indexOf(copy[i], 0);
            if (nul >= 0) {
                throw new IllegalArgumentException("NUL byte in argument " + i + " at index " + nul + ": "
                        + Validation.printable(ByteString.display(copy[i])));
            }
            String text = ByteString.decode(copy[i], StandardCharsets.UTF_8);
            allUtf8 &= text != null;
            display.add(text != null ? text : ByteString.display(copy[i]));
        }
        if (copy[0].length == 0) {
            throw new IllegalArgumentException("the program (argument 0) must not be empty");
        }
        Spec s = new Spec();
        s.argv = Collections.unmodifiableList(display);
        s.rawArgv = allUtf8 ? null : copy; // valid UTF-8 is exactly what the strings encode to
        return new Command(s);
    }

    private Command with(java.util.function.Consumer<Spec> change) {
        Spec s = spec.clone();
        change.accept(s);
        return new Command(s);
    }

    // ---- streams ------------------------------------------------------------------------------

    /**
     * Where stdin comes from. Default {@link Redirect#INHERIT}.
     *
     * @throws IllegalArgumentException for {@link Redirect#STDOUT}, an output-only redirect, or
     *     anything but {@code PIPE} after {@link #input(byte[])}
     */
    public Command stdin(Redirect r) {
        Objects.requireNonNull(r, "stdin redirect");
        if (r == Redirect.STDOUT || r instanceof Redirect.WriteFile || r instanceof Redirect.ToStream
                || r instanceof Redirect.Lines) {
            throw new IllegalArgumentException("not a redirect for stdin: " + r);
        }
        if ((spec.inputBytes != null || spec.inputText != null) && r != Redirect.PIPE) {
            throw new IllegalArgumentException("stdin " + r + " conflicts with input(...), which needs stdin PIPE");
        }
        return with(s -> s.stdin = r);
    }

    /**
     * Where stdout goes. Default {@link Redirect#INHERIT}.
     *
     * @throws IllegalArgumentException for {@link Redirect#STDOUT} or an input-only redirect
     */
    public Command stdout(Redirect r) {
        checkOutput(r, "stdout");
        if (r == Redirect.STDOUT) {
            throw new IllegalArgumentException("Redirect.STDOUT is for stderr only");
        }
        return with(s -> s.stdout = r);
    }

    /**
     * Where stderr goes; {@link Redirect#STDOUT} merges it into stdout. Default
     * {@link Redirect#INHERIT}.
     *
     * @throws IllegalArgumentException for an input-only redirect
     */
    public Command stderr(Redirect r) {
        checkOutput(r, "stderr");
        return with(s -> s.stderr = r);
    }

    private static void checkOutput(Redirect r, String stream) {
        Objects.requireNonNull(r, stream + " redirect");
        if (r instanceof Redirect.ReadFile || r instanceof Redirect.FromStream) {
            throw new IllegalArgumentException("not a redirect for " + stream + ": " + r);
        }
    }

    /**
     * Bytes written to the child's stdin by {@link #run()} (and by {@link Popen#communicate()}),
     * then stdin is closed. Implies stdin {@link Redirect#PIPE}.
     *
     * @throws IllegalArgumentException when stdin was set to something other than {@code PIPE}
     */
    public Command input(byte[] data) {
        Objects.requireNonNull(data, "input");
        checkInputAllowed();
        byte[] copy = data.clone();
        return with(s -> {
            s.inputBytes = copy;
            s.inputText = null;
            s.stdin = Redirect.PIPE;
        });
    }

    /**
     * Text written to the child's stdin, encoded with {@link #encoding(Charset)} when the child
     * starts. Implies stdin {@link Redirect#PIPE}.
     *
     * @throws IllegalArgumentException when stdin was set to something other than {@code PIPE}
     */
    public Command input(String text) {
        Objects.requireNonNull(text, "input");
        checkInputAllowed();
        return with(s -> {
            s.inputText = text;
            s.inputBytes = null;
            s.stdin = Redirect.PIPE;
        });
    }

    private void checkInputAllowed() {
        if (spec.stdin != Redirect.INHERIT && spec.stdin != Redirect.PIPE) {
            throw new IllegalArgumentException("input(...) conflicts with stdin " + spec.stdin + "; it needs stdin PIPE");
        }
    }

    /** Captures stdout and stderr: both {@link Redirect#PIPE}. Python's {@code capture_output=True}. */
    public Command captureOutput() {
        return with(s -> {
            s.stdout = Redirect.PIPE;
            s.stderr = Redirect.PIPE;
        });
    }

    /** The charset for {@code input(String)} and for decoding output. Default UTF-8. */
    public Command encoding(Charset cs) {
        Objects.requireNonNull(cs, "encoding");
        if (!cs.canEncode()) {
            throw new IllegalArgumentException("encoding cannot encode text: " + cs);
        }
        return with(s -> s.encoding = cs);
    }

    /**
     * What decoding does with malformed input: {@link CodingErrorAction#REPLACE} (default),
     * {@link CodingErrorAction#REPORT} (text accessors throw {@link java.io.UncheckedIOException})
     * or {@link CodingErrorAction#IGNORE}.
     */
    public Command errors(CodingErrorAction a) {
        Objects.requireNonNull(a, "errors");
        return with(s -> s.errors = a);
    }

    /**
     * Whether {@code \r\n} and {@code \r} read as {@code \n} in decoded text (Python's text mode).
     * Default true. Bytes are never changed.
     */
    public Command universalNewlines(boolean on) {
        return with(s -> s.universalNewlines = on);
    }

    /**
     * Runs the child on a new pseudo-terminal of 80 columns and 24 rows: {@link #pty(int, int)}.
     *
     * @return the changed command
     */
    public Command pty() {
        return pty(80, 24);
    }

    /**
     * Runs the child on a new pseudo-terminal of {@code columns} x {@code rows}: programs see a
     * terminal ({@code isatty}), so they colour, line-buffer, prompt and draw as for a user.
     *
     * <p>The child leads a new session ({@link #startNewSession()} is implied, so a timeout kills
     * its whole group by default) whose controlling terminal is the pty, on fds 0-2 except those
     * redirected explicitly: stdin and stdout left at {@link Redirect#INHERIT} (the default) or
     * {@link Redirect#PIPE} are the terminal, and stderr left at {@code INHERIT} is the terminal too.
     * {@link Popen#stdin()} writes to the terminal as a keyboard would (so {@code "\u0003"} is
     * Ctrl-C, sending SIGINT to the foreground job, and {@code "\u0004"} at the start of a line is
     * end of input: closing {@code stdin()} does not end a terminal's input); {@link Popen#stdout()}
     * reads everything the terminal shows, stderr included unless it was redirected (with
     * {@link #captureOutput()}, stderr is a pipe of its own; use {@code stdout(Redirect.PIPE)} alone
     * for the whole transcript). {@link Popen#resize(int, int)} changes the window size.
     * {@code from}/{@code to}/{@code lines} redirects of stdin and stdout pump the terminal.
     *
     * <p>Everything the child (and its descendants while they hold the terminal) wrote before it
     * exited is read: the {@code EIO} a master gives once no one holds the terminal any more is
     * end of file. {@link CompletedProcess#stdoutBytes()} is the raw transcript (the terminal's
     * {@code \r\n} line ends, its echo of the input), {@link CompletedProcess#stdout()} decodes it
     * with universal newlines.
     *
     * <p>{@code TERM} is kept from the child's environment; when it has none the child gets
     * {@code TERM=xterm-256color}, what most terminal emulators set (set {@code env("TERM", ...)} to
     * say what your reader understands, e.g. {@code dumb}).
     *
     * <h4>Platform behaviour</h4>
     * linux-native: the master is {@code /dev/ptmx} ({@code posix_openpt}, non-blocking, served by
     * the reactor like a pipe), the slave opened through it ({@code TIOCGPTPEER}, never by name);
     * the window size is set before the spawn; the child calls {@code setsid()} and
     * {@code ioctl(TIOCSCTTY)} (a failure of the latter is a {@link SpawnException} with step
     * {@code SETSID}). With {@link #user(String)} the slave is given to that user first
     * ({@code fchown}), as login programs do; its group and mode stay devpts' ({@code tty}, 0620).
     * Refused by the jdk backend and by remote launchers ({@link UnsupportedOperationException}).
     * Cannot be used with stdout redirected away from the terminal (no one would read it).
     *
     * @param columns the window's width, 1..65535
     * @param rows the window's height, 1..65535
     * @return the changed command
     * @throws IllegalArgumentException when a size is out of range
     */
    public Command pty(int columns, int rows) {
        checkWindowSize(columns, rows);
        int[] size = {columns, rows};
        return with(s -> s.pty = size);
    }

    static void checkWindowSize(int columns, int rows) {
        if (columns < 1 || columns > 65535) {
            throw new IllegalArgumentException("pty columns must be 1..65535: " + columns);
        }
        if (rows < 1 || rows > 65535) {
            throw new IllegalArgumentException("pty rows must be 1..65535: " + rows);
        }
    }

    // ---- lifetime -----------------------------------------------------------------------------

    /**
     * A deadline for the child's whole life, counted from its start, whether it runs through
     * {@link #run()} or {@link #start()}: when it passes, the child (its group when
     * {@link #killGroupOnTimeout(boolean)}) gets {@link #killSignal(Signal)}, then SIGKILL after
     * {@link #killGrace(Duration)}. {@code run()} then throws {@link TimeoutExpiredException} with
     * the output read so far. The deadline bounds {@code run()}, {@code runAsync()}, pipelines and
     * pool jobs in every case: also when the child exits before it while something it started
     * still holds its pipes, the call ends with {@code TimeoutExpiredException} (everything read
     * until then) no later than the deadline plus the drain grace (1 s). Default: none.
     *
     * @throws IllegalArgumentException when negative
     */
    public Command timeout(Duration d) {
        Validation.checkDuration(d, "timeout");
        return with(s -> s.timeout = d);
    }

    /** Makes {@link #run()} throw {@link CalledProcessException} on a non-zero exit. Python's {@code check=True}. */
    public Command check() {
        return with(s -> s.check = true);
    }

    /** The signal sent when the timeout passes. Default SIGKILL. */
    public Command killSignal(Signal sig) {
        Objects.requireNonNull(sig, "killSignal");
        return with(s -> s.killSignal = sig);
    }

    /**
     * How long to wait after {@link #killSignal(Signal)} before SIGKILL. Default 5 s.
     *
     * @throws IllegalArgumentException when negative
     */
    public Command killGrace(Duration d) {
        Validation.checkDuration(d, "killGrace");
        return with(s -> s.killGrace = d);
    }

    /**
     * Whether the timeout kill goes to the child's whole process group. Default: true after
     * {@link #startNewSession()} or {@code processGroup(0)}, else false.
     *
     * <p>{@code true} needs a group that is not the JVM's: {@link #run()}, {@link #start()} and
     * {@link #runAsync()} reject it with {@link IllegalArgumentException} naming the conflict
     * unless {@link #startNewSession()} or {@link #processGroup(int)} is set too (in any order),
     * before anything is started: it is never silently ignored. (A pipeline's stages share a
     * group of their own on the native backend, so there it needs neither.)
     */
    public Command killGroupOnTimeout(boolean on) {
        return with(s -> s.killGroupOnTimeout = on);
    }

    // ---- environment --------------------------------------------------------------------------

    /**
     * The working directory of the child. Default: the JVM's.
     */
    public Command cwd(Path dir) {
        Objects.requireNonNull(dir, "cwd");
        Validation.checkString(dir.toString(), "cwd");
        return with(s -> s.cwd = dir);
    }

    /**
     * Replaces the inherited environment with exactly {@code env}.
     *
     * @throws IllegalArgumentException for an empty key, {@code =} or NUL in a key, NUL in a value
     */
    public Command env(Map<String, String> env) {
        Objects.requireNonNull(env, "env");
        Map<String, String> copy = new LinkedHashMap<>();
        env.forEach((k, v) -> {
            Validation.checkEnv(k, v);
            copy.put(k, v);
        });
        return with(s -> {
            s.inheritEnv = false;
            s.envChanges = Collections.unmodifiableMap(copy);
            s.rawEnv = Map.of();
        });
    }

    /**
     * Sets one variable in the child's environment (on top of the inherited one, or of
     * {@link #env(Map)}).
     *
     * @throws IllegalArgumentException for an empty key, {@code =} or NUL in the key, NUL in the value
     */
    public Command putEnv(String key, String value) {
        Validation.checkEnv(key, value);
        return withEnvChange(key, value);
    }

    /**
     * Sets one variable in the child's environment from raw bytes, for keys and values that are
     * not text (Python accepts {@code bytes} in {@code env}); the child gets exactly
     * {@code key=value}. Bytes that are valid UTF-8 act as {@link #putEnv(String, String)} with
     * their decoded strings; a later {@code putEnv} or {@link #removeEnv} of the same key (the
     * same bytes) replaces or removes it. The arrays are copied.
     *
     * <h4>Platform behaviour</h4>
     * linux-native passes the bytes unchanged. The jdk backend passes bytes that are not valid
     * UTF-8 only when they decode and encode back unchanged in the JVM's
     * {@code sun.jnu.encoding} (the charset {@code ProcessBuilder} encodes with), else it refuses
     * them with {@link UnsupportedOperationException} naming the key. The ssh and Slurm launchers
     * refuse keys and values that are not valid UTF-8 with {@link UnsupportedOperationException}.
     *
     * @throws IllegalArgumentException for an empty key, {@code =} or NUL in the key, NUL in the
     *     value (the message gives the index, never the value)
     */
    public Command putEnv(byte[] key, byte[] value) {
        Objects.requireNonNull(key, "environment key");
        Objects.requireNonNull(value, "environment value");
        byte[] k = key.clone();
        byte[] v = value.clone();
        String shownKey = Validation.printable(ByteString.display(k));
        if (k.length == 0) {
            throw new IllegalArgumentException("environment key must not be empty");
        }
        int eq = ByteString.indexOf(k, '=');
        if (eq >= 0) {
            throw new IllegalArgumentException("'=' in environment key at index " + eq + ": " + shownKey);
        }
        int nul = ByteString.indexOf(k, 0);
        if (nul >= 0) {
            throw new IllegalArgumentException("NUL byte in environment key at index " + nul + ": " + shownKey);
        }
        nul = ByteString.indexOf(v, 0);
        if (nul >= 0) {
            throw new IllegalArgumentException("NUL byte at index " + nul + " in the value of environment key " + shownKey);
        }
        String textKey = ByteString.decode(k, StandardCharsets.UTF_8);
        String textValue = ByteString.decode(v, StandardCharsets.UTF_8);
        if (textKey != null && textValue != null) {
            return withEnvChange(textKey, textValue);
        }
        Map<String, String> changes = new LinkedHashMap<>(spec.envChanges);
        if (textKey != null) {
            changes.remove(textKey); // the raw entry replaces it (and the inherited one: see toRequest)
        }
        Map<ByteString, byte[]> raw = new LinkedHashMap<>(spec.rawEnv);
        raw.remove(new ByteString(k));
        raw.put(new ByteString(k), v);
        Map<String, String> frozenChanges = Collections.unmodifiableMap(changes);
        Map<ByteString, byte[]> frozenRaw = Collections.unmodifiableMap(raw);
        return with(s -> {
            s.envChanges = frozenChanges;
            s.rawEnv = frozenRaw;
        });
    }

    /** Removes one variable from the child's environment. */
    public Command removeEnv(String key) {
        Validation.checkEnvKey(key);
        return withEnvChange(key, null);
    }

    private Command withEnvChange(String key, String value) {
        Map<String, String> copy = new LinkedHashMap<>(spec.envChanges);
        if (value == null && !spec.inheritEnv) {
            copy.remove(key);
        } else {
            copy.remove(key); // keep insertion order meaning "last change wins"
            copy.put(key, value);
        }
        Map<String, String> frozen = Collections.unmodifiableMap(copy);
        ByteString keyBytes = new ByteString(key.getBytes(StandardCharsets.UTF_8));
        Map<ByteString, byte[]> raw = spec.rawEnv;
        if (raw.containsKey(keyBytes)) {
            Map<ByteString, byte[]> rawCopy = new LinkedHashMap<>(raw);
            rawCopy.remove(keyBytes);
            raw = Collections.unmodifiableMap(rawCopy);
        }
        Map<ByteString, byte[]> frozenRaw = raw;
        return with(s -> {
            s.envChanges = frozen;
            s.rawEnv = frozenRaw;
        });
    }

    /** Starts the child with an empty environment (then {@link #putEnv} adds to it). */
    public Command clearEnv() {
        return with(s -> {
            s.inheritEnv = false;
            s.envChanges = Map.of();
            s.rawEnv = Map.of();
        });
    }

    /**
     * Executes {@code program} while argv[0] stays as given. Python's {@code executable=}.
     */
    public Command executable(Path program) {
        Objects.requireNonNull(program, "executable");
        Validation.checkString(program.toString(), "executable");
        if (program.toString().isEmpty()) {
            throw new IllegalArgumentException("executable must not be empty");
        }
        return with(s -> s.executable = program);
    }

    // ---- process relations --------------------------------------------------------------------

    /** The child calls {@code setsid()}: a new session and process group, no controlling terminal. */
    public Command startNewSession() {
        return with(s -> s.startNewSession = true);
    }

    /**
     * The child joins process group {@code pgid}; 0 makes it the leader of a new group.
     * Python's {@code process_group=}.
     *
     * @throws IllegalArgumentException when negative, or when {@code pgid} is the JVM's own group
     *     (a signal to the child's group would then reach the JVM; a child that shares it needs no
     *     setting at all)
     */
    public Command processGroup(int pgid) {
        if (pgid < 0) {
            throw new IllegalArgumentException("processGroup must be 0 (a new group) or a group id: " + pgid);
        }
        if (pgid > 0 && JvmProcess.processGroup().orElse(-1) == pgid) {
            throw new IllegalArgumentException("processGroup(" + pgid + ") is the JVM's own process group: signalGroup "
                    + "and killGroupOnTimeout would signal the JVM; use processGroup(0) for a new group");
        }
        return with(s -> s.processGroup = pgid);
    }

    /**
     * Runs the child as this user (name or numeric uid). Without {@link #group(String)} the child
     * gets the user's primary group, and no supplementary group unless {@link #extraGroups} names
     * them (Python keeps the parent's). Default: the JVM's user.
     *
     * <h4>Platform behaviour</h4>
     * linux-native: names are looked up in the JVM with {@code getpwnam_r} (every NSS source
     * answers); an unknown name, or a numeric uid without a password entry and without
     * {@code group(...)}, fails at {@code run()}/{@code start()} with
     * {@link IllegalArgumentException} before anything is started. The ids change in the library's
     * exec'd helper, {@code subprocess4j-helper}, which then executes the program: real, effective
     * and saved ids all change, so the program cannot switch back. That costs one more exec per
     * spawn (about 1.8&times; a plain spawn) and keeps the JVM dumpable, which a change in a child
     * sharing the JVM's memory would not. The jdk backend refuses this option.
     *
     * @throws IllegalArgumentException (here) for an empty name, or one holding a NUL, a colon or
     *     a newline
     */
    public Command user(String nameOrUid) {
        Validation.checkName(nameOrUid, "user");
        return with(s -> s.user = nameOrUid);
    }

    /**
     * Runs the child with this group (name or numeric gid) as its real, effective and saved gid.
     * Alone (without {@link #user(String)}) it changes the gid only, as Python's {@code group=}.
     * Default: the user's primary group after {@code user(...)}, else the JVM's.
     *
     * <h4>Platform behaviour</h4>
     * As {@link #user(String)}: looked up with {@code getpwnam_r}'s sibling {@code getgrnam_r},
     * changed by the exec'd helper; refused by the jdk backend.
     */
    public Command group(String nameOrGid) {
        Validation.checkName(nameOrGid, "group");
        return with(s -> s.group = nameOrGid);
    }

    /**
     * The child's supplementary groups (names or numeric gids); none when called with no argument.
     * Default: none after {@code user(...)}, else the JVM's.
     *
     * <h4>Platform behaviour</h4>
     * As {@link #user(String)}: changed by the exec'd helper with {@code setgroups}, which needs
     * privilege (an unprivileged JVM may only name the groups it already has); refused by the jdk
     * backend.
     */
    public Command extraGroups(String... groups) {
        Objects.requireNonNull(groups, "extraGroups");
        for (String g : groups) {
            Validation.checkName(g, "extra group");
        }
        List<String> copy = List.of(groups);
        return with(s -> s.extraGroups = copy);
    }

    /**
     * The child's umask. Default: the JVM's.
     *
     * <h4>Platform behaviour</h4>
     * linux-native: set in the child by the library's C code between the clone and the exec
     * (the JVM's umask never changes), at about the cost of a plain spawn. Refused by the jdk
     * backend.
     *
     * @throws IllegalArgumentException outside 0–0777
     */
    public Command umask(int mask) {
        if (mask < 0 || mask > 0777) {
            // in octal as umasks are written, but a negative value as given (toOctalString would show 037777777777 for -1)
            throw new IllegalArgumentException("umask must be between 0 and 0777: "
                    + (mask < 0 ? Integer.toString(mask) : "0" + Integer.toOctalString(mask)));
        }
        return with(s -> s.umask = mask);
    }

    /**
     * A resource limit set in the child only (never in the JVM). {@link Rlimit#UNLIMITED} is
     * {@code RLIM_INFINITY}. Default: the JVM's limits.
     *
     * <h4>Platform behaviour</h4>
     * linux-native: {@code setrlimit} in the child, by the library's C code between the clone and
     * the exec, as the last step before the exec (after the redirects, directory, session, ids
     * and umask, as Python's {@code preexec_fn} and Rust's {@code pre_exec}), so no limit breaks
     * the set-up: {@code rlimit(NOFILE, 0, 0)} works. With {@link #user(String)} the exec'd helper
     * sets it after the id change (so the limit binds the program and not the helper, and the new
     * user may lower a hard limit but not raise it), at about the cost of a plain spawn. Raising a hard limit needs
     * {@code CAP_SYS_RESOURCE}; without it that fails as a {@link SpawnException} with step
     * {@code RLIMIT} and {@code EPERM}. A limit the program exceeds ends it as the kernel says
     * (CPU: SIGXCPU, read as {@code -24}; FSIZE: SIGXFSZ). Refused by the jdk backend.
     *
     * @throws IllegalArgumentException for a negative value or a soft limit above the hard one
     */
    public Command rlimit(Rlimit resource, long soft, long hard) {
        Objects.requireNonNull(resource, "resource");
        if (soft < 0 || hard < 0) {
            throw new IllegalArgumentException("rlimit " + resource + " must not be negative: soft " + soft + ", hard " + hard);
        }
        if (soft > hard) {
            throw new IllegalArgumentException("rlimit " + resource + ": soft limit " + soft + " is above the hard limit " + hard);
        }
        Map<Rlimit, long[]> copy = new EnumMap<>(Rlimit.class);
        copy.putAll(spec.rlimits);
        copy.put(resource, new long[] {soft, hard});
        Map<Rlimit, long[]> frozen = Collections.unmodifiableMap(copy);
        return with(s -> s.rlimits = frozen);
    }

    /**
     * File descriptors of the JVM kept open in the child, at the same numbers; all others but 0–2
     * are closed. Python's {@code pass_fds}. Default: none.
     *
     * <h4>Platform behaviour</h4>
     * linux-native: the child clears close-on-exec on them (the JVM's own fds keep it) and
     * closes every other fd from 3 with {@code close_range}; an fd that is not open fails as a
     * {@link SpawnException} with step {@code FDS} and {@code EBADF}. Refused by the jdk backend.
     *
     * @throws IllegalArgumentException for a number below 3
     */
    public Command passFds(int... fds) {
        Objects.requireNonNull(fds, "passFds");
        for (int fd : fds) {
            if (fd < 3) {
                throw new IllegalArgumentException("passFds takes fds 3 and up (0-2 are always passed): " + fd);
            }
        }
        int[] copy = Arrays.stream(fds).distinct().sorted().toArray();
        return with(s -> s.passFds = copy);
    }

    /** Whether every fd but 0–2 and {@link #passFds} is closed in the child. Default true. */
    public Command closeFds(boolean close) {
        return with(s -> s.closeFds = close);
    }

    /** Whether signals 1–31 start at their default dispositions in the child. Default true. */
    public Command restoreSignals(boolean restore) {
        return with(s -> s.restoreSignals = restore);
    }

    /**
     * The child gets SIGKILL when the JVM dies, however it dies (even by SIGKILL). Default: off;
     * a child outlives the JVM, as in Python.
     *
     * <h4>Platform behaviour</h4>
     * linux-native: {@code PR_SET_PDEATHSIG(SIGKILL)} in the child, after any user change (which
     * clears it), followed by a check that the JVM is still its parent. Linux sends the signal
     * when the <em>thread</em> that created the child ends, not the process, so these children
     * are created by the library's long-lived daemon threads {@code subprocess4j-spawner-N}, never by
     * the calling thread: a child started from a short-lived thread lives as long as the JVM.
     * Only the child is killed, not its own children. Refused by the jdk backend.
     */
    public Command killOnParentExit() {
        return with(s -> s.killOnParentExit = true);
    }

    /**
     * Runs the command through {@code launcher}: {@link Launcher#local()} (the default) or another
     * host ({@link SshLauncher}). What a launcher cannot honour is refused when the command starts,
     * with {@link UnsupportedOperationException} naming the option and the launcher.
     */
    public Command on(Launcher launcher) {
        Objects.requireNonNull(launcher, "launcher");
        return with(s -> s.launcher = launcher);
    }

    /** Where the command runs; {@link Launcher#local()} unless {@link #on(Launcher)} said otherwise. */
    public Launcher launcher() {
        return spec.launcher;
    }

    /** Runs on a given backend; for the library's own tests. */
    Command withBackend(Backend backend) {
        Objects.requireNonNull(backend, "backend");
        return with(s -> s.backend = backend);
    }

    // ---- running ------------------------------------------------------------------------------

    /**
     * Runs the command to completion: writes the input, reads the piped output, waits.
     *
     * @return the result; stdout and stderr are set when they were {@code PIPE}
     * @throws TimeoutExpiredException when the {@link #timeout(Duration)} passed (the child was killed)
     * @throws CalledProcessException after {@link #check()} when the return code is not 0
     * @throws SpawnException when the child cannot be started
     * @throws UnsupportedOperationException when the backend cannot honour an option
     */
    public CompletedProcess run() {
        try (Popen p = start(true)) {
            CompletedProcess r = p.communicateToEnd();
            if (spec.check && r.returnCode() != 0) {
                throw new CalledProcessException(r);
            }
            return r;
        }
    }

    /**
     * Starts the child and returns at once.
     *
     * <h4>Warning</h4>
     * Read every {@code PIPE} you asked for (or use {@link Popen#communicate()}) and close the
     * {@code Popen}: a full pipe blocks the child.
     *
     * @throws SpawnException when the child cannot be started
     * @throws TimeoutExpiredException when the command's {@link #timeout} passes while it starts (a
     *     FIFO redirect that no one opens, an ssh host that takes the connection but never answers)
     * @throws UnsupportedOperationException when the backend cannot honour an option
     */
    public Popen start() {
        return start(false);
    }

    /** {@link #start()}; {@code forRun}: this thread waits for the child at once ({@link #run()}). */
    private Popen start(boolean forRun) {
        checkKillGroup();
        Backend backend = spec.backend != null ? spec.backend : BackendSelector.get();
        SpawnRequest request = toRequest();
        SpawnRecording recording = SpawnRecording.begin(); // null unless a JFR recording wants it
        ChildProcess child;
        try {
            child = LauncherBase.of(spec.launcher).start(this, request, backend, forRun);
        } catch (RuntimeException | Error e) {
            if (recording != null) {
                recording.failed(List.of(request), backend.name(), spec.launcher.name(), e);
            }
            throw e;
        }
        try {
            if (recording != null) {
                recording.started(request, backend.name(), spec.launcher.name(), child);
            }
            return new Popen(this, child);
        } catch (RuntimeException | Error e) {
            // (an OutOfMemoryError, say) The child runs and no Popen holds it: killed, its pipes
            // closed, and its exit left to the backend's watcher (a forRun child has none yet).
            try {
                child.sendSignal(Signal.SIGKILL);
                child.closeStreams();
                child.onExit();
            } catch (RuntimeException | Error x) {
                e.addSuppressed(x);
            }
            throw e;
        }
    }

    /**
     * Starts the command and returns at once; the future completes as {@link #run()} would return,
     * or fails with what it would throw ({@link SpawnException}, {@link TimeoutExpiredException},
     * {@link CalledProcessException}, {@link UnsupportedOperationException}).
     *
     * <p>No thread waits for the child on the native backend: its reactor writes the input, reads
     * the piped output and sees the exit. The future completes, and runs the callbacks attached
     * to it, on a new virtual thread: never on the reactor thread. The JDK backend communicates
     * on a virtual thread per run. Cancelling the future kills the child (SIGKILL) and closes its
     * pipes; it is still reaped.
     *
     * {@snippet :
     * List<CompletableFuture<CompletedProcess>> runs = files.stream()
     *         .map(f -> Subprocess.command("gzip", "-k", f.toString()).check().runAsync())
     *         .toList();
     * CompletableFuture.allOf(runs.toArray(CompletableFuture[]::new)).join();
     * }
     */
    public CompletableFuture<CompletedProcess> runAsync() {
        Popen p;
        try {
            p = start();
        } catch (RuntimeException | Error e) {
            return CompletableFuture.failedFuture(e);
        }
        return p.runToEndAsync();
    }

    /** killGroupOnTimeout(true) without a group of the child's own would kill nothing more: refused. */
    private void checkKillGroup() {
        if (Boolean.TRUE.equals(spec.killGroupOnTimeout) && !spec.startNewSession && spec.pty == null
                && spec.processGroup == null) {
            throw new IllegalArgumentException("killGroupOnTimeout(true) conflicts with a child in the JVM's own process group: "
                    + "add startNewSession() or processGroup(0) so that the child has a group to kill");
        }
    }

    /** Throws for the options a remote launcher cannot honour, naming the option and the launcher. */
    void refuseRemoteOptions(Launcher l) {
        String refused = null;
        if (spec.pty != null) {
            refused = "pty()";
        } else if (spec.passFds.length > 0) {
            refused = "passFds";
        } else if (!spec.closeFds) {
            refused = "closeFds(false)";
        } else if (spec.executable != null) {
            refused = "executable";
        } else if (spec.processGroup != null) {
            refused = "processGroup";
        } else if (spec.user != null) {
            refused = "user";
        } else if (spec.group != null) {
            refused = "group";
        } else if (spec.extraGroups != null) {
            refused = "extraGroups";
        } else if (!spec.rlimits.isEmpty()) {
            refused = "rlimit";
        } else if (!spec.restoreSignals) {
            refused = "restoreSignals(false)";
        } else if (spec.killOnParentExit) {
            refused = "killOnParentExit (a remote command dies with the JVM anyway)";
        } else if (spec.rawArgv != null) {
            refused = "an argument that is not valid UTF-8 (argument " + firstRawArgument() + ")";
        } else if (!spec.rawEnv.isEmpty()) {
            refused = "an environment variable that is not valid UTF-8 (key "
                    + Validation.printable(spec.rawEnv.keySet().iterator().next().toString()) + ")";
        } else {
            for (Redirect r : List.of(spec.stdin, spec.stdout, spec.stderr)) {
                if (r instanceof Redirect.Fd fd && fd.fd() > 2) {
                    refused = "Redirect.fd(" + fd.fd() + ")";
                }
            }
        }
        if (refused != null) {
            throw new UnsupportedOperationException(refused + " is not supported on the " + l.name() + " launcher");
        }
    }

    private int firstRawArgument() {
        for (int i = 0; i < spec.rawArgv.length; i++) {
            if (!ByteString.isUtf8(spec.rawArgv[i])) {
                return i;
            }
        }
        return -1;
    }

    /** Whether the environment's base is the JVM's (or, remotely, the launcher's default). */
    boolean inheritsEnv() {
        return spec.inheritEnv;
    }

    /** The variables set on top of the base, a {@code null} value removing one. */
    Map<String, String> envChanges() {
        return spec.envChanges;
    }

    /**
     * The argv, argv[0] included. For a command made of bytes ({@link Subprocess#command(byte[]...)})
     * each argument is decoded with UTF-8 and malformed bytes replaced by U+FFFD: for display only;
     * {@link #argvBytes()} gives what the child gets.
     */
    public List<String> argv() {
        return spec.argv;
    }

    /**
     * The exact bytes of each argument the child gets, argv[0] included: the UTF-8 encoding of
     * string arguments (whatever the JVM's locale), the bytes themselves for
     * {@link Subprocess#command(byte[]...)}. Each call returns new copies.
     */
    public List<byte[]> argvBytes() {
        List<byte[]> out = new ArrayList<>(spec.argv.size());
        if (spec.rawArgv != null) {
            for (byte[] a : spec.rawArgv) {
                out.add(a.clone());
            }
        } else {
            for (String a : spec.argv) {
                out.add(a.getBytes(StandardCharsets.UTF_8));
            }
        }
        return Collections.unmodifiableList(out);
    }

    /** How the child's output is decoded and its text input encoded; the shared default when it is that. */
    TextCodec text() {
        // The shared default when it is one: not one more object per live child. Compared field by
        // field, not by the record's equals, whose bootstrap a JVM runs at its first spawn.
        TextCodec d = TextCodec.DEFAULT;
        return spec.encoding.equals(d.charset()) && spec.errors == d.errors() && spec.universalNewlines == d.universalNewlines()
                ? d : new TextCodec(spec.encoding, spec.errors, spec.universalNewlines);
    }

    // ---- for Pipeline and ProcessPool ---------------------------------------------------------

    Redirect stdinValue() {
        return spec.stdin;
    }

    Redirect stdoutValue() {
        return spec.stdout;
    }

    boolean hasInput() {
        return spec.inputBytes != null || spec.inputText != null;
    }

    boolean checkValue() {
        return spec.check;
    }

    /** Whether the command asks for a session or process group of its own. */
    boolean wantsOwnGroup() {
        return spec.startNewSession || spec.pty != null || spec.processGroup != null;
    }

    /** The backend set with {@link #withBackend}, or {@code null} for the JVM's. */
    Backend backendValue() {
        return spec.backend;
    }

    Backend backend() {
        return spec.backend != null ? spec.backend : BackendSelector.get();
    }

    /**
     * This command as a pipeline stage: the pipeline's own stdin, input, stdout, stderr and
     * timeout replace the command's where given ({@code null} keeps the command's); the timeout
     * becomes the shorter of both. No validation: the pipeline validated them.
     */
    Command asStage(Redirect stdin, byte[] inputBytes, String inputText, Redirect stdout, Redirect stderr, Duration timeout) {
        return with(s -> {
            if (stdin != null) {
                s.stdin = stdin;
                s.inputBytes = null;
                s.inputText = null;
            }
            if (inputBytes != null || inputText != null) {
                s.stdin = Redirect.PIPE;
                s.inputBytes = inputBytes;
                s.inputText = inputText;
            }
            if (stdout != null) {
                s.stdout = stdout;
            }
            if (stderr != null) {
                s.stderr = stderr;
            }
            if (timeout != null && (s.timeout == null || timeout.compareTo(s.timeout) < 0)) {
                s.timeout = timeout;
            }
        });
    }

    byte[] toInputBytes() {
        return spec.inputBytes != null ? spec.inputBytes
                : spec.inputText != null ? text().encode(spec.inputText) : null;
    }

    /** The values an exception's message masks: those of the environment changes (a view, may hold null). */
    java.util.Collection<String> maskedValues() {
        if (spec.rawEnv.isEmpty()) {
            return spec.envChanges.values();
        }
        List<String> all = new ArrayList<>(spec.envChanges.values());
        spec.rawEnv.values().forEach(v -> all.add(ByteString.display(v)));
        return all;
    }

    Duration timeoutValue() {
        return spec.timeout;
    }

    SpawnRequest toRequest() {
        boolean pty = spec.pty != null;
        Redirect stdin = spec.stdin;
        Redirect stdout = spec.stdout;
        if (pty) {
            // The terminal: stdin and stdout left to inherit are the JVM's end of it.
            stdin = stdin == Redirect.INHERIT ? Redirect.PIPE : stdin;
            stdout = stdout == Redirect.INHERIT ? Redirect.PIPE : stdout;
            if (stdout != Redirect.PIPE && !(stdout instanceof Redirect.ToStream) && !(stdout instanceof Redirect.Lines)) {
                throw new IllegalArgumentException("pty() conflicts with stdout " + stdout
                        + ": the terminal's output is read through stdout (PIPE, to or lines)");
            }
        }
        boolean hasTerm = spec.envChanges.containsKey("TERM") ? spec.envChanges.get("TERM") != null
                : spec.rawEnv.containsKey(TERM_BYTES)
                || spec.inheritEnv && dev.subprocess4j.internal.JdkEnvironment.get().containsKey("TERM");
        boolean needsTerm = pty && !hasTerm;
        boolean inherited = spec.inheritEnv && spec.envChanges.isEmpty() && spec.rawEnv.isEmpty() && !needsTerm;
        Map<String, String> env;
        if (inherited) {
            env = dev.subprocess4j.internal.JdkEnvironment.get(); // System.getenv(), an unmodifiable snapshot: nothing to copy
        } else {
            Map<String, String> built = new TreeMap<>();
            if (spec.inheritEnv) {
                built.putAll(dev.subprocess4j.internal.JdkEnvironment.get());
            }
            spec.envChanges.forEach((k, v) -> {
                if (v == null) {
                    built.remove(k);
                } else {
                    built.put(k, v);
                }
            });
            for (ByteString key : spec.rawEnv.keySet()) {
                String textKey = ByteString.decode(key.bytes(), StandardCharsets.UTF_8);
                if (textKey != null) {
                    built.remove(textKey); // the raw entry replaces the inherited one
                }
            }
            if (needsTerm && !built.containsKey("TERM")) {
                built.put("TERM", DEFAULT_TERM);
            }
            env = Collections.unmodifiableMap(built);
        }
        byte[] input = toInputBytes();
        boolean newSession = spec.startNewSession || pty;
        boolean ownGroup = newSession || Integer.valueOf(0).equals(spec.processGroup);
        boolean killGroup = spec.killGroupOnTimeout != null ? spec.killGroupOnTimeout : ownGroup;
        return SpawnRequest.builder(spec.argv)
                .rawArgv(spec.rawArgv)
                .executable(spec.executable)
                .cwd(spec.cwd)
                .environment(env, inherited, spec.rawEnv)
                .stdio(stdin, stdout, spec.stderr)
                .input(input)
                .text(text())
                .timeout(spec.timeout)
                .kill(spec.killSignal, spec.killGrace, killGroup)
                .killOnParentExit(spec.killOnParentExit)
                .identity(spec.user, spec.group, spec.extraGroups, spec.umask)
                .newSession(newSession)
                .processGroup(spec.processGroup)
                .rlimits(spec.rlimits)
                .fds(spec.passFds, spec.closeFds)
                .restoreSignals(spec.restoreSignals)
                .pty(pty ? new SpawnRequest.Pty(spec.pty[0], spec.pty[1]) : null)
                .build();
    }

    /** The argv quoted as a shell would read it ({@link Shlex#join}); never an environment value. */
    @Override
    public String toString() {
        return Shlex.join(spec.argv);
    }
}
