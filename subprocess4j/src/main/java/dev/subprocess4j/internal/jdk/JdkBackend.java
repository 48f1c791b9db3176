package dev.subprocess4j.internal.jdk;

import dev.subprocess4j.Redirect;
import dev.subprocess4j.Signal;
import dev.subprocess4j.SpawnException;
import dev.subprocess4j.internal.Backend;
import dev.subprocess4j.internal.ByteString;
import dev.subprocess4j.internal.ChildProcess;
import dev.subprocess4j.internal.Errno;
import dev.subprocess4j.internal.Log;
import dev.subprocess4j.internal.SpawnChecks;
import dev.subprocess4j.internal.SpawnRequest;
import java.io.File;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The backend on {@link ProcessBuilder}: every platform, Python's semantics where the JDK allows,
 * and a clear {@link UnsupportedOperationException} for what it does not.
 *
 * <p>What it refuses: sessions, process groups, rlimits, user/group/extra groups, umask,
 * passFds, {@code closeFds(false)}, signals other than SIGTERM and SIGKILL (and group signals),
 * kill on parent exit, {@code executable()} with a different argv[0], {@code Redirect.fd(n)} for
 * n ≥ 3, and {@code killGroupOnTimeout(true)}.
 */
public final class JdkBackend implements Backend {
    /** The one instance. */
    public static final JdkBackend INSTANCE = new JdkBackend();

    static final String NAME = "jdk";

    private JdkBackend() {}

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Set<Feature> features() {
        return EnumSet.of(Feature.KEEP_SIGNAL_DISPOSITIONS);
    }

    private static UnsupportedOperationException refuse(String option) {
        return new UnsupportedOperationException(option + " is not supported by the " + NAME
                + " backend (ProcessBuilder cannot do it); use the linux-native backend");
    }

    @Override
    public ChildProcess start(SpawnRequest r) {
        ProcessBuilder pb = builder(r);
        long startNanos = System.nanoTime();
        Process process;
        try {
            process = pb.start();
        } catch (IOException e) {
            throw spawnFailure(r, e);
        }
        return started(process, r, startNanos);
    }

    /**
     * {@code -13}, or {@code 141}: the JDK reports a signal the library did not send (the kernel's
     * SIGPIPE) as {@code 128+N}.
     */
    @Override
    public boolean diedOfSigpipe(int returnCode) {
        return returnCode == -Signal.SIGPIPE.number() || returnCode == 128 + Signal.SIGPIPE.number();
    }

    private static JdkChild started(Process process, SpawnRequest r, long startNanos) {
        JdkChild child = new JdkChild(process, r, startNanos);
        if (Log.get().isLoggable(Level.DEBUG)) {
            Log.get().log(Level.DEBUG, "spawned pid {0,number,#}: {1} (cwd {2}, backend {3})", process.pid(),
                    dev.subprocess4j.Shlex.join(r.argv()), r.exec().cwd().map(Object::toString).orElse("inherited"), NAME);
        }
        return child;
    }

    /**
     * Starts the stages of a pipeline with {@link ProcessBuilder#startPipeline}: the JDK joins
     * each stage's stdout to the next one's stdin with a pipe between the children and closes
     * its copies. Every stage is checked (options, directory, redirect files, that its program
     * is found) before the first one starts, so a bad stage fails with nothing started; should a
     * spawn still fail, the JDK kills and waits for the stages it had started.
     *
     * @param stages the stages, with the first stage's stdin and the last one's stdout as the
     *     pipeline wants them; the others are replaced by the joining pipes
     * @return the started children, in stage order
     */
    @Override
    public List<ChildProcess> startPipeline(List<SpawnRequest> stages) {
        int n = stages.size();
        List<ProcessBuilder> builders = new ArrayList<>(n);
        List<SpawnRequest> views = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            SpawnRequest r = stages.get(i);
            checkFound(r);
            ProcessBuilder pb = builder(r);
            if (i > 0) {
                pb.redirectInput(ProcessBuilder.Redirect.PIPE);
            }
            if (i < n - 1) {
                pb.redirectOutput(ProcessBuilder.Redirect.PIPE);
            }
            builders.add(pb);
            // What the child object sees: the joined ends are not the JVM's (nothing to pump or close).
            views.add(r.asPipelineStage(i > 0 ? Redirect.INHERIT : r.stdio().stdin(), i < n - 1 ? Redirect.INHERIT : r.stdio().stdout(),
                    r.setup().processGroup().isPresent() ? r.setup().processGroup().getAsInt() : null,
                    r.lifetime().killGroupOnTimeout()));
        }
        long startNanos = System.nanoTime();
        List<Process> processes;
        try {
            processes = ProcessBuilder.startPipeline(builders);
        } catch (IOException e) {
            // "Cannot run program "name"...": blame the stage that names it
            String message = String.valueOf(e.getMessage());
            SpawnRequest failed = stages.stream()
                    .filter(r -> message.contains('"' + resolveProgram(r) + '"'))
                    .findFirst().orElse(stages.getFirst());
            throw spawnFailure(failed, e);
        }
        List<ChildProcess> children = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            children.add(started(processes.get(i), views.get(i), startNanos));
        }
        return children;
    }

    /**
     * Fails with ENOENT or EACCES when a bare program name is not found in the child's PATH,
     * without changing argv[0] (the JDK then searches the same PATH), or when a program given by
     * its path is missing or not executable. This matters beyond the message: when
     * {@code ProcessBuilder.startPipeline} fails to start a stage it kills the stages before it,
     * but keeps its own copy of the pipe that was to feed the failed stage open (JDK 25): an fd
     * leaked per failed pipeline.
     */
    private static void checkFound(SpawnRequest r) {
        String program = r.program();
        Path base = r.exec().cwd().orElseGet(() -> Path.of("").toAbsolutePath());
        if (program.contains("/")) {
            Path file = base.resolve(program);
            if (!Files.exists(file)) {
                throw new SpawnException(SpawnException.Step.EXEC, Errno.ENOENT, program, program);
            }
            if (!Files.isRegularFile(file) || !Files.isExecutable(file)) {
                throw new SpawnException(SpawnException.Step.EXEC, Errno.EACCES, program, program);
            }
            return;
        }
        if (!program.equals(resolveProgram(r))) {
            return; // found in a PATH of the child's own (resolveProgram throws when not)
        }
        String childPath = dev.subprocess4j.internal.SpawnChecks.childPath(r);
        boolean denied = false;
        for (String dir : childPath.split(":", -1)) {
            Path candidate = base.resolve(dir.isEmpty() ? "." : dir).resolve(program);
            if (Files.isRegularFile(candidate)) {
                if (Files.isExecutable(candidate)) {
                    return;
                }
                denied = true;
            }
        }
        throw new SpawnException(SpawnException.Step.EXEC, denied ? Errno.EACCES : Errno.ENOENT, program, program);
    }

    /** Checks the request and builds its {@link ProcessBuilder}. */
    private static ProcessBuilder builder(SpawnRequest r) {
        checkSupported(r);
        checkEncodable(r);
        String program = resolveProgram(r);
        checkCwd(r);
        checkRedirectFiles(r);

        List<String> command = new ArrayList<>(r.argv());
        r.exec().rawArgv().ifPresent(raw -> {
            Charset jnu = jnuCharset();
            for (int i = 0; i < command.size(); i++) {
                command.set(i, ByteString.decode(raw[i], jnu)); // checkEncodable: round-trips
            }
        });
        command.set(0, r.exec().rawArgv().isPresent() && program.equals(r.argv().getFirst()) ? command.getFirst() : program);
        ProcessBuilder pb = new ProcessBuilder(command);
        r.exec().cwd().ifPresent(dir -> pb.directory(dir.toFile()));
        if (!r.env().inherited()) {
            Map<String, String> env = pb.environment();
            env.clear();
            env.putAll(r.env().variables());
            Charset jnu = jnuCharset();
            r.env().raw().forEach((k, v) -> env.put(ByteString.decode(k.bytes(), jnu), ByteString.decode(v, jnu)));
        }
        pb.redirectInput(inputRedirect(r.stdio().stdin()));
        pb.redirectOutput(outputRedirect(r.stdio().stdout(), 1));
        if (r.stdio().stderr() == Redirect.STDOUT) {
            pb.redirectErrorStream(true);
        } else {
            pb.redirectError(outputRedirect(r.stdio().stderr(), 2));
        }
        return pb;
    }

    private static void checkSupported(SpawnRequest r) {
        if (r.setup().pty().isPresent()) {
            throw refuse("pty()");
        }
        if (r.setup().newSession()) {
            throw refuse("startNewSession()");
        }
        if (r.setup().processGroup().isPresent()) {
            throw refuse("processGroup(" + r.setup().processGroup().getAsInt() + ")");
        }
        if (!r.setup().rlimits().isEmpty()) {
            throw refuse("rlimit(" + r.setup().rlimits().keySet().iterator().next() + ", ...)");
        }
        if (r.identity().user().isPresent()) {
            throw refuse("user(" + r.identity().user().orElseThrow() + ")");
        }
        if (r.identity().group().isPresent()) {
            throw refuse("group(" + r.identity().group().orElseThrow() + ")");
        }
        if (r.identity().extraGroups().isPresent()) {
            throw refuse("extraGroups(...)");
        }
        if (r.identity().umask().isPresent()) {
            throw refuse("umask(0" + Integer.toOctalString(r.identity().umask().getAsInt()) + ")");
        }
        if (r.setup().passFds().length > 0) {
            throw refuse("passFds(" + r.setup().passFds()[0] + ")");
        }
        if (!r.setup().closeFds()) {
            throw refuse("closeFds(false)");
        }
        if (r.lifetime().killOnParentExit()) {
            throw refuse("killOnParentExit()");
        }
        if (r.exec().executable().filter(e -> !e.toString().equals(r.argv().getFirst())).isPresent()) {
            throw refuse("executable(" + r.exec().executable().orElseThrow() + ") with a different argv[0] '" + r.argv().getFirst() + "'");
        }
        if (r.lifetime().killSignal() != Signal.SIGKILL && r.lifetime().killSignal() != Signal.SIGTERM) {
            throw refuse("killSignal(" + r.lifetime().killSignal() + ")");
        }
        if (r.lifetime().killGroupOnTimeout()) {
            throw refuse("killGroupOnTimeout(true)");
        }
        checkFdRedirect(r.stdio().stdin(), 0, "stdin");
        checkFdRedirect(r.stdio().stdout(), 1, "stdout");
        checkFdRedirect(r.stdio().stderr(), 2, "stderr");
    }

    private static void checkFdRedirect(Redirect redirect, int own, String stream) {
        if (redirect instanceof Redirect.Fd(int fd)) {
            boolean crossOutput = own != 0 && (fd == 1 || fd == 2);
            if (fd != own && !crossOutput) {
                throw refuse(stream + "(Redirect.fd(" + fd + "))");
            }
        }
    }

    /**
     * The JDK encodes argv, environment and paths with {@code sun.jnu.encoding}; under a
     * non-UTF-8 locale non-ASCII text would be mangled, so it is refused.
     */
    private static void checkEncodable(SpawnRequest r) {
        checkBytesPassable(r);
        String jnu = System.getProperty("sun.jnu.encoding", "UTF-8");
        if (jnu.equalsIgnoreCase("UTF-8") || jnu.equalsIgnoreCase("UTF8")) {
            return;
        }
        String hint = " cannot be passed by the " + NAME + " backend under the JVM's " + jnu
                + " encoding (sun.jnu.encoding, from the locale); run the JVM with a UTF-8 locale such as LANG=C.UTF-8";
        for (int i = 0; i < r.argv().size(); i++) {
            if (r.exec().rawArgv().isPresent() && roundTrips(r.exec().rawArgv().orElseThrow()[i], jnuCharset())) {
                continue; // bytes the JDK passes unchanged
            }
            if (!isAscii(r.argv().get(i))) {
                throw new UnsupportedOperationException("non-ASCII argument " + i + " '" + r.argv().get(i) + "'" + hint);
            }
        }
        if (r.exec().cwd().isPresent() && !isAscii(r.exec().cwd().orElseThrow().toString())) {
            throw new UnsupportedOperationException("non-ASCII cwd '" + r.exec().cwd().orElseThrow() + "'" + hint);
        }
        if (!r.env().inherited()) {
            for (Map.Entry<String, String> e : r.env().variables().entrySet()) {
                if (!isAscii(e.getKey()) || !isAscii(e.getValue())) {
                    throw new UnsupportedOperationException("non-ASCII environment variable '" + e.getKey() + "'" + hint);
                }
            }
        }
    }

    /** The charset {@code ProcessBuilder} encodes argv and environment with. */
    private static Charset jnuCharset() {
        try {
            return Charset.forName(System.getProperty("sun.jnu.encoding", "UTF-8"));
        } catch (IllegalArgumentException e) {
            return StandardCharsets.UTF_8;
        }
    }

    /** Whether {@code b} decodes in {@code cs} and encodes back to exactly {@code b}. */
    private static boolean roundTrips(byte[] b, Charset cs) {
        String text = ByteString.decode(b, cs);
        return text != null && Arrays.equals(text.getBytes(cs), b);
    }

    /**
     * Arguments and environment entries given as bytes that are not valid UTF-8 reach the child
     * unchanged only when they round-trip through {@code sun.jnu.encoding}; the others are refused.
     */
    private static void checkBytesPassable(SpawnRequest r) {
        Charset jnu = jnuCharset();
        String why = " cannot be passed unchanged by the " + NAME + " backend: ProcessBuilder encodes text with the JVM's "
                + jnu.name() + " (sun.jnu.encoding, from the locale); use the linux-native backend to pass any bytes";
        byte[][] raw = r.exec().rawArgv().orElse(new byte[0][]);
        for (int i = 0; i < raw.length; i++) {
            if (!roundTrips(raw[i], jnu)) {
                throw new UnsupportedOperationException("argument " + i + " of bytes " + ByteString.hex(raw[i]) + why);
            }
        }
        for (Map.Entry<ByteString, byte[]> e : r.env().raw().entrySet()) {
            if (!roundTrips(e.getKey().bytes(), jnu) || !roundTrips(e.getValue(), jnu)) {
                throw new UnsupportedOperationException("environment variable of key bytes " + ByteString.hex(e.getKey().bytes())
                        + " (its value is not shown)" + why);
            }
        }
    }

    private static boolean isAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) > 0x7f) {
                return false;
            }
        }
        return true;
    }

    /**
     * The JDK searches the JVM's PATH; Python searches the child's. When they differ, look the
     * name up here (argv[0] then becomes the full path).
     */
    private static String resolveProgram(SpawnRequest r) {
        String program = r.program();
        if (program.contains("/") || SpawnChecks.childPath(r).equals(System.getenv("PATH"))) {
            return program;
        }
        return SpawnChecks.resolveProgram(r);
    }

    /** {@code ProcessBuilder} reports a bad directory as an exec failure; check it first (as Go does). */
    private static void checkCwd(SpawnRequest r) {
        SpawnException e = SpawnChecks.cwdFailure(r);
        if (e != null) {
            throw e;
        }
    }

    private static void checkRedirectFiles(SpawnRequest r) {
        SpawnException e = SpawnChecks.redirectFailure(r);
        if (e != null) {
            throw e;
        }
    }

    static int errnoOf(IOException e) {
        return SpawnChecks.errnoOf(e);
    }

    private static SpawnException spawnFailure(SpawnRequest r, IOException e) {
        String message = String.valueOf(e.getMessage());
        boolean exec = message.startsWith("Cannot run program");
        int errno = errnoOf(e);
        if (errno == Errno.EMFILE || errno == Errno.ENFILE) {
            // Out of fds for the pipes: not the program's fault.
            return new SpawnException(SpawnException.Step.FDS, errno, r.program(), "pipes for " + r.program(), e);
        }
        SpawnException.Step step = exec ? SpawnException.Step.EXEC : SpawnException.Step.OPEN_REDIRECT;
        return new SpawnException(step, errno, r.program(), exec ? r.program() : message, e);
    }

    private static ProcessBuilder.Redirect inputRedirect(Redirect redirect) {
        return switch (redirect) {
            case Redirect.Standard s when s == Redirect.INHERIT -> ProcessBuilder.Redirect.INHERIT;
            case Redirect.Standard s when s == Redirect.DEVNULL -> ProcessBuilder.Redirect.from(new File("/dev/null"));
            case Redirect.ReadFile(Path path) -> ProcessBuilder.Redirect.from(path.toFile());
            case Redirect.Fd fd -> ProcessBuilder.Redirect.INHERIT; // only fd(0) gets here
            default -> ProcessBuilder.Redirect.PIPE; // PIPE, from(InputStream)
        };
    }

    private static ProcessBuilder.Redirect outputRedirect(Redirect redirect, int own) {
        return switch (redirect) {
            case Redirect.Standard s when s == Redirect.INHERIT -> ProcessBuilder.Redirect.INHERIT;
            case Redirect.Fd(int fd) when fd == own -> ProcessBuilder.Redirect.INHERIT;
            case Redirect.Standard s when s == Redirect.DEVNULL -> ProcessBuilder.Redirect.DISCARD;
            case Redirect.WriteFile(Path path, boolean append) ->
                    append ? ProcessBuilder.Redirect.appendTo(path.toFile()) : ProcessBuilder.Redirect.to(path.toFile());
            default -> ProcessBuilder.Redirect.PIPE; // PIPE, to, lines, fd crossing 1 <-> 2 (pumped)
        };
    }
}
