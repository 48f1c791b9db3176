package dev.subprocess4j.bench;

import dev.subprocess4j.Subprocess;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The library's backend for one fork: {@code linux-native} or {@code jdk}. The library chooses its
 * backend once per JVM, on first use, from the system property {@code subprocess4j.backend}; JMH
 * runs each parameter value in fresh forks and this setup runs before any benchmark method, so
 * setting the property here is the same as {@code -Dsubprocess4j.backend=...} on the command line.
 * The setup checks that the backend it asked for is the one in use.
 */
@State(Scope.Benchmark)
public class LibraryBackend {
    @Param({"linux-native", "jdk"})
    public String backend;

    @Setup
    public void select() {
        System.setProperty("subprocess4j.backend", backend);
        String used = Subprocess.backend();
        if (!used.equals(backend)) {
            throw new IllegalStateException("asked for backend " + backend + " and got " + used
                    + " (was the library used before this setup?)");
        }
    }
}
