package dev.subprocess4j.internal.linux;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subprocess4j.CompletedProcess;
import dev.subprocess4j.Rlimit;
import dev.subprocess4j.Subprocess;
import dev.subprocess4j.fixtures.LeakCheckExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The JVM's first use of the library happens while fds or threads are exhausted: that call fails
 * with the errno (never an {@code Error}), and once the resources are back the next calls work with
 * the full native backend (its reactor, sessions, spawner threads) — nothing is remembered from
 * the failure. Each case runs {@link FirstUseExhaustionMain} in a fresh JVM.
 */
@ExtendWith(LeakCheckExtension.class)
@Timeout(300)
class FirstUseExhaustionTest {
    private static final List<String> RECOVERED = List.of("after=OK plain 0", "after=OK session 0",
            "after=OK pdeathsig 0", "backend=linux-native", "shared-table=true");

    private static CompletedProcess probe(String... args) {
        List<String> argv = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-Xss512k", "-cp", classesOnly(), FirstUseExhaustionMain.class.getName()));
        argv.addAll(List.of(args));
        return Subprocess.command(argv).captureOutput().timeout(Duration.ofSeconds(240)).run();
    }

    /** The library's and the tests' classes only: readable by nobody, unlike the local Maven repository. */
    private static String classesOnly() {
        return String.join(":", java.util.Arrays.stream(System.getProperty("java.class.path").split(":"))
                .filter(p -> p.endsWith("classes") || p.endsWith("classes/")).toList());
    }

    @ParameterizedTest(name = "{0} fds left")
    @ValueSource(ints = {0, 1, 2, 3, 5, 8, 14})
    void aFirstUseWithoutFdsFailsThatCallWithEmfileAndTheLibraryWorksOnceFdsAreBack(int free) {
        CompletedProcess r = probe("fds", Integer.toString(free));
        assertThat(r.returnCode()).as("stdout: %s%nstderr: %s", r.stdout(), r.stderr()).isZero();
        assertThat(r.stdout().lines().filter(l -> l.startsWith("first=")))
                .as(r.stdout())
                .hasSize(3)
                .allSatisfy(l -> assertThat(l).matches("first=(OK .*|SpawnException (EMFILE|ENFILE) [A-Z_]+)"));
        assertThat(r.stdout().lines().filter(l -> l.startsWith("after=") || l.startsWith("backend=")
                || l.startsWith("shared-table="))).as(r.stdout()).containsExactlyElementsOf(RECOVERED);
    }

    @Test
    void aFirstUseWithoutThreadsFailsThatCallWithEagainAndTheLibraryWorksOnceThreadsAreBack() {
        // RLIMIT_NPROC binds only an unprivileged user: the JVM runs as nobody, with room for its own threads.
        CompletedProcess r = Subprocess.command(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "--enable-native-access=ALL-UNNAMED", "-Xss512k", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                        "-cp", classesOnly(), FirstUseExhaustionMain.class.getName(), "threads"))
                .user("nobody").cwd(Path.of("/")).rlimit(Rlimit.NPROC, 120, 120)
                .captureOutput().timeout(Duration.ofSeconds(240)).run();
        assertThat(r.returnCode()).as("stdout: %s%nstderr: %s", r.stdout(), r.stderr()).isZero();
        assertThat(r.stdout().lines().filter(l -> l.startsWith("first=")))
                .as(r.stdout())
                .hasSize(3)
                .allSatisfy(l -> assertThat(l).matches("first=(OK .*|SpawnException EAGAIN [A-Z_]+)"))
                .anySatisfy(l -> assertThat(l).startsWith("first=SpawnException EAGAIN"));
        assertThat(r.stdout().lines().filter(l -> l.startsWith("after=") || l.startsWith("backend=")
                || l.startsWith("shared-table="))).as(r.stdout()).containsExactlyElementsOf(RECOVERED);
    }
}
