package dev.subprocess4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** The backend choice and the platform's text encoding, observed in separate JVMs. */
@ExtendWith(LeakCheckExtension.class)
@Timeout(60)
class BackendSelectionTest {

    private static String probe(Map<String, String> env, String... jvmFlags) {
        List<String> argv = new ArrayList<>();
        argv.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        argv.addAll(List.of(jvmFlags));
        argv.addAll(List.of("-cp", System.getProperty("java.class.path"), BackendProbeMain.class.getName()));
        Command c = Subprocess.command(argv).captureOutput().timeout(java.time.Duration.ofSeconds(50));
        for (Map.Entry<String, String> e : env.entrySet()) {
            c = c.putEnv(e.getKey(), e.getValue());
        }
        CompletedProcess r = c.run();
        assertThat(r.returnCode()).as("probe JVM stderr: %s", r.stderr()).isZero();
        return r.stdout();
    }

    @Test
    void linuxNativeIsChosenWhenNativeAccessIsEnabled() {
        String out = probe(Map.of("LANG", "C.UTF-8", "LC_ALL", "C.UTF-8"), "--enable-native-access=ALL-UNNAMED");
        assertThat(out).contains("backend=linux-native", "unavailable={}", "child-argv-equal=true");
    }

    @Test
    void deniedNativeAccessFallsBackToTheJdkBackendAndSaysWhy() {
        String out = probe(Map.of("LANG", "C.UTF-8", "LC_ALL", "C.UTF-8"), "--illegal-native-access=deny");
        assertThat(out).contains("backend=jdk").contains("linux-native=native access is denied")
                .contains("child-argv-equal=true");
    }

    @Test
    void theJdkBackendRefusesNonAsciiArgvUnderANonUtf8Locale() {
        String out = probe(Map.of("LANG", "C", "LC_ALL", "C"), "-Dsubprocess4j.backend=jdk");
        assertThat(out).contains("backend=jdk")
                .contains("error=UnsupportedOperationException: non-ASCII argument 2")
                .contains("sun.jnu.encoding");
    }

    @Test
    void theNativeBackendPassesUtf8ArgvWhateverTheLocale() {
        String out = probe(Map.of("LANG", "C", "LC_ALL", "C"), "--enable-native-access=ALL-UNNAMED");
        assertThat(out).contains("backend=linux-native", "child-argv-equal=true");
    }
}
