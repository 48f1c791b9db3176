package dev.subprocess4j.internal.linux;

import dev.subprocess4j.Redirect;
import dev.subprocess4j.Signal;
import dev.subprocess4j.SpawnException;
import dev.subprocess4j.internal.ChildProcess;
import dev.subprocess4j.internal.SpawnRequest;
import dev.subprocess4j.internal.Uninterruptibly;
import dev.subprocess4j.internal.linux.ffi.ErrnoException;
import dev.subprocess4j.internal.linux.ffi.Signals;
import dev.subprocess4j.internal.linux.ffi.Unistd;
import java.util.ArrayList;
import java.util.List;

/**
 * Starts the stages of a pipeline on the native backend: each stage's stdout is joined to the
 * next stage's stdin by a kernel pipe ({@code pipe2(O_CLOEXEC)}) handed to both children as
 * {@code dup2} redirects, and the JVM closes its copies of both ends as soon as the child that
 * needs them is spawned, so no byte of the pipeline passes through the JVM. Every stage joins one
 * new process group, led by the first stage, so a deadline kills them all.
 */
public final class LinuxPipeline {
    private LinuxPipeline() {}

    /**
     * Starts every stage, first to last. When a stage fails to spawn, the stages already started
     * are killed and reaped and the pipes closed before the exception is rethrown.
     *
     * @param stages the stages, with the first stage's stdin and the last one's stdout as the
     *     pipeline wants them; the others are replaced by the joining pipes
     * @return the started children, in stage order
     */
    public static List<ChildProcess> start(List<SpawnRequest> stages) {
        int n = stages.size();
        List<LinuxChild> started = new ArrayList<>(n); // each held back from its reap until all are started
        int carried = -1; // read end of the previous stage's stdout pipe: this stage's stdin
        int pgid = 0;
        try {
            for (int i = 0; i < n; i++) {
                SpawnRequest r = stages.get(i);
                int[] next = null;
                try {
                    if (i < n - 1) {
                        next = joiningPipe(r);
                    }
                    Redirect in = i == 0 ? r.stdio().stdin() : Redirect.fd(carried);
                    Redirect out = next != null ? Redirect.fd(next[1]) : r.stdio().stdout();
                    // The first stage leads a new group; the others join it. The leader is not
                    // reaped before the last stage has joined (startStage holds its reap): a group
                    // exists while a member, even a zombie, does.
                    SpawnRequest stage = r.asPipelineStage(in, out, i == 0 ? 0 : pgid, true);
                    LinuxChild child = LinuxBackend.INSTANCE.startStage(stage);
                    started.add(child);
                    if (i == 0) {
                        pgid = (int) child.pid();
                    }
                } catch (RuntimeException | Error e) {
                    if (next != null) {
                        Unistd.closeQuietly(next[0]);
                        Unistd.closeQuietly(next[1]);
                    }
                    throw e;
                } finally {
                    Unistd.closeQuietly(carried); // the child has its copy, or failed
                    carried = -1;
                }
                if (next != null) {
                    Unistd.closeQuietly(next[1]);
                    carried = next[0];
                }
            }
        } catch (RuntimeException | Error e) {
            Unistd.closeQuietly(carried);
            if (!started.isEmpty() && started.getFirst().unreaped()) {
                // While the leader is a zombie held back from reaping, its pid (the group's id)
                // cannot be reused: the group kill cannot hit a stranger. Not so when the kernel
                // reaped it itself (SIGCHLD ignored): then each stage is killed through its pidfd only.
                Signals.killGroup(pgid, Signal.SIGKILL.number());
            }
            started.forEach(LinuxChild::releaseReap);
            killAndReap(started);
            throw e;
        }
        started.forEach(LinuxChild::releaseReap);
        return List.copyOf(started);
    }

    /** The pipe from a stage to the next; no fd left (EMFILE, ENFILE) is that stage's SpawnException, as for its own pipes. */
    private static int[] joiningPipe(SpawnRequest r) {
        try {
            return Unistd.pipe2(Unistd.O_CLOEXEC);
        } catch (ErrnoException e) {
            throw new SpawnException(SpawnException.Step.FDS, e.errno(), r.program(), "pipe2", e);
        }
    }

    /** Kills the stages started before a failure and reaps them, so nothing is left behind. */
    private static void killAndReap(List<LinuxChild> started) {
        for (LinuxChild c : started) {
            c.sendSignal(Signal.SIGKILL);
            c.closeStreams();
            Uninterruptibly.get(() -> c.waitFor(null)); // finish the clean-up first
        }
    }
}
