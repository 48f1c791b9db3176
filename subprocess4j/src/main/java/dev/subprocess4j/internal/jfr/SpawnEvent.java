package dev.subprocess4j.internal.jfr;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/**
 * {@code dev.subprocess4j.Spawn}: one child started by the library, committed when it exited. The
 * event starts just before the spawn and ends when the exit was seen, so its duration is the
 * child's life; its thread is the one that saw the exit, {@link #spawningThread} the caller's.
 * No stack trace: the commit happens on that other thread, where one would say nothing.
 * No environment value is ever recorded.
 */
@Name("dev.subprocess4j.Spawn")
@Label("Subprocess Spawn")
@Category({"subprocess4j"})
@Description("A child process started by subprocess4j, committed at its exit; the duration is the child's life")
@Enabled(true)
@StackTrace(false)
public final class SpawnEvent extends Event {
    @Label("PID")
    long pid;

    @Label("Program")
    @Description("argv[0], or the executable when one was given")
    String program;

    @Label("Arguments")
    @Description("The argv quoted as a shell reads it (shlex.join); never an environment value")
    String argv;

    @Label("Working Directory")
    @Description("The child's working directory, empty when it inherited the JVM's")
    String cwd;

    @Label("Backend")
    String backend;

    @Label("Spawn Path")
    @Description("How the backend started the child, when it tells (empty otherwise)")
    String spawnPath;

    @Label("Launcher")
    @Description("local, or the remote launcher (ssh, slurm) the child ran through")
    String launcher;

    @Label("Spawning Thread")
    Thread spawningThread;

    @Label("Spawn Time")
    @Description("How long the spawn call took, until the child's pid was known")
    @Timespan(Timespan.NANOSECONDS)
    long spawnTime;

    @Label("Exit Status")
    @Description("The return code: 0-255 for an exit, -N when signal N killed the child")
    int exitStatus;

    @Label("Signal")
    @Description("The signal that killed the child, empty after a normal exit")
    String signal;

    @Label("Timed Out")
    @Description("Whether the command's deadline passed and the child was killed for it")
    boolean timedOut;

    @Label("User CPU")
    @Description("-1 when the backend cannot know (jdk)")
    @Timespan(Timespan.NANOSECONDS)
    long userCpu;

    @Label("System CPU")
    @Description("-1 when the backend cannot know (jdk)")
    @Timespan(Timespan.NANOSECONDS)
    long systemCpu;

    @Label("Max RSS")
    @Description("The child's own peak; -1 when unknown: the jdk backend, or a peak that cannot be told apart from the JVM's size (ResourceUsage.maxRssBytes)")
    @DataAmount(DataAmount.BYTES)
    long maxRss;

    @Label("Minor Faults")
    long minorFaults;

    @Label("Major Faults")
    long majorFaults;

    @Label("Voluntary Context Switches")
    long voluntaryContextSwitches;

    @Label("Involuntary Context Switches")
    long involuntaryContextSwitches;
}
