package dev.subprocess4j.internal.linux;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subprocess4j.CompletedProcess;
import dev.subprocess4j.Subprocess;
import dev.subprocess4j.fixtures.LeakCheckExtension;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What a child of the native backend gets of the JVM's signal state, on every spawn path of
 * {@code sp4j_spawn} and with both ways it clones (issue [17], the per-call cost): clone3 with
 * CLONE_CLEAR_SIGHAND, where the kernel resets the handlers and the child reads no disposition,
 * and glibc's clone, where the child reads and resets each one. The same in both: an empty signal
 * mask whatever the calling thread blocks; with {@code restoreSignals(true)} no signal 1–31
 * ignored, even one the JVM ignores; signals above 31 the JVM ignores stay ignored; glibc's
 * internal 32 and 33 ignored, as {@code posix_spawn} leaves them.
 */
@ExtendWith(LeakCheckExtension.class)
@Timeout(120)
class ChildSignalsTest {
    /** 32, 33 (glibc's) and 40 (ignored by the JVM): bits 31, 32 and 39. */
    private static final String RESTORED = "SigBlk:0000000000000000 SigIgn:0000008180000000";
    /** The same and SIGURG (23), SIGWINCH (28), ignored by the JVM: bits 22 and 27. */
    private static final String KEPT = "SigBlk:0000000000000000 SigIgn:0000008188400000";

    @Test
    void everyPathAndBothClonesGiveTheChildAnEmptyMaskAndTheDocumentedDispositions() {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        CompletedProcess r = Subprocess.command(java, "--enable-native-access=ALL-UNNAMED", "-XX:TieredStopAtLevel=1",
                        "-cp", System.getProperty("java.class.path"), SignalDispositionsMain.class.getName())
                .captureOutput().timeout(Duration.ofSeconds(100)).run();
        assertThat(r.returnCode()).as(r.stdout() + r.stderr()).isZero();
        if (clone3Expected()) {
            assertThat(r.stdout()).as("the spawn clones with clone3(CLONE_CLEAR_SIGHAND) on x86_64 (Linux 5.5+)")
                    .startsWith("clone3=1\n");
        }
        for (String mode : new String[] {"clone3", "clone"}) {
            for (String path : new String[] {"default", "copying", "passFds", "helper", "posix_spawn"}) {
                assertThat(r.stdout()).as(r.stderr())
                        .contains("path=" + path + " mode=" + mode + " restore=true " + RESTORED + "\n")
                        .contains("path=" + path + " mode=" + mode + " restore=false " + KEPT + "\n");
            }
        }
    }

    @Test
    void aSpawnAfterClone3WasTurnedOffTakesGlibcsCloneAndStillWorks() {
        var library = ChildSetupSpawner.library();
        assertThat(Subprocess.run("/bin/true").returnCode()).isZero();
        long before = library.clone3(dev.subprocess4j.internal.linux.ffi.ChildSetup.CLONE3_OFF);
        try {
            assertThat(Subprocess.command("/bin/echo", "x").captureOutput().run().stdout()).isEqualTo("x\n");
            assertThat(library.clone3(dev.subprocess4j.internal.linux.ffi.ChildSetup.CLONE3_READ)).isEqualTo(-1);
        } finally {
            library.clone3(dev.subprocess4j.internal.linux.ffi.ChildSetup.CLONE3_RETRY);
        }
        assertThat(Subprocess.run("/bin/true").returnCode()).isZero();
        if (clone3Expected()) {
            assertThat(before).isEqualTo(1);
            assertThat(library.clone3(dev.subprocess4j.internal.linux.ffi.ChildSetup.CLONE3_READ)).isEqualTo(1);
        }
    }

    /**
     * Whether the spawn must be able to use clone3: x86_64, Linux 5.5 or newer, and no seccomp
     * filter (Docker's default one answers clone3 with ENOSYS; then glibc's clone is used, which
     * the dispositions above check too).
     */
    private static boolean clone3Expected() {
        String arch = System.getProperty("os.arch");
        if (!arch.equals("amd64") && !arch.equals("x86_64")) {
            return false;
        }
        java.util.regex.Matcher version = java.util.regex.Pattern.compile("^(\\d+)\\.(\\d+)")
                .matcher(System.getProperty("os.version"));
        if (!version.find()) {
            return false;
        }
        int major = Integer.parseInt(version.group(1));
        int minor = Integer.parseInt(version.group(2));
        if (major < 5 || major == 5 && minor < 5) {
            return false;
        }
        try {
            return java.nio.file.Files.readAllLines(Path.of("/proc/self/status")).stream()
                    .anyMatch(l -> l.replace("\t", " ").matches("Seccomp:\\s+0"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
