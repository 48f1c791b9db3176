package dev.subprocess4j.internal;

import dev.subprocess4j.Signal;
import java.util.List;
import java.util.Set;

/**
 * A way of starting children. Each backend states what it can do; what it cannot is refused at
 * start with {@link UnsupportedOperationException} naming the option and the backend. The public
 * layer asks the backend itself (a command's, a pipeline's), never tests which class it is.
 */
public interface Backend {
    /** The backend's name: {@code linux-native} or {@code jdk}. */
    String name();

    /** What this backend supports. */
    Set<Feature> features();

    /**
     * Starts a child.
     *
     * @throws UnsupportedOperationException when the request needs a feature this backend lacks
     * @throws dev.subprocess4j.SpawnException when the child cannot be started
     */
    ChildProcess start(SpawnRequest request);

    /**
     * Starts a child that the calling thread waits for at once, to its end ({@code Command.run()}):
     * a backend may then leave its exit to that thread instead of its own watcher, as long as the
     * child is still reaped when the thread stops waiting early. The default is {@link #start}.
     *
     * @throws UnsupportedOperationException when the request needs a feature this backend lacks
     * @throws dev.subprocess4j.SpawnException when the child cannot be started
     */
    default ChildProcess startForRun(SpawnRequest request) {
        return start(request);
    }

    /**
     * Starts every stage of a pipeline joined by pipes child to child; when one stage cannot be
     * started, the ones already started are killed and reaped and the exception is rethrown. The
     * default refuses: a backend that runs pipelines overrides it.
     *
     * @param stages the stages, with the first stage's stdin and the last one's stdout as the
     *     pipeline wants them
     * @return the started children, in stage order
     * @throws UnsupportedOperationException when this backend cannot run pipelines
     * @throws dev.subprocess4j.SpawnException when a stage cannot be started
     */
    default List<ChildProcess> startPipeline(List<SpawnRequest> stages) {
        throw new UnsupportedOperationException("pipelines are not supported by the " + name() + " backend");
    }

    /**
     * Whether a return code of this backend may be a death by SIGPIPE (which a pipeline excuses in
     * every stage but the last): {@code -13}; a backend that reports a signal the library did not
     * send as {@code 128+N} adds {@code 141}.
     */
    default boolean diedOfSigpipe(int returnCode) {
        return returnCode == -Signal.SIGPIPE.number();
    }

    /** Options that not every backend supports. */
    enum Feature {
        /** {@code startNewSession()}. */ SESSIONS,
        /** {@code processGroup(int)}. */ PROCESS_GROUPS,
        /** {@code rlimit(...)}. */ RLIMITS,
        /** {@code user}, {@code group}, {@code extraGroups}. */ CREDENTIALS,
        /** {@code umask(int)}. */ UMASK,
        /** {@code passFds(...)}. */ PASS_FDS,
        /** {@code closeFds(false)}. */ KEEP_FDS,
        /** {@code restoreSignals(false)}. */ KEEP_SIGNAL_DISPOSITIONS,
        /** Signals other than SIGTERM and SIGKILL, and {@code signalGroup}. */ ANY_SIGNAL,
        /** {@code killOnParentExit()}. */ KILL_ON_PARENT_EXIT,
        /** {@code executable(...)} with an argv[0] of its own. */ ARGV0,
        /** {@code Redirect.fd(n)} for any open fd. */ ANY_FD_REDIRECT,
        /** {@code killGroupOnTimeout(true)}. */ KILL_GROUP,
        /** {@code CompletedProcess.usage()}. */ RESOURCE_USAGE,
        /** {@code pty()}: a pseudo-terminal. */ PTY
    }
}
