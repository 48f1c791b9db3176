package dev.subprocess4j.cli;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.subprocess4j.CompletedProcess;
import dev.subprocess4j.Subprocess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * GNU parallel (Debian's {@code parallel} package) and sp parallel, each run as its own process
 * on the same arguments and stdin, for tests that hold sp to GNU parallel's behaviour. When GNU
 * parallel is missing it is installed with apt-get as the remote tests install sshd and Slurm
 * (src/test/remote/install-engines.sh; the tests run as root); when that fails, the test fails.
 */
final class GnuParallel {
    static final Path PARALLEL = Path.of("/usr/bin/parallel");

    private GnuParallel() {}

    /** What one run gave. */
    record Result(int status, String out, String err) {}

    /** GNU parallel, installed first when missing. */
    static synchronized void ensureInstalled() {
        if (Files.isExecutable(PARALLEL)) {
            return;
        }
        String script = "export DEBIAN_FRONTEND=noninteractive; "
                + "apt-get install -y -q --no-install-recommends parallel >/dev/null 2>&1 || "
                + "{ apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends parallel >/dev/null; }";
        CompletedProcess r = Subprocess.command("sh", "-c", script).captureOutput()
                .timeout(Duration.ofMinutes(5)).run();
        if (r.returnCode() != 0 || !Files.isExecutable(PARALLEL)) {
            throw new IllegalStateException("these tests need GNU parallel (Debian: apt-get install parallel; as root)"
                    + " and installing it failed (" + r.returnCode() + "): " + r.stderr());
        }
    }

    /** {@code parallel --will-cite ARGS} with {@code stdin}, in {@code dir}. */
    static Result gnu(Path dir, String stdin, String... args) {
        ensureInstalled();
        List<String> argv = new ArrayList<>(List.of(PARALLEL.toString(), "--will-cite"));
        argv.addAll(List.of(args));
        return run(dir, stdin, argv);
    }

    /** {@code sp parallel --progress never ARGS} in a JVM of its own (this test's class path), with {@code stdin}. */
    static Result sp(Path dir, String stdin, String... args) {
        List<String> argv = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                Main.class.getName(), "parallel", "--progress", "never"));
        argv.addAll(List.of(args));
        return run(dir, stdin, argv);
    }

    private static Result run(Path dir, String stdin, List<String> argv) {
        CompletedProcess r = Subprocess.command(argv).cwd(dir).input(stdin.getBytes(UTF_8)).captureOutput()
                .timeout(Duration.ofSeconds(120)).run();
        return new Result(r.returnCode(), new String(r.stdoutBytes(), UTF_8), new String(r.stderrBytes(), UTF_8));
    }
}
