package dev.subprocess4j;

import dev.subprocess4j.internal.Backend;

/**
 * {@code Command.withBackend} (package-private: a hook for the library's own tests) for the tests
 * and fixtures outside this package: the Linux backend's tests in {@code internal.linux}, the
 * child-JVM mains in {@code fixtures}.
 */
public final class BackendHook {
    private BackendHook() {}

    /** {@code command} run on {@code backend}. */
    public static Command withBackend(Command command, Backend backend) {
        return command.withBackend(backend);
    }
}
