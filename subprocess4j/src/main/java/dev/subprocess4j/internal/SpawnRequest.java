package dev.subprocess4j.internal;

import dev.subprocess4j.Redirect;
import dev.subprocess4j.Rlimit;
import dev.subprocess4j.Signal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Everything a backend needs to start one child, resolved from a validated {@code Command}: the
 * full environment the child gets, the input as bytes, the effective timeout policy.
 *
 * @param argv the argv, argv[0] included, as the user gave it
 * @param executable the program to execute instead of argv[0], or {@code null}
 * @param cwd the working directory, or {@code null} for the JVM's
 * @param environment the complete environment of the child
 * @param environmentInherited whether {@code environment} is the JVM's unchanged
 * @param stdin where stdin comes from
 * @param stdout where stdout goes
 * @param stderr where stderr goes
 * @param input bytes to write to stdin by {@code run()}/{@code communicate()}, or {@code null}
 * @param timeout the child's deadline measured from the spawn, or {@code null}
 * @param killSignal the first signal sent when the deadline passes
 * @param killGrace the wait between {@code killSignal} and SIGKILL
 * @param killGroupOnTimeout whether the deadline kill goes to the child's process group
 * @param startNewSession whether the child calls {@code setsid()}
 * @param processGroup the process group to join (0 = a new one), or {@code null}
 * @param user the user to switch to, or {@code null}
 * @param group the group to switch to, or {@code null}
 * @param extraGroups the supplementary groups, or {@code null} when not set
 * @param umask the umask, or {@code null}
 * @param rlimits soft and hard limits per resource
 * @param passFds fds kept open in the child besides 0–2
 * @param closeFds whether every other fd is closed in the child
 * @param restoreSignals whether signals 1–31 start at their default dispositions
 * @param killOnParentExit whether the child is killed when the JVM dies
 * @param text how output is decoded (for line redirects)
 * @param pty the pseudo-terminal's {columns, rows} ({@code Command.pty}), or {@code null} for none
 * @param rawArgv the exact argv when an argument given as bytes is not valid UTF-8 (then
 *     {@code argv} is its display form), or {@code null}: the child gets {@code argv} in UTF-8
 * @param rawEnvironment variables given as bytes that are not valid UTF-8, added to
 *     {@code environment} (which holds none of their keys); empty when there are none
 */
public record SpawnRequest(
        List<String> argv,
        Path executable,
        Path cwd,
        Map<String, String> environment,
        boolean environmentInherited,
        Redirect stdin,
        Redirect stdout,
        Redirect stderr,
        byte[] input,
        Duration timeout,
        Signal killSignal,
        Duration killGrace,
        boolean killGroupOnTimeout,
        boolean startNewSession,
        Integer processGroup,
        String user,
        String group,
        List<String> extraGroups,
        Integer umask,
        Map<Rlimit, long[]> rlimits,
        int[] passFds,
        boolean closeFds,
        boolean restoreSignals,
        boolean killOnParentExit,
        TextCodec text,
        int[] pty,
        byte[][] rawArgv,
        Map<ByteString, byte[]> rawEnvironment) {

    /** A request without a pseudo-terminal. */
    public SpawnRequest(List<String> argv, Path executable, Path cwd, Map<String, String> environment,
                        boolean environmentInherited, Redirect stdin, Redirect stdout, Redirect stderr, byte[] input,
                        Duration timeout, Signal killSignal, Duration killGrace, boolean killGroupOnTimeout,
                        boolean startNewSession, Integer processGroup, String user, String group,
                        List<String> extraGroups, Integer umask, Map<Rlimit, long[]> rlimits, int[] passFds,
                        boolean closeFds, boolean restoreSignals, boolean killOnParentExit, TextCodec text) {
        this(argv, executable, cwd, environment, environmentInherited, stdin, stdout, stderr, input, timeout, killSignal,
                killGrace, killGroupOnTimeout, startNewSession, processGroup, user, group, extraGroups, umask, rlimits,
                passFds, closeFds, restoreSignals, killOnParentExit, text, null, null, Map.of());
    }

    /**
     * Everything but the values of the environment (names only: a value may be a secret) and the
     * input (its size only).
     */
    @Override
    public String toString() {
        return "SpawnRequest[argv=" + argv + ", executable=" + executable + ", cwd=" + cwd + ", environment="
                + (environment == null ? "null" : environment.size() + " variables " + new java.util.TreeSet<>(environment.keySet()))
                + ", environmentInherited=" + environmentInherited + ", stdin=" + stdin + ", stdout=" + stdout
                + ", stderr=" + stderr + ", input=" + (input == null ? "null" : input.length + " bytes") + ", timeout="
                + timeout + ", killSignal=" + killSignal + ", killGrace=" + killGrace + ", killGroupOnTimeout="
                + killGroupOnTimeout + ", startNewSession=" + startNewSession + ", processGroup=" + processGroup
                + ", user=" + user + ", group=" + group + ", extraGroups=" + extraGroups + ", umask=" + umask
                + ", rlimits=" + (rlimits == null ? "null" : rlimits.keySet()) + ", passFds="
                + java.util.Arrays.toString(passFds) + ", closeFds=" + closeFds + ", restoreSignals=" + restoreSignals
                + ", killOnParentExit=" + killOnParentExit + ", text=" + text
                + (pty == null ? "" : ", pty=" + pty[0] + "x" + pty[1])
                + (rawEnvironment.isEmpty() ? "" : ", " + rawEnvironment.size() + " byte variables") + "]";
    }

    /** The exact bytes of argument {@code i} the child gets. */
    public byte[] argBytes(int i) {
        return rawArgv != null ? rawArgv[i] : argv.get(i).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    /**
     * The bytes of the path to execute: those of argv[0] when {@code path} is argv[0] itself
     * (a name with {@code /}, which may be bytes that are not UTF-8), else {@code path} in UTF-8.
     */
    public byte[] pathBytes(String path) {
        if (rawArgv != null && executable == null && path.equals(argv.getFirst())) {
            return rawArgv[0];
        }
        return path.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** The program as the user named it: the executable when set, else argv[0]. */
    public String program() {
        return executable != null ? executable.toString() : argv.getFirst();
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
        return new SpawnRequest(argv, executable, cwd, environment, environmentInherited, stdin, stdout, stderr, input,
                timeout, killSignal, killGrace, killGroupOnTimeout, startNewSession, processGroup, user, group,
                extraGroups, umask, rlimits, passFds, closeFds, restoreSignals, killOnParentExit, text, pty, rawArgv,
                rawEnvironment);
    }
}
