package dev.subprocess4j.internal;

import java.util.Set;

/**
 * A way of starting children. Each backend states what it can do; what it cannot is refused at
 * start with {@link UnsupportedOperationException} naming the option and the backend.
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
