package dev.subprocess4j;

import dev.subprocess4j.internal.Backend;
import dev.subprocess4j.internal.ChildProcess;
import dev.subprocess4j.internal.SpawnRequest;

/**
 * What every {@link Launcher} does for {@link Command}, {@link Pipeline} and {@link ProcessPool}:
 * it starts a command's child itself and refuses what it cannot do, naming the option and itself.
 * Each launcher class extends this one, so the library asks the launcher and never tests which
 * class it is; {@link #of} is the one place where a {@code Launcher} is seen as one.
 */
abstract class LauncherBase {
    LauncherBase() {}

    /** {@code launcher} as what it does: every launcher is one ({@link Launcher} is sealed). */
    static LauncherBase of(Launcher launcher) {
        return (LauncherBase) launcher;
    }

    /** A short name for messages, e.g. {@code local} or {@code ssh ci@build-1:22}. */
    public abstract String name();

    /**
     * Starts {@code command}'s child.
     *
     * @param command the command, for what the request does not carry (the environment's changes)
     * @param request the command resolved for a backend
     * @param backend the local backend: it runs the child, or the launcher's client (ssh, srun)
     * @param forRun whether the calling thread waits for the child at once ({@code Command.run()})
     * @throws UnsupportedOperationException for an option this launcher cannot honour
     * @throws SpawnException when the child cannot be started
     */
    abstract ChildProcess start(Command command, SpawnRequest request, Backend backend, boolean forRun);

    /**
     * Refuses a pipeline stage on this launcher: pipelines are joined by kernel pipes between
     * children of this JVM, on this machine. The local launcher allows it.
     *
     * @param stage the stage, for the message
     * @throws UnsupportedOperationException on every launcher but the local one
     */
    void checkPipelineStage(String stage) {
        throw new UnsupportedOperationException(stage + " runs on the " + name()
                + " launcher: pipelines run on this machine only");
    }

    /**
     * Whether a start may wait on the network (a connection's handshake), so that a pool starts
     * it off the thread that starts the others.
     */
    boolean startMayWait() {
        return true;
    }
}
