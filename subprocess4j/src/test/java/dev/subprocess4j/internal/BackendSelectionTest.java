package dev.subprocess4j.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subprocess4j.Command;
import dev.subprocess4j.CompletedProcess;
import dev.subprocess4j.Subprocess;
import dev.subprocess4j.fixtures.BackendProbeMain;
import dev.subprocess4j.fixtures.LeakCheckExtension;
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
        return probe(env, List.of(jvmFlags), List.of());
    }

    /** Runs {@link BackendProbeMain} in a new JVM; its stdout, with its stderr after a "stderr:" line. */
    private static String probe(Map<String, String> env, List<String> jvmFlags, List<String> args) {
        List<String> argv = new ArrayList<>();
        argv.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        argv.addAll(jvmFlags);
        argv.addAll(List.of("-cp", System.getProperty("java.class.path"), BackendProbeMain.class.getName()));
        argv.addAll(args);
        Command c = Subprocess.command(argv).captureOutput().timeout(java.time.Duration.ofSeconds(50));
        for (Map.Entry<String, String> e : env.entrySet()) {
            c = c.putEnv(e.getKey(), e.getValue());
        }
        CompletedProcess r = c.run();
        assertThat(r.returnCode()).as("probe JVM stderr: %s", r.stderr()).isZero();
        return r.stdout() + "stderr:\n" + r.stderr();
    }

    @Test
    void aForcedJdkBackendMakesNoNativeCall() {
        // No --enable-native-access: any FFM downcall would print the JDK's restricted-method warning.
        String out = probe(Map.of(), List.of("-Dsubprocess4j.backend=jdk"), List.of("calls", "2"));
        assertThat(out).contains("call=OK backend=jdk").doesNotContain("WARNING").doesNotContain("restricted method");
    }

    @Test
    void aBadBackendSettingIsAnIllegalArgumentExceptionOnEveryCall() {
        String out = probe(Map.of(), List.of("-Dsubprocess4j.backend=bogus"), List.of("calls", "3"));
        assertThat(out.lines().filter(l -> l.startsWith("call=")))
                .hasSize(3)
                .allSatisfy(l -> assertThat(l).startsWith("call=java.lang.IllegalArgumentException: ")
                        .contains("'bogus'", "-Dsubprocess4j.backend", "linux-native or jdk"));
    }

    @Test
    void aForcedNativeBackendWithNativeAccessDeniedIsAnIllegalStateExceptionOnEveryCall() {
        String out = probe(Map.of(), List.of("-Dsubprocess4j.backend=linux-native", "--illegal-native-access=deny"),
                List.of("calls", "3"));
        assertThat(out.lines().filter(l -> l.startsWith("call=")))
                .hasSize(3)
                .allSatisfy(l -> assertThat(l).startsWith("call=java.lang.IllegalStateException: ")
                        .contains("linux-native is unavailable", "native access is denied"));
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
    void theDeniedNativeAccessReasonNamesTheFlagThatFixesIt() {
        String out = probe(Map.of("LANG", "C.UTF-8", "LC_ALL", "C.UTF-8"), "--illegal-native-access=deny");
        assertThat(out).contains("linux-native=native access is denied")
                .contains("run java with --enable-native-access=ALL-UNNAMED (class path; this JVM)")
                .contains("--enable-native-access=dev.subprocess4j (module path)")
                .contains("Enable-Native-Access: ALL-UNNAMED");
    }

    @Test
    void theJdkBackendRefusesNonAsciiArgvUnderANonUtf8Locale() {
        String out = probe(Map.of("LANG", "C", "LC_ALL", "C"), "-Dsubprocess4j.backend=jdk");
        assertThat(out).contains("backend=jdk")
                .contains("error=UnsupportedOperationException: non-ASCII argument 2")
                .contains("sun.jnu.encoding");
    }

    @Test
    void underLangCStringsReachTheChildAsUtf8AndBytesUnchangedOnTheNativeBackend() {
        String out = probe(Map.of("LANG", "C", "LC_ALL", "C"), List.of("--enable-native-access=ALL-UNNAMED"),
                List.of("bytes"));
        String cafeU = "636166c3a920c3bc"; // "café ü" in UTF-8
        assertThat(out).contains("backend=linux-native", "jnu=ANSI_X3.4-1968")
                .contains("string-arg=" + cafeU + "\n", "string-env=" + cafeU + "\n")
                .contains("bytes-arg=fffec3\n", "bytes-env=fffec3\n");
    }

    @Test
    void underLangCTheJdkBackendRefusesBytesItCannotPassUnchanged() {
        String out = probe(Map.of("LANG", "C", "LC_ALL", "C"), List.of("-Dsubprocess4j.backend=jdk"), List.of("bytes"));
        assertThat(out).contains("backend=jdk")
                .contains("bytes-arg=UnsupportedOperationException: argument 2 of bytes ff fe c3 cannot be passed unchanged")
                .contains("bytes-env=UnsupportedOperationException: environment variable of key bytes 56 (its value is not shown)");
    }

    @Test
    void theNativeBackendPassesUtf8ArgvWhateverTheLocale() {
        String out = probe(Map.of("LANG", "C", "LC_ALL", "C"), "--enable-native-access=ALL-UNNAMED");
        assertThat(out).contains("backend=linux-native", "child-argv-equal=true");
    }
}
