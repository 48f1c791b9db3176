package dev.subprocess4j.internal;

/**
 * The library's {@link System.Logger}, {@code dev.subprocess4j}, made at its first use rather than
 * when a class that logs is initialised: the first {@link System#getLogger} of a JVM starts its
 * logging backend (the service look-up over the class path, then {@code java.util.logging}'s
 * configuration), ~8 ms, which a backend's set-up then no longer waits for (see
 * subprocess4j-cli/README.md, "Start-up").
 */
public final class Log {
    private Log() {}

    private static final class Holder {
        static final System.Logger LOGGER = System.getLogger("dev.subprocess4j");
    }

    /** The logger. */
    public static System.Logger get() {
        return Holder.LOGGER;
    }
}
