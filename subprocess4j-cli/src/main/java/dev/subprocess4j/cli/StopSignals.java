package dev.subprocess4j.cli;

import dev.subprocess4j.Signal;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * sp's handling of the signals that ask it to stop: {@code SIGINT} (Ctrl-C), {@code SIGTERM} and
 * {@code SIGHUP}. While installed, each goes to a listener (which stops sp's commands through
 * {@link GroupReaper}) instead of the JVM's shutdown; {@link #exitBy} then ends sp by the same
 * signal, as coreutils {@code timeout} and well-behaved shells' children do, so that a calling
 * shell sees 128+N and (for {@code SIGINT}) stops its own loop.
 *
 * <p>The handlers are {@code sun.misc.Signal}'s (module {@code jdk.unsupported}, exported for
 * exactly this): a shutdown hook alone runs after the JVM has decided to exit and cannot wait
 * for a grace period and escalate reliably. (javac warns about every use of {@code sun.misc}; the
 * warning cannot be turned off for this class alone.) A signal that was ignored when sp started (a job
 * started with {@code &} by a non-interactive shell ignores {@code SIGINT}) stays ignored.
 *
 * <h2>Thread safety</h2>
 * The listener runs on a thread the JVM starts for each signal received; it may run more than
 * once, concurrently (a second Ctrl-C).
 */
final class StopSignals implements AutoCloseable {
    /** The signals handled, in the order they are installed. */
    static final List<Signal> HANDLED = List.of(Signal.SIGINT, Signal.SIGTERM, Signal.SIGHUP);

    private final List<sun.misc.Signal> installed = new ArrayList<>();
    private final List<sun.misc.SignalHandler> previous = new ArrayList<>();

    private StopSignals() {}

    /** Sends each of {@link #HANDLED} to {@code listener} from now until {@link #close()}. */
    static StopSignals install(Consumer<Signal> listener) {
        StopSignals s = new StopSignals();
        for (Signal signal : HANDLED) {
            sun.misc.Signal jvmSignal = new sun.misc.Signal(shortName(signal));
            sun.misc.SignalHandler old;
            try {
                old = sun.misc.Signal.handle(jvmSignal, received -> listener.accept(signal));
            } catch (IllegalArgumentException inUse) {
                continue; // the JVM keeps it (-Xrs): its default handling stays
            }
            if (old == sun.misc.SignalHandler.SIG_IGN) {
                sun.misc.Signal.handle(jvmSignal, old); // ignored by whoever started sp: stays so
                continue;
            }
            s.installed.add(jvmSignal);
            s.previous.add(old);
        }
        return s;
    }

    /** Gives the signals back to the JVM's own handling (its shutdown). */
    @Override
    public void close() {
        for (int i = 0; i < installed.size(); i++) {
            try {
                sun.misc.Signal.handle(installed.get(i), previous.get(i));
            } catch (IllegalArgumentException e) {
                // cannot happen for a signal installed above
            }
        }
        installed.clear();
        previous.clear();
    }

    /**
     * Ends the JVM by {@code signal}, with its default action (the caller flushed its output
     * first): the default disposition back, then libc's {@code raise} through
     * {@code java.lang.foreign} ({@code sun.misc.Signal.raise} refuses a signal without a Java
     * handler). Should the JVM survive it (a JVM run with {@code -Xrs}, no native access), it
     * exits with 128+N, what a shell reports for a death by signal N. Shutdown hooks do not run.
     */
    @SuppressWarnings("restricted") // sp runs with native access (its jar's manifest)
    static void exitBy(Signal signal) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal(shortName(signal)), sun.misc.SignalHandler.SIG_DFL);
            Linker linker = Linker.nativeLinker();
            MethodHandle raise = linker.downcallHandle(linker.defaultLookup().find("raise").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
            int unused = (int) raise.invokeExact(signal.number());
            Thread.sleep(1000); // delivered to this thread before raise returns; the wait is not expected to end
        } catch (Throwable notRaised) {
            // halt below
        }
        Runtime.getRuntime().halt(128 + signal.number());
    }

    /** The name sun.misc.Signal knows: "INT" for SIGINT. */
    private static String shortName(Signal signal) {
        return signal.name().substring(3);
    }
}
