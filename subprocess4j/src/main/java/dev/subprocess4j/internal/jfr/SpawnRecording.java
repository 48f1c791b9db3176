package dev.subprocess4j.internal.jfr;

import dev.subprocess4j.ResourceUsage;
import dev.subprocess4j.Shlex;
import dev.subprocess4j.Signal;
import dev.subprocess4j.SpawnException;
import dev.subprocess4j.internal.ChildProcess;
import dev.subprocess4j.internal.Outcome;
import dev.subprocess4j.internal.SpawnRequest;
import java.util.List;
import jdk.jfr.FlightRecorder;

/**
 * The JFR events of one spawn, from the public layer that every start passes through
 * ({@code Command.start}, {@code Pipeline.run}); backends know nothing of them.
 *
 * <p>Before the first recording of the JVM, {@link #begin()} returns {@code null} after one
 * check ({@link FlightRecorder#isInitialized()}), without loading the event classes. After it,
 * when no recording wants either event, {@code begin()} returns {@code null} after two
 * {@code isEnabled()} checks (JIT-compiled to a flag test, the event objects not even allocated).
 * Either way nothing else happens: no string is built, no callback is attached.
 */
public final class SpawnRecording {
    private SpawnEvent spawn;
    private boolean spawnUsed;
    private final boolean failedEnabled;
    private final long start = System.nanoTime();
    private long spawnTime;

    private SpawnRecording(SpawnEvent spawn, boolean failedEnabled) {
        this.spawn = spawn;
        this.failedEnabled = failedEnabled;
    }

    /** A recording of the spawn about to happen, or {@code null} when no recording wants it. */
    public static SpawnRecording begin() {
        if (!FlightRecorder.isInitialized()) {
            // No recording was ever started in this JVM: do not even load the event classes (the
            // first load of a jdk.jfr.Event subclass sets up part of JFR: ~250 classes, ~0.2 s).
            return null;
        }
        SpawnEvent spawn = new SpawnEvent();
        boolean spawnEnabled = spawn.isEnabled();
        boolean failedEnabled = new SpawnFailedEvent().isEnabled();
        if (!spawnEnabled && !failedEnabled) {
            return null;
        }
        if (spawnEnabled) {
            spawn.begin();
        }
        return new SpawnRecording(spawnEnabled ? spawn : null, failedEnabled);
    }

    /**
     * The child started: fills the spawn's fields now (on the caller's thread) and commits the
     * event when the child has exited. Called once per child of the spawn (a pipeline's stages
     * are spawned at once: each has its event, the later ones starting when the spawn returned;
     * all have the pipeline's spawn time).
     */
    public void started(SpawnRequest r, String backend, String launcher, ChildProcess child) {
        if (spawn == null) {
            return;
        }
        SpawnEvent e;
        if (spawnUsed) {
            e = new SpawnEvent();
            e.begin();
        } else {
            e = spawn;
            spawnUsed = true;
        }
        e.spawnTime = spawnTime == 0 ? (spawnTime = System.nanoTime() - start) : spawnTime;
        e.pid = child.pid();
        e.program = program(r);
        e.argv = Shlex.join(r.argv());
        e.cwd = r.exec().cwd().map(Object::toString).orElse("");
        e.backend = backend;
        e.spawnPath = child.spawnPath();
        e.launcher = launcher;
        e.spawningThread = Thread.currentThread();
        child.onExit().whenComplete((o, t) -> exited(e, child, o));
    }

    private static void exited(SpawnEvent e, ChildProcess child, Outcome o) {
        e.end();
        if (!e.shouldCommit()) {
            return;
        }
        if (o != null) {
            e.exitStatus = o.returnCode();
            e.signal = o.returnCode() < 0 ? Signal.of(-o.returnCode()).map(Signal::name).orElse("signal " + -o.returnCode()) : "";
            ResourceUsage u = o.usage();
            e.userCpu = u == null ? -1 : u.userCpu().toNanos();
            e.systemCpu = u == null ? -1 : u.systemCpu().toNanos();
            e.maxRss = u == null ? -1 : u.maxRssBytes().orElse(-1); // -1: unknown (not the JVM's size)
            e.minorFaults = u == null ? -1 : u.minorFaults();
            e.majorFaults = u == null ? -1 : u.majorFaults();
            e.voluntaryContextSwitches = u == null ? -1 : u.voluntaryContextSwitches();
            e.involuntaryContextSwitches = u == null ? -1 : u.involuntaryContextSwitches();
        } else {
            e.exitStatus = Integer.MIN_VALUE; // the exit could not be seen (the backend failed)
            e.signal = "";
        }
        e.timedOut = child.timedOut();
        e.commit();
    }

    /** No child started: commits {@code SpawnFailed} on this thread. */
    public void failed(List<SpawnRequest> requests, String backend, String launcher, Throwable failure) {
        if (!failedEnabled) {
            return;
        }
        SpawnFailedEvent e = new SpawnFailedEvent();
        e.spawnTime = System.nanoTime() - start;
        SpawnRequest first = requests.getFirst();
        if (failure instanceof SpawnException s) {
            e.program = s.program();
            e.errno = s.errnoName();
            e.step = s.step().name();
        } else {
            e.program = program(first);
            e.errno = "";
            e.step = "";
        }
        StringBuilder argv = new StringBuilder();
        for (SpawnRequest r : requests) {
            argv.append(argv.isEmpty() ? "" : " | ").append(Shlex.join(r.argv()));
        }
        e.argv = argv.toString();
        e.cwd = first.exec().cwd().map(Object::toString).orElse("");
        e.backend = backend;
        e.launcher = launcher;
        e.exception = failure.getClass().getName();
        e.message = failure.getMessage();
        e.commit();
    }

    private static String program(SpawnRequest r) {
        return r.program();
    }
}
