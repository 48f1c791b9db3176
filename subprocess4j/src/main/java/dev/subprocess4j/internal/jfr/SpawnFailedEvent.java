package dev.subprocess4j.internal.jfr;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/**
 * {@code dev.subprocess4j.SpawnFailed}: a spawn that started no child, committed on the calling
 * thread with its stack trace (failures are rare, and the trace finds the caller). Its duration is
 * the attempt. No environment value is ever recorded.
 */
@Name("dev.subprocess4j.SpawnFailed")
@Label("Subprocess Spawn Failed")
@Category({"subprocess4j"})
@Description("A spawn by subprocess4j that started no child")
@Enabled(true)
@StackTrace(true)
public final class SpawnFailedEvent extends Event {
    @Label("Program")
    String program;

    @Label("Arguments")
    @Description("The argv quoted as a shell reads it (shlex.join); never an environment value")
    String argv;

    @Label("Working Directory")
    String cwd;

    @Label("Backend")
    String backend;

    @Label("Launcher")
    String launcher;

    @Label("Errno")
    @Description("The errno name (ENOENT, EACCES...), empty when the failure was no system call's")
    String errno;

    @Label("Step")
    @Description("The step of the child's set-up that failed (EXEC, CHDIR...), empty when unknown")
    String step;

    @Label("Exception")
    String exception;

    @Label("Message")
    String message;

    @Label("Spawn Time")
    @Timespan(Timespan.NANOSECONDS)
    long spawnTime;
}
