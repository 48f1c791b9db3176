package dev.subprocess4j;

import dev.subprocess4j.internal.Backend;
import dev.subprocess4j.internal.ChildProcess;
import dev.subprocess4j.internal.Outcome;
import dev.subprocess4j.internal.SpawnRequest;
import dev.subprocess4j.internal.jfr.SpawnRecording;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;

/**
 * An immutable chain of commands, each one's stdout joined to the next one's stdin by a kernel
 * pipe between the children: the shell's {@code a | b | c} without a shell, and without a byte
 * of the data passing through the JVM.
 *
 * <p>Every method returns a new {@code Pipeline}; the original is unchanged. The pipeline's
 * {@link #stdin(Redirect)} and {@link #input(byte[])} apply to the first stage,
 * {@link #stdout(Redirect)} and {@link #stderr(Redirect)} to the last one (when not set, the
 * stage's own setting stands); each other stage's stderr follows its own {@link Command}, and so
 * do its directory, environment and other options.
 *
 * <h2>Examples</h2>
 * {@snippet :
 * PipelineResult r = Subprocess.pipeline(
 *                 Subprocess.command("cat", "big.log"),
 *                 Subprocess.command("grep", "ERROR"),
 *                 Subprocess.command("wc", "-l"))
 *         .stdout(Redirect.PIPE)
 *         .timeout(Duration.ofSeconds(10))
 *         .check()
 *         .run();
 * long errors = Long.parseLong(r.stdio().stdout().strip());
 *
 * // yes | head -n 1: yes dies of SIGPIPE once head has exited, which does not count
 * Subprocess.pipeline(Subprocess.command("yes"), Subprocess.command("head", "-n", "1")).check().run();
 * }
 *
 * <h2>Return code</h2>
 * {@link PipelineResult#returnCode()} follows bash's {@code pipefail}: the return code of the
 * last stage that did not succeed, else 0, except that a stage other than the last one killed by
 * SIGPIPE does not count: its reader had gone (a later stage exited or closed its input), which
 * is how {@code head} and friends end a pipeline early.
 *
 * <h2>Defaults</h2>
 * The stages' own redirects (all inherited unless the commands say otherwise); no timeout but the
 * stages' own; no check.
 *
 * <h2>Errors</h2>
 * Rejected when built, with {@link IllegalArgumentException} naming the stage: no stage; a stage
 * after the first with its own stdin or input (it reads the previous stage); a stage before the
 * last with its own stdout (it writes to the next stage); a stage with
 * {@link Command#startNewSession()} or {@link Command#processGroup(int)} (the stages share one
 * group); stages on different backends. {@link #run()} throws {@link SpawnException} when a stage
 * cannot be started, after killing and reaping the stages already started (nothing is left
 * behind), {@link TimeoutExpiredException} when the timeout passed (every stage was killed),
 * {@link CalledProcessException} after {@link #check()} for the stage that decided the return code,
 * and {@link UnsupportedOperationException} for an option a stage's backend cannot honour.
 *
 * <h2>Platform behaviour</h2>
 * On the native backend the JVM creates each joining pipe ({@code pipe2(O_CLOEXEC)}), hands its
 * ends to the two children and closes its own copies as soon as they are spawned; every stage
 * joins one new process group led by the first stage, and the timeout kills that whole group, so
 * a stage's own children die too. Being in a group of their own, the stages do not get a
 * terminal's Ctrl-C. The JDK backend uses {@link ProcessBuilder#startPipeline(List)}: the same
 * pipes, but no group; the timeout kills each stage.
 *
 * <h2>Thread safety</h2>
 * Immutable and thread-safe; {@link #run()} can be called from several threads at once, each call
 * starting its own processes.
 *
 * <h2>Python equivalent</h2>
 * None in {@code subprocess}: Python users write {@code run("a | b", shell=True)} (a shell, with
 * its quoting traps) or chain {@code Popen}s by hand with {@code stdout=PIPE} and
 * {@code stdin=p1.stdout}. Here no shell parses anything and the JVM holds no end of the pipes.
 */
public final class Pipeline {
    private final List<Command> stages;
    private final Redirect stdin;
    private final byte[] inputBytes;
    private final String inputText;
    private final Redirect stdout;
    private final Redirect stderr;
    private final Duration timeout;
    private final boolean check;

    private Pipeline(List<Command> stages, Redirect stdin, byte[] inputBytes, String inputText, Redirect stdout,
                     Redirect stderr, Duration timeout, boolean check) {
        this.stages = stages;
        this.stdin = stdin;
        this.inputBytes = inputBytes;
        this.inputText = inputText;
        this.stdout = stdout;
        this.stderr = stderr;
        this.timeout = timeout;
        this.check = check;
    }

    static Pipeline of(List<Command> commands) {
        Objects.requireNonNull(commands, "stages");
        if (commands.isEmpty()) {
            throw new IllegalArgumentException("a pipeline needs at least one stage");
        }
        List<Command> copy = List.copyOf(commands); // null stages throw NullPointerException here
        int n = copy.size();
        Backend backend = copy.getFirst().backendValue();
        for (int i = 0; i < n; i++) {
            Command c = copy.get(i);
            String name = "stage " + (i + 1) + " (" + c + ")";
            if (i > 0 && (c.stdinValue() != Redirect.INHERIT || c.hasInput())) {
                throw new IllegalArgumentException(name + " reads the previous stage: it must not set stdin or input, but has "
                        + (c.hasInput() ? "input(...)" : "stdin " + c.stdinValue()));
            }
            if (i < n - 1 && c.stdoutValue() != Redirect.INHERIT) {
                throw new IllegalArgumentException(name + " writes to the next stage: it must not set stdout, but has "
                        + c.stdoutValue());
            }
            if (c.wantsOwnGroup()) {
                throw new IllegalArgumentException(name + " asks for a session or process group of its own; "
                        + "the stages of a pipeline share one");
            }
            LauncherBase.of(c.launcher()).checkPipelineStage(name);
            if (c.backendValue() != backend) {
                throw new IllegalArgumentException(name + " runs on another backend than stage 1");
            }
        }
        return new Pipeline(copy, null, null, null, null, null, null, false);
    }

    /**
     * Where the first stage's stdin comes from. Default: the first stage's own.
     *
     * @throws IllegalArgumentException for an output-only redirect or {@link Redirect#STDOUT}, or
     *     anything but {@code PIPE} after {@link #input(byte[])}
     */
    public Pipeline stdin(Redirect r) {
        Objects.requireNonNull(r, "stdin redirect");
        if (r == Redirect.STDOUT || r instanceof Redirect.WriteFile || r instanceof Redirect.ToStream
                || r instanceof Redirect.Lines) {
            throw new IllegalArgumentException("not a redirect for stdin: " + r);
        }
        if ((inputBytes != null || inputText != null) && r != Redirect.PIPE) {
            throw new IllegalArgumentException("stdin " + r + " conflicts with input(...), which needs stdin PIPE");
        }
        return new Pipeline(stages, r, inputBytes, inputText, stdout, stderr, timeout, check);
    }

    /** Bytes written to the first stage's stdin, which is then closed. Implies stdin {@code PIPE}. */
    public Pipeline input(byte[] data) {
        Objects.requireNonNull(data, "input");
        checkInputAllowed();
        return new Pipeline(stages, Redirect.PIPE, data.clone(), null, stdout, stderr, timeout, check);
    }

    /**
     * Text written to the first stage's stdin, encoded with that stage's encoding. Implies stdin
     * {@code PIPE}.
     */
    public Pipeline input(String text) {
        Objects.requireNonNull(text, "input");
        checkInputAllowed();
        return new Pipeline(stages, Redirect.PIPE, null, text, stdout, stderr, timeout, check);
    }

    private void checkInputAllowed() {
        if (stdin != null && stdin != Redirect.PIPE) {
            throw new IllegalArgumentException("input(...) conflicts with stdin " + stdin + "; it needs stdin PIPE");
        }
    }

    /**
     * Where the last stage's stdout goes; {@link Redirect#PIPE} captures it into
     * {@link PipelineResult#stdout()}. Default: the last stage's own.
     *
     * @throws IllegalArgumentException for {@link Redirect#STDOUT} or an input-only redirect
     */
    public Pipeline stdout(Redirect r) {
        checkOutput(r, "stdout");
        if (r == Redirect.STDOUT) {
            throw new IllegalArgumentException("Redirect.STDOUT is for stderr only");
        }
        return new Pipeline(stages, stdin, inputBytes, inputText, r, stderr, timeout, check);
    }

    /**
     * Where the last stage's stderr goes ({@link Redirect#STDOUT} merges it into the last stage's
     * stdout). Default: the last stage's own. The other stages' stderr follows their commands.
     *
     * @throws IllegalArgumentException for an input-only redirect
     */
    public Pipeline stderr(Redirect r) {
        checkOutput(r, "stderr");
        return new Pipeline(stages, stdin, inputBytes, inputText, stdout, r, timeout, check);
    }

    private static void checkOutput(Redirect r, String stream) {
        Objects.requireNonNull(r, stream + " redirect");
        if (r instanceof Redirect.ReadFile || r instanceof Redirect.FromStream) {
            throw new IllegalArgumentException("not a redirect for " + stream + ": " + r);
        }
    }

    /**
     * A deadline for the whole pipeline, counted from its start: when it passes, every stage still
     * running is killed (with each stage's {@link Command#killSignal(Signal)} and grace) and
     * {@link #run()} throws {@link TimeoutExpiredException}. A stage's own, shorter timeout ends the
     * pipeline the same way. Default: none.
     *
     * @throws IllegalArgumentException when negative
     */
    public Pipeline timeout(Duration d) {
        Validation.checkDuration(d, "timeout");
        return new Pipeline(stages, stdin, inputBytes, inputText, stdout, stderr, d, check);
    }

    /** Makes {@link #run()} throw {@link CalledProcessException} when the return code is not 0. */
    public Pipeline check() {
        return new Pipeline(stages, stdin, inputBytes, inputText, stdout, stderr, timeout, true);
    }

    /** The stages, first to last, as given. */
    public List<Command> stages() {
        return stages;
    }

    /**
     * Runs every stage to completion: writes the input to the first, reads the piped outputs,
     * waits for all.
     *
     * @return one result per stage, the pipeline's return code and the last stage's output
     * @throws TimeoutExpiredException when the timeout passed (every stage was killed); its
     *     {@code command()} lists every stage's argv joined by {@code |}, its output is the last
     *     stage's so far
     * @throws CalledProcessException after {@link #check()} when the return code is not 0, for the
     *     stage that decided it; also for a stage whose own command has {@link Command#check()}
     * @throws SpawnException when a stage cannot be started (the others were killed and reaped)
     * @throws UnsupportedOperationException when a stage's backend cannot honour an option
     * @throws SubprocessException when the calling thread is interrupted (the stages are killed)
     */
    public PipelineResult run() {
        int n = stages.size();
        List<Command> effective = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Command c = stages.get(i);
            effective.add(c.asStage(i == 0 ? stdin : null, i == 0 ? inputBytes : null, i == 0 ? inputText : null,
                    i == n - 1 ? stdout : null, i == n - 1 ? stderr : null, timeout));
        }
        Backend backend = effective.getFirst().backend();
        List<SpawnRequest> requests = effective.stream().map(Command::toRequest).toList();
        List<ChildProcess> children = start(backend, requests);
        List<CompletableFuture<Outcome>> io = new ArrayList<>(n);
        try {
            for (int i = 0; i < n; i++) {
                io.add(children.get(i).communicateAsync(i == 0 ? requests.getFirst().stdio().input().orElse(null) : null));
            }
            CompletableFuture.allOf(io.toArray(CompletableFuture[]::new)).get();
        } catch (InterruptedException e) {
            killAll(children);
            Thread.currentThread().interrupt();
            throw new SubprocessException("interrupted while waiting for the pipeline " + this, e);
        } catch (ExecutionException e) {
            killAll(children);
            throw e.getCause() instanceof RuntimeException r ? r : new SubprocessException(e.getCause().toString(), e.getCause());
        } catch (RuntimeException | Error e) {
            killAll(children);
            throw e;
        } finally {
            children.forEach(ChildProcess::closeStreams);
        }
        List<CompletedProcess> results = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Outcome o = io.get(i).join();
            Command c = effective.get(i);
            results.add(new CompletedProcess(c.argv(), o.returnCode(), o.stdout(), o.stderr(), o.pid(), o.elapsed(),
                    o.usage(), c.text(), Launcher.local(), c.maskedValues()));
        }
        for (int i = 0; i < n; i++) {
            var undelivered = children.get(i).deliveryFailure();
            if (undelivered != null) {
                throw Popen.deliveryFailed(effective.get(i), children.get(i).pid(), undelivered);
            }
        }
        for (int i = 0; i < n; i++) {
            if (children.get(i).timedOut()) {
                CompletedProcess last = results.getLast();
                throw new TimeoutExpiredException("Command " + this, joinedArgv(), effective.get(i).timeoutValue(),
                        emptyToNull(last.stdoutBytes()), emptyToNull(last.stderrBytes()), last.text(), last.masked());
            }
        }
        PipelineResult result = PipelineResult.of(results, decidingStage(results, backend));
        if (check && result.returnCode() != 0) {
            throw new CalledProcessException(result.failedStage().orElseThrow());
        }
        for (int i = n - 1; i >= 0; i--) {
            CompletedProcess r = results.get(i);
            if (effective.get(i).checkValue() && r.returnCode() != 0 && !excused(r, i, n, backend)) {
                throw new CalledProcessException(r);
            }
        }
        return result;
    }

    /** The index of the last stage that failed (pipefail), or -1 when none did. */
    private static int decidingStage(List<CompletedProcess> results, Backend backend) {
        int n = results.size();
        for (int i = n - 1; i >= 0; i--) {
            CompletedProcess r = results.get(i);
            if (r.returnCode() != 0 && !excused(r, i, n, backend)) {
                return i;
            }
        }
        return -1;
    }

    /** A stage before the last one killed by SIGPIPE: its reader had gone, which does not count. */
    private static boolean excused(CompletedProcess r, int index, int count, Backend backend) {
        return index < count - 1 && backend.diedOfSigpipe(r.returnCode());
    }

    private static void killAll(List<ChildProcess> children) {
        for (ChildProcess c : children) {
            c.sendSignal(Signal.SIGKILL);
        }
    }

    private static byte[] emptyToNull(byte[] b) {
        return b == null || b.length == 0 ? null : b;
    }

    /** Every stage's argv, joined by {@code "|"}: what a {@link TimeoutExpiredException} names. */
    /** Starts every stage, with their JFR events (one {@code Spawn} per stage, or one {@code SpawnFailed}). */
    private static List<ChildProcess> start(Backend backend, List<SpawnRequest> requests) {
        SpawnRecording recording = SpawnRecording.begin(); // null unless a JFR recording wants it
        List<ChildProcess> children;
        try {
            children = backend.startPipeline(requests);
        } catch (RuntimeException | Error e) {
            if (recording != null) {
                recording.failed(requests, backend.name(), Launcher.local().name(), e);
            }
            throw e;
        }
        if (recording != null) {
            for (int i = 0; i < children.size(); i++) {
                recording.started(requests.get(i), backend.name(), Launcher.local().name(), children.get(i));
            }
        }
        return children;
    }

    List<String> joinedArgv() {
        List<String> all = new ArrayList<>();
        for (Command c : stages) {
            if (!all.isEmpty()) {
                all.add("|");
            }
            all.addAll(c.argv());
        }
        return all;
    }

    /** The stages quoted as a shell would read them, joined by {@code |}; never an environment value. */
    @Override
    public String toString() {
        return stages.stream().map(Command::toString).collect(Collectors.joining(" | "));
    }
}
