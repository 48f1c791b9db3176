package dev.subprocess4j.internal;

import dev.subprocess4j.Redirect;
import dev.subprocess4j.Rlimit;
import dev.subprocess4j.Signal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeSet;

/**
 * Everything a backend needs to start one child, resolved from a validated {@code Command}: what
 * to execute, the full environment the child gets, its streams and input, its lifetime (the
 * timeout policy), its identity and the setup done in the child before the exec. Built with
 * {@link #builder(List)}; what is not set is an empty {@link Optional} (or the documented
 * default), never {@code null}.
 *
 * @param exec what to execute, and where
 * @param env the environment of the child
 * @param stdio the child's standard streams and input
 * @param lifetime the deadline and how the child is killed
 * @param identity the user, groups and umask of the child
 * @param setup session, group, limits, fds, signals and terminal of the child
 */
public record SpawnRequest(Exec exec, Env env, Stdio stdio, Lifetime lifetime, Identity identity, Setup setup) {

    public SpawnRequest {
        Objects.requireNonNull(exec, "exec");
        Objects.requireNonNull(env, "env");
        Objects.requireNonNull(stdio, "stdio");
        Objects.requireNonNull(lifetime, "lifetime");
        Objects.requireNonNull(identity, "identity");
        Objects.requireNonNull(setup, "setup");
    }

    /**
     * What to execute, and where.
     *
     * @param argv the argv, argv[0] included, as the user gave it (for byte arguments that are not
     *     valid UTF-8: decoded with replacement, for display)
     * @param rawArgv the exact argv when an argument given as bytes is not valid UTF-8, else empty:
     *     the child gets {@code argv} in UTF-8
     * @param executable the program to execute instead of argv[0]
     * @param cwd the working directory; empty for the JVM's
     */
    public record Exec(List<String> argv, Optional<byte[][]> rawArgv, Optional<Path> executable, Optional<Path> cwd) {
        public Exec {
            Objects.requireNonNull(argv, "argv"); // unmodifiable: Command's
            Objects.requireNonNull(rawArgv, "rawArgv");
            Objects.requireNonNull(executable, "executable");
            Objects.requireNonNull(cwd, "cwd");
        }

        @Override
        public String toString() {
            return "argv=" + argv + ", executable=" + executable.orElse(null) + ", cwd=" + cwd.orElse(null);
        }
    }

    /**
     * The environment of the child.
     *
     * @param variables the complete environment of the child, but for {@code raw}
     * @param inherited whether {@code variables} is the JVM's unchanged (and {@code raw} empty)
     * @param raw variables given as bytes that are not valid UTF-8, added to {@code variables}
     *     (which holds none of their keys)
     */
    public record Env(Map<String, String> variables, boolean inherited, Map<ByteString, byte[]> raw) {
        public Env {
            Objects.requireNonNull(variables, "variables");
            Objects.requireNonNull(raw, "raw");
        }

        /** The names only, never a value: a value may be a secret. */
        @Override
        public String toString() {
            return "environment=" + variables.size() + " variables " + new TreeSet<>(variables.keySet())
                    + (raw.isEmpty() ? "" : " and " + raw.size() + " byte variables") + ", inherited=" + inherited;
        }
    }

    /**
     * The child's standard streams and input.
     *
     * @param stdin where stdin comes from
     * @param stdout where stdout goes
     * @param stderr where stderr goes
     * @param input bytes to write to stdin by {@code run()}/{@code communicate()}
     * @param text how output is decoded (for line redirects)
     */
    public record Stdio(Redirect stdin, Redirect stdout, Redirect stderr, Optional<byte[]> input, TextCodec text) {
        public Stdio {
            Objects.requireNonNull(stdin, "stdin");
            Objects.requireNonNull(stdout, "stdout");
            Objects.requireNonNull(stderr, "stderr");
            Objects.requireNonNull(input, "input");
            Objects.requireNonNull(text, "text");
        }

        /** The input's size only. */
        @Override
        public String toString() {
            return "stdin=" + stdin + ", stdout=" + stdout + ", stderr=" + stderr + ", input="
                    + input.map(b -> b.length + " bytes").orElse("none") + ", text=" + text;
        }
    }

    /**
     * The deadline and how the child is killed.
     *
     * @param timeout the child's deadline measured from the spawn
     * @param killSignal the first signal sent when the deadline passes
     * @param killGrace the wait between {@code killSignal} and SIGKILL
     * @param killGroupOnTimeout whether the deadline kill goes to the child's process group
     * @param killOnParentExit whether the child is killed when the JVM dies
     */
    public record Lifetime(Optional<Duration> timeout, Signal killSignal, Duration killGrace, boolean killGroupOnTimeout,
                           boolean killOnParentExit) {
        public Lifetime {
            Objects.requireNonNull(timeout, "timeout");
            Objects.requireNonNull(killSignal, "killSignal");
            Objects.requireNonNull(killGrace, "killGrace");
        }

        @Override
        public String toString() {
            return "timeout=" + timeout.orElse(null) + ", killSignal=" + killSignal + ", killGrace=" + killGrace
                    + ", killGroupOnTimeout=" + killGroupOnTimeout + ", killOnParentExit=" + killOnParentExit;
        }
    }

    /**
     * The user, groups and umask of the child; all empty: the JVM's.
     *
     * @param user the user to switch to
     * @param group the group to switch to
     * @param extraGroups the supplementary groups
     * @param umask the umask
     */
    public record Identity(Optional<String> user, Optional<String> group, Optional<List<String>> extraGroups,
                           OptionalInt umask) {
        public Identity {
            Objects.requireNonNull(user, "user");
            Objects.requireNonNull(group, "group");
            Objects.requireNonNull(extraGroups, "extraGroups");
            Objects.requireNonNull(umask, "umask");
        }

        /** Whether a user, group or supplementary groups are asked for. */
        public boolean changesCredentials() {
            return user.isPresent() || group.isPresent() || extraGroups.isPresent();
        }

        @Override
        public String toString() {
            return "user=" + user.orElse(null) + ", group=" + group.orElse(null) + ", extraGroups="
                    + extraGroups.orElse(null) + ", umask="
                    + (umask.isPresent() ? "0" + Integer.toOctalString(umask.getAsInt()) : "null");
        }
    }

    /**
     * The pseudo-terminal's size ({@code Command.pty}).
     *
     * @param columns its columns
     * @param rows its rows
     */
    public record Pty(int columns, int rows) {
        @Override
        public String toString() {
            return columns + "x" + rows;
        }
    }

    /**
     * Session, group, limits, fds, signals and terminal of the child.
     *
     * @param newSession whether the child calls {@code setsid()}
     * @param processGroup the process group to join (0 = a new one)
     * @param rlimits soft and hard limits per resource
     * @param passFds fds kept open in the child besides 0–2, ascending
     * @param closeFds whether every other fd is closed in the child
     * @param restoreSignals whether signals 1–31 start at their default dispositions
     * @param pty the pseudo-terminal the child runs on
     */
    public record Setup(boolean newSession, OptionalInt processGroup, Map<Rlimit, long[]> rlimits, int[] passFds,
                        boolean closeFds, boolean restoreSignals, Optional<Pty> pty) {
        public Setup {
            Objects.requireNonNull(processGroup, "processGroup");
            Objects.requireNonNull(rlimits, "rlimits");
            Objects.requireNonNull(passFds, "passFds");
            Objects.requireNonNull(pty, "pty");
        }

        @Override
        public String toString() {
            return "newSession=" + newSession + ", processGroup="
                    + (processGroup.isPresent() ? processGroup.getAsInt() : "null") + ", rlimits=" + rlimits.keySet()
                    + ", passFds=" + Arrays.toString(passFds) + ", closeFds=" + closeFds + ", restoreSignals="
                    + restoreSignals + pty.map(p -> ", pty=" + p).orElse("");
        }
    }

    /** A builder of a request running {@code argv}, with every default of a plain {@code Command}. */
    public static Builder builder(List<String> argv) {
        return new Builder(argv);
    }

    /** A builder holding this request's values. */
    public Builder toBuilder() {
        Builder b = new Builder(exec.argv());
        b.rawArgv = exec.rawArgv().orElse(null);
        b.executable = exec.executable().orElse(null);
        b.cwd = exec.cwd().orElse(null);
        b.variables = env.variables();
        b.inherited = env.inherited();
        b.rawEnvironment = env.raw();
        b.stdin = stdio.stdin();
        b.stdout = stdio.stdout();
        b.stderr = stdio.stderr();
        b.input = stdio.input().orElse(null);
        b.text = stdio.text();
        b.timeout = lifetime.timeout().orElse(null);
        b.killSignal = lifetime.killSignal();
        b.killGrace = lifetime.killGrace();
        b.killGroupOnTimeout = lifetime.killGroupOnTimeout();
        b.killOnParentExit = lifetime.killOnParentExit();
        b.user = identity.user().orElse(null);
        b.group = identity.group().orElse(null);
        b.extraGroups = identity.extraGroups().orElse(null);
        b.umask = identity.umask().isPresent() ? identity.umask().getAsInt() : null;
        b.newSession = setup.newSession();
        b.processGroup = setup.processGroup().isPresent() ? setup.processGroup().getAsInt() : null;
        b.rlimits = setup.rlimits();
        b.passFds = setup.passFds();
        b.closeFds = setup.closeFds();
        b.restoreSignals = setup.restoreSignals();
        b.pty = setup.pty().orElse(null);
        return b;
    }

    /**
     * Builds a {@link SpawnRequest}. A {@code null} given to a setter means "not set" (the
     * default); the built request holds empty {@link Optional}s instead. Defaults: the JVM's
     * environment, inherited streams, no input, UTF-8 text, no timeout, SIGKILL with a 5 s
     * grace, no group kill, no identity change, closed fds, restored signals, no terminal.
     */
    public static final class Builder {
        private final List<String> argv;
        private byte[][] rawArgv;
        private Path executable;
        private Path cwd;
        private Map<String, String> variables;
        private boolean inherited = true;
        private Map<ByteString, byte[]> rawEnvironment = Map.of();
        private Redirect stdin = Redirect.INHERIT;
        private Redirect stdout = Redirect.INHERIT;
        private Redirect stderr = Redirect.INHERIT;
        private byte[] input;
        private TextCodec text = TextCodec.DEFAULT;
        private Duration timeout;
        private Signal killSignal = Signal.SIGKILL;
        private Duration killGrace = Duration.ofSeconds(5);
        private boolean killGroupOnTimeout;
        private boolean killOnParentExit;
        private String user;
        private String group;
        private List<String> extraGroups;
        private Integer umask;
        private boolean newSession;
        private Integer processGroup;
        private Map<Rlimit, long[]> rlimits = Map.of();
        private int[] passFds = new int[0];
        private boolean closeFds = true;
        private boolean restoreSignals = true;
        private Pty pty;

        private Builder(List<String> argv) {
            this.argv = Objects.requireNonNull(argv, "argv");
        }

        /** The exact argv when some argument is bytes that are not valid UTF-8; {@code null}: UTF-8 of the argv. */
        public Builder rawArgv(byte[][] raw) {
            this.rawArgv = raw;
            return this;
        }

        public Builder executable(Path executable) {
            this.executable = executable;
            return this;
        }

        public Builder cwd(Path cwd) {
            this.cwd = cwd;
            return this;
        }

        /**
         * The child's complete environment; {@code inherited}: it is the JVM's, unchanged.
         *
         * @param raw variables given as bytes that are not valid UTF-8 (none of their keys in {@code variables})
         */
        public Builder environment(Map<String, String> variables, boolean inherited, Map<ByteString, byte[]> raw) {
            this.variables = Objects.requireNonNull(variables, "variables");
            this.inherited = inherited && raw.isEmpty();
            this.rawEnvironment = Objects.requireNonNull(raw, "raw");
            return this;
        }

        /** The child's complete environment, all text; {@code inherited}: it is the JVM's, unchanged. */
        public Builder environment(Map<String, String> variables, boolean inherited) {
            return environment(variables, inherited, Map.of());
        }

        public Builder stdio(Redirect stdin, Redirect stdout, Redirect stderr) {
            this.stdin = Objects.requireNonNull(stdin, "stdin");
            this.stdout = Objects.requireNonNull(stdout, "stdout");
            this.stderr = Objects.requireNonNull(stderr, "stderr");
            return this;
        }

        public Builder input(byte[] input) {
            this.input = input;
            return this;
        }

        public Builder text(TextCodec text) {
            this.text = Objects.requireNonNull(text, "text");
            return this;
        }

        public Builder timeout(Duration timeout) {
            this.timeout = timeout;
            return this;
        }

        /** The kill at the deadline: {@code signal}, SIGKILL {@code grace} later, to the group or not. */
        public Builder kill(Signal signal, Duration grace, boolean group) {
            this.killSignal = Objects.requireNonNull(signal, "killSignal");
            this.killGrace = Objects.requireNonNull(grace, "killGrace");
            this.killGroupOnTimeout = group;
            return this;
        }

        public Builder killOnParentExit(boolean on) {
            this.killOnParentExit = on;
            return this;
        }

        public Builder identity(String user, String group, List<String> extraGroups, Integer umask) {
            this.user = user;
            this.group = group;
            this.extraGroups = extraGroups;
            this.umask = umask;
            return this;
        }

        public Builder newSession(boolean on) {
            this.newSession = on;
            return this;
        }

        /** The process group to join (0 = a new one); {@code null}: the JVM's. */
        public Builder processGroup(Integer group) {
            this.processGroup = group;
            return this;
        }

        public Builder rlimits(Map<Rlimit, long[]> rlimits) {
            this.rlimits = Objects.requireNonNull(rlimits, "rlimits");
            return this;
        }

        public Builder fds(int[] passFds, boolean closeFds) {
            this.passFds = Objects.requireNonNull(passFds, "passFds");
            this.closeFds = closeFds;
            return this;
        }

        public Builder restoreSignals(boolean on) {
            this.restoreSignals = on;
            return this;
        }

        /** A pseudo-terminal; {@code null}: none. */
        public Builder pty(Pty pty) {
            this.pty = pty;
            return this;
        }

        public SpawnRequest build() {
            Map<String, String> env = variables != null ? variables : JdkEnvironment.get();
            return new SpawnRequest(
                    new Exec(argv, Optional.ofNullable(rawArgv), Optional.ofNullable(executable), Optional.ofNullable(cwd)),
                    new Env(env, inherited, rawEnvironment),
                    new Stdio(stdin, stdout, stderr, Optional.ofNullable(input), text),
                    new Lifetime(Optional.ofNullable(timeout), killSignal, killGrace, killGroupOnTimeout, killOnParentExit),
                    new Identity(Optional.ofNullable(user), Optional.ofNullable(group), Optional.ofNullable(extraGroups),
                            umask == null ? OptionalInt.empty() : OptionalInt.of(umask)),
                    new Setup(newSession, processGroup == null ? OptionalInt.empty() : OptionalInt.of(processGroup),
                            rlimits, passFds, closeFds, restoreSignals, Optional.ofNullable(pty)));
        }
    }

    /**
     * Everything but the values of the environment (names only: a value may be a secret) and the
     * input (its size only).
     */
    @Override
    public String toString() {
        return "SpawnRequest[" + exec + ", " + env + ", " + stdio + ", " + lifetime + ", " + identity + ", " + setup + "]";
    }

    /** The argv, argv[0] included ({@link Exec#argv()}). */
    public List<String> argv() {
        return exec.argv();
    }

    /** The program as the user named it: the executable when set, else argv[0]. */
    public String program() {
        return exec.executable().map(Path::toString).orElseGet(() -> exec.argv().getFirst());
    }

    /** The exact bytes of argument {@code i} the child gets. */
    public byte[] argBytes(int i) {
        return exec.rawArgv().isPresent() ? exec.rawArgv().get()[i] : exec.argv().get(i).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The bytes of the path to execute: those of argv[0] when {@code path} is argv[0] itself
     * (a name with {@code /}, which may be bytes that are not UTF-8), else {@code path} in UTF-8.
     */
    public byte[] pathBytes(String path) {
        if (exec.rawArgv().isPresent() && exec.executable().isEmpty() && path.equals(exec.argv().getFirst())) {
            return exec.rawArgv().get()[0];
        }
        return path.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * This request as one stage of a pipeline: other stdin and stdout (the pipes that join the
     * stages), and the process group the stages share.
     *
     * @param stdin where stdin comes from
     * @param stdout where stdout goes
     * @param processGroup the group to join (0 = a new one), or {@code null}
     * @param killGroupOnTimeout whether the deadline kill goes to that group
     * @return the changed copy
     */
    public SpawnRequest asPipelineStage(Redirect stdin, Redirect stdout, Integer processGroup, boolean killGroupOnTimeout) {
        return toBuilder().stdio(stdin, stdout, stdio.stderr()).processGroup(processGroup)
                .kill(lifetime.killSignal(), lifetime.killGrace(), killGroupOnTimeout).build();
    }
}
