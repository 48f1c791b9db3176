package dev.subprocess4j.internal;

import dev.subprocess4j.Signal;
import dev.subprocess4j.internal.jdk.JdkBackend;
import dev.subprocess4j.internal.linux.LinuxBackend;
import dev.subprocess4j.internal.linux.LinuxPipeline;
import java.util.List;

/** Starts pipelines on the backend that runs them, and reads their stages' return codes. */
public final class Pipelines {
    private Pipelines() {}

    /**
     * Starts every stage of a pipeline joined by pipes child to child; when one stage cannot be
     * started, the ones already started are killed and reaped and the exception is rethrown.
     *
     * @param backend the backend of every stage
     * @param stages the stages, with the first stage's stdin and the last one's stdout as the
     *     pipeline wants them
     * @return the started children, in stage order
     * @throws UnsupportedOperationException when the backend cannot run pipelines
     */
    public static List<ChildProcess> start(Backend backend, List<SpawnRequest> stages) {
        return switch (backend) {
            case LinuxBackend linux -> LinuxPipeline.start(stages);
            case JdkBackend jdk -> jdk.startPipeline(stages);
            default -> throw new UnsupportedOperationException(
                    "pipelines are not supported by the " + backend.name() + " backend");
        };
    }

    /**
     * Whether a return code may be a death by SIGPIPE: {@code -13}, and on the JDK backend also
     * {@code 141}, as the JDK reports a signal the library did not send as 128+N.
     */
    public static boolean diedOfSigpipe(Backend backend, int returnCode) {
        return returnCode == -Signal.SIGPIPE.number()
                || (backend instanceof JdkBackend && returnCode == 128 + Signal.SIGPIPE.number());
    }
}
