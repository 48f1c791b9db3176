package dev.subprocess4j;

import dev.subprocess4j.internal.Backend;
import dev.subprocess4j.internal.ChildProcess;
import dev.subprocess4j.internal.SpawnRequest;

/** The default launcher: this machine, through the JVM's backend. */
final class LocalLauncher extends LauncherBase implements Launcher {
    static final LocalLauncher INSTANCE = new LocalLauncher();

    private LocalLauncher() {}

    @Override
    public String name() {
        return "local";
    }

    /** The backend starts the child itself. */
    @Override
    ChildProcess start(Command command, SpawnRequest request, Backend backend, boolean forRun) {
        return forRun ? backend.startForRun(request) : backend.start(request);
    }

    /** Pipelines run here. */
    @Override
    void checkPipelineStage(String stage) {}

    /** A local spawn never waits on the network. */
    @Override
    boolean startMayWait() {
        return false;
    }

    @Override
    public String toString() {
        return "local";
    }
}
