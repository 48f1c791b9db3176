package dev.subprocess4j;

import dev.subprocess4j.fixtures.LeakCheckExtension;
import dev.subprocess4j.internal.Backend;
import dev.subprocess4j.internal.BackendSelector;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.Parameter;

/**
 * The base of every contract: a contract is written once against the public API and run for
 * each backend: a contract class is annotated {@link EveryBackend}, which runs all its tests once
 * per backend named by {@link #backends()}. A test class of one backend's own behaviour extends
 * this class and overrides {@link #backend()}. What a backend does not support is asserted to be
 * refused with {@link UnsupportedOperationException}, never skipped.
 */
@ExtendWith(LeakCheckExtension.class)
@Timeout(60)
public abstract class BackendContract {

    /** The backend of this run of an {@link EveryBackend} contract, one of {@link #backends()}. */
    @Parameter
    String backendName;

    /** The backends every contract runs on, by name. */
    static Stream<String> backends() {
        return Stream.of("linux-native", "jdk");
    }

    /** The backend under test: the one of this run, or the one a subclass names by overriding. */
    protected Backend backend() {
        if (backendName == null) {
            throw new IllegalStateException(
                    getClass().getName() + " names no backend: annotate it @EveryBackend or override backend()");
        }
        return BackendSelector.byName(backendName);
    }

    /** Whether the backend under test supports a feature. */
    protected final boolean supports(Backend.Feature feature) {
        return backend().features().contains(feature);
    }

    /** A command on the backend under test. */
    protected final Command cmd(String... argv) {
        return Subprocess.command(Arrays.asList(argv)).withBackend(backend());
    }

    /** {@code /bin/sh -c script} on the backend under test. */
    protected final Command sh(String script) {
        return Subprocess.shell(script).withBackend(backend());
    }

    /**
     * The return code the backend reports for a child killed by {@code signal} that the library
     * did not send (the child killed itself, or someone else did): {@code -N}, as Python; the JDK
     * backend cannot tell such a death from an exit with {@code 128+N} and reports that
     * (DESIGN.md "JDK backend", docs/semantics.md).
     */
    protected final int returnCodeForSignalNotSentByTheLibrary(Signal signal) {
        return backend().name().equals("jdk") ? 128 + signal.number() : -signal.number();
    }
}
