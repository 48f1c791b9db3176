package dev.subprocess4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The {@code sp run} flags beyond the basics: each maps to one {@code Command} option. */
class SpRunOptionsTest {

    private static SpRunTest.Sp sp(String... args) {
        return SpRunTest.sp(args);
    }

    @Test
    @Timeout(30)
    void shellRunsOneScriptWithSh() {
        SpRunTest.Sp r = sp("run", "--capture", "--shell", "--", "echo $((6 * 7)) | tr 4 x");
        assertThat(r.status()).isZero();
        assertThat(r.out()).isEqualTo("x2\n");
    }

    @Test
    @Timeout(30)
    void unsetEnvAndClearEnvShapeTheEnvironment() {
        SpRunTest.Sp unset = sp("run", "--capture", "--env", "A=1", "--unset-env", "HOME", "--",
                "sh", "-c", "echo \"[$A][${HOME-unset}]\"");
        assertThat(unset.out()).isEqualTo("[1][unset]\n");
        SpRunTest.Sp clear = sp("run", "--capture", "--clear-env", "--env", "ONLY=x", "--", "/usr/bin/env");
        assertThat(clear.out()).isEqualTo("ONLY=x\n");
    }

    @Test
    @Timeout(30)
    void stdinStdoutAndStderrFiles(@TempDir Path dir) throws Exception {
        Path in = dir.resolve("in.txt");
        Files.writeString(in, "from a file\n");
        Path out = dir.resolve("out.txt");
        SpRunTest.Sp r = sp("run", "--stdin", in.toString(), "--stdout", out.toString(), "--stderr", "stdout",
                "--", "sh", "-c", "cat; echo to-stderr >&2");
        assertThat(r.status()).isZero();
        assertThat(Files.readString(out)).isEqualTo("from a file\nto-stderr\n");
        Path err = dir.resolve("err.txt");
        sp("run", "--stderr", err.toString(), "--", "sh", "-c", "echo oops >&2");
        assertThat(Files.readString(err)).isEqualTo("oops\n");
    }

    @Test
    @Timeout(30)
    void aMissingStdinFileCannotRun(@TempDir Path dir) {
        SpRunTest.Sp r = sp("run", "--json", "--stdin", dir.resolve("missing").toString(), "--", "cat");
        assertThat(r.status()).isEqualTo(125);
        assertThat(r.json()).containsEntry("errno", "ENOENT").containsEntry("step", "open_redirect");
    }

    @Test
    @Timeout(30)
    void newSessionAndKillSignalWithGraceOnTimeout(@TempDir Path dir) throws Exception {
        Path marker = dir.resolve("got-term");
        SpRunTest.Sp r = sp("run", "--json", "--capture", "--new-session", "--timeout", "1s", "--kill-signal", "TERM",
                "--kill-grace", "2s", "--", "sh", "-c", "trap 'touch " + marker + "; exit 7' TERM; echo up; "
                        + "while :; do sleep 0.05; done");
        assertThat(r.status()).isEqualTo(124);
        Map<String, Object> json = r.json();
        assertThat(json).containsEntry("timed_out", true).containsEntry("stdout", "up\n");
        assertThat(marker).exists();
        if (json.get("backend").equals("linux-native")) {
            assertThat(json).containsEntry("returncode", new BigDecimal(7));
        }
    }

    @Test
    @Timeout(30)
    void killSignalIgnoredThenSigkillAfterTheGrace() {
        long t0 = System.nanoTime();
        // 1 s: the trap is set before TERM comes however slowly a loaded machine starts sh
        SpRunTest.Sp r = sp("run", "--json", "--timeout", "1s", "--kill-signal", "15", "--kill-grace", "300ms",
                "--", "sh", "-c", "trap '' TERM; while :; do sleep 0.05; done");
        assertThat(r.status()).isEqualTo(124);
        assertThat(r.json()).containsEntry("returncode", new BigDecimal(-9)).containsEntry("signal", "SIGKILL");
        assertThat((System.nanoTime() - t0) / 1_000_000).isGreaterThanOrEqualTo(1250);
    }

    @Test
    @Timeout(30)
    void badSignalUmaskAndRlimitAreUsageErrors() {
        assertThat(sp("run", "--kill-signal", "NOPE", "--", "true").status()).isEqualTo(125);
        assertThat(sp("run", "--umask", "089", "--", "true").status()).isEqualTo(125);
        assertThat(sp("run", "--rlimit", "NOFILE", "--", "true").status()).isEqualTo(125);
        assertThat(sp("run", "--rlimit", "BOGUS=1", "--", "true").err()).contains("unknown resource 'BOGUS'");
        assertThat(sp("run", "--rlimit", "NOFILE=128:64", "--", "true").err()).contains("soft limit 128 is above the hard limit 64");
        assertThat(sp("run", "--pass-fd", "1", "--", "true").status()).isEqualTo(125);
    }

    @Test
    @Timeout(30)
    void conflictingOptionsAreRefusedNamingBoth(@TempDir Path dir) {
        String file = dir.resolve("out").toString();
        SpRunTest.Sp captureAndFile = sp("run", "--capture", "--stdout", file, "--", "echo", "x");
        assertThat(captureAndFile.status()).isEqualTo(125);
        assertThat(captureAndFile.err()).startsWith("sp: --capture and --stdout conflict: ");
        assertThat(dir.resolve("out")).doesNotExist();
        assertThat(sp("run", "--capture", "--stderr", file, "--", "true").err())
                .startsWith("sp: --capture and --stderr conflict: ");
        assertThat(sp("run", "--foreground", "--new-session", "--", "true").err())
                .startsWith("sp: --foreground and --new-session conflict: ");
        // --stderr stdout with --capture is no conflict: both go to the captured stdout
        assertThat(sp("run", "--capture", "--stderr", "stdout", "--", "sh", "-c", "echo e >&2").out()).isEqualTo("e\n");
    }

    @Test
    @Timeout(30)
    void optionsTheBackendCannotHonourAreRefusedWithExit125OrApplied() {
        SpRunTest.Sp r = sp("run", "--capture", "--umask", "077", "--", "sh", "-c", "umask");
        if (r.status() == 125) {
            assertThat(r.err()).contains("umask(077)").contains("not supported");
        } else {
            assertThat(r.status()).isZero();
            assertThat(r.out()).isEqualTo("0077\n");
        }
    }

    @Test
    @Timeout(30)
    void jsonHasResourceUsageOnTheNativeBackend() {
        Map<String, Object> json = sp("run", "--json", "--", "sh", "-c", "true").json();
        if (json.get("backend").equals("linux-native")) {
            @SuppressWarnings("unchecked")
            Map<String, Object> rusage = (Map<String, Object>) json.get("rusage");
            assertThat(rusage).containsKeys("user_cpu", "system_cpu", "max_rss_bytes", "minor_faults", "major_faults",
                    "voluntary_context_switches", "involuntary_context_switches");
            // a small program's own peak cannot be told apart from the JVM's: null, never the JVM's size
            assertThat(rusage).containsEntry("max_rss_bytes", null);
            long size = Math.max(200L << 20, jvmPeakRssBytes() + (64L << 20)) >> 20 << 20;
            Map<String, Object> big = sp("run", "--json", "--", "dd", "if=/dev/zero", "of=/dev/null",
                    "bs=" + (size >> 20) + "M", "count=1").json();
            @SuppressWarnings("unchecked")
            Map<String, Object> bigUsage = (Map<String, Object>) big.get("rusage");
            assertThat((BigDecimal) bigUsage.get("max_rss_bytes")).as(size + " bytes allocated")
                    .isGreaterThanOrEqualTo(BigDecimal.valueOf(size));
        } else {
            assertThat(json).containsEntry("rusage", null);
        }
    }

    private static long jvmPeakRssBytes() {
        try {
            return java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status")).stream()
                    .filter(l -> l.startsWith("VmHWM:"))
                    .mapToLong(l -> Long.parseLong(l.replaceAll("[^0-9]", "")) * 1024)
                    .findFirst().orElseThrow();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void signalNamesAndNumbersParse() {
        assertThat(SignalConverter.parse("term")).isEqualTo(dev.subprocess4j.Signal.SIGTERM);
        assertThat(SignalConverter.parse("SIGINT")).isEqualTo(dev.subprocess4j.Signal.SIGINT);
        assertThat(SignalConverter.parse("9")).isEqualTo(dev.subprocess4j.Signal.SIGKILL);
    }

    @Test
    void rlimitSettingsParseAsPrlimitDoes() {
        assertThat(RlimitSetting.parse("NOFILE=64:128")).isEqualTo(
                new RlimitSetting(dev.subprocess4j.Rlimit.NOFILE, 64, 128));
        assertThat(RlimitSetting.parse("rlimit_cpu=10")).isEqualTo(
                new RlimitSetting(dev.subprocess4j.Rlimit.CPU, 10, 10));
        assertThat(RlimitSetting.parse("AS=1048576:unlimited")).isEqualTo(
                new RlimitSetting(dev.subprocess4j.Rlimit.AS, 1048576, dev.subprocess4j.Rlimit.UNLIMITED));
    }
}
