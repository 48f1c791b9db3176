package dev.subprocess4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subprocess4j.Command;
import dev.subprocess4j.CompletedProcess;
import dev.subprocess4j.Subprocess;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end through the real launcher, {@code <repository>/sp}, after {@code package}: its JVM
 * flags, the jar's manifest class path, the AOT cache, and the exit statuses, JSON and
 * output grouping that users and scripts see. Run by Failsafe in the integration-test phase.
 *
 * <p>The package phase stamps {@code target/.sp-built}, so the launcher runs the jar that was just
 * built instead of starting a Maven build of its own; every call checks that it did not.
 */
class SpLauncherIT {
    private static final Path SP = Path.of("..", "sp").toAbsolutePath().normalize();
    private static final Path STAMP = Path.of("target", ".sp-built").toAbsolutePath();
    private static FileTime stampTime;

    @TempDir
    Path dir;

    record Result(int status, String out, String err) {
        Map<String, Object> json() {
            assertThat(out).endsWith("\n").containsOnlyOnce("\n");
            return TestJson.object(out);
        }
    }

    @BeforeAll
    static void theJarIsBuiltAndStamped() throws IOException {
        assertThat(SP).isExecutable();
        assertThat(Path.of("target", "subprocess4j-cli.jar")).isRegularFile();
        assertThat(STAMP).as("the package phase stamps the build for ./sp").isRegularFile();
        stampTime = Files.getLastModifiedTime(STAMP);
    }

    @AfterAll
    static void noCallRebuilt() throws IOException {
        assertThat(Files.getLastModifiedTime(STAMP)).isEqualTo(stampTime);
    }

    private static Result sp(String stdin, Map<String, String> env, String... args) {
        Command c = Subprocess.command(SP.toString(), args).captureOutput()
                .timeout(Duration.ofSeconds(60));
        for (Map.Entry<String, String> e : env.entrySet()) {
            c = c.putEnv(e.getKey(), e.getValue());
        }
        c = stdin == null ? c.stdin(dev.subprocess4j.Redirect.DEVNULL) : c.input(stdin);
        CompletedProcess r = c.run();
        assertThat(r.stderr()).as("./sp started a build of its own").doesNotContain("sp: building");
        return new Result(r.returnCode(), r.stdout(), r.stderr());
    }

    private static Result sp(String... args) {
        return sp(null, Map.of(), args);
    }

    // ---- sp run: exit status ------------------------------------------------------------------

    @Test
    @Timeout(120)
    void exitStatusIsTheCommandsOwn() {
        assertThat(sp("run", "--", "true").status()).isZero();
        Result seven = sp("run", "--", "sh", "-c", "echo hi; exit 7");
        assertThat(seven.status()).isEqualTo(7);
        assertThat(seven.out()).isEqualTo("hi\n"); // the command's own stdout, through
    }

    @Test
    @Timeout(120)
    void deathBySignalNIs128PlusN() {
        assertThat(sp("run", "--", "sh", "-c", "kill -TERM $$").status()).isEqualTo(143);
        assertThat(sp("run", "--", "sh", "-c", "kill -KILL $$").status()).isEqualTo(137);
    }

    @Test
    @Timeout(120)
    void timeoutIs124() {
        Result r = sp("run", "--timeout", "300ms", "--", "sleep", "10");
        assertThat(r.status()).isEqualTo(124);
        assertThat(r.err()).contains("sp: Command sleep 10 timed out after 0.3 seconds");
    }

    @Test
    @Timeout(120)
    void aProgramNotFoundIs127NotRunnable126OtherStartFailures125() throws IOException {
        Result r = sp("run", "--", dir.resolve("no-such-program").toString());
        assertThat(r.status()).isEqualTo(127);
        assertThat(r.err()).startsWith("sp: ").contains("no-such-program");
        Path notExecutable = Files.writeString(dir.resolve("script"), "#!/bin/sh\n");
        assertThat(sp("run", "--", notExecutable.toString()).status()).isEqualTo(126);
        assertThat(sp("run", "--cwd", dir.resolve("no-such-dir").toString(), "--", "true").status()).isEqualTo(125);
    }

    @Test
    @Timeout(120)
    void badUsageOfSpRunIs125WithOneLineAndWhereTheHelpIs() {
        Result unknown = sp("run", "--no-such-option", "--", "true");
        assertThat(unknown.status()).isEqualTo(125);
        assertThat(unknown.err()).isEqualTo("sp: Unknown option: '--no-such-option'\n"
                + "Try 'sp run --help' for more information.\n");
        assertThat(sp().status()).isEqualTo(2);
        assertThat(sp("run").status()).isEqualTo(125);
        assertThat(sp("run", "--timeout", "soon", "--", "true").status()).isEqualTo(125);
        assertThat(sp("run", "--capture", "--stdout", dir.resolve("f").toString(), "--", "true").err())
                .startsWith("sp: --capture and --stdout conflict: ");
    }

    @Test
    @Timeout(120)
    void helpAndVersionExitWith0() {
        Result version = sp("--version");
        assertThat(version.status()).isZero();
        assertThat(version.out()).startsWith("sp ").contains("subprocess4j backend: linux-native");
        Result help = sp("run", "--help");
        assertThat(help.status()).isZero();
        assertThat(help.out()).contains("Examples:", "--timeout=DURATION");
    }

    // ---- sp run: JSON -------------------------------------------------------------------------

    @Test
    @Timeout(120)
    void runJsonHasTheDocumentedFields() {
        Result r = sp("run", "--capture", "--json", "--", "sh", "-c", "echo out; echo err >&2; exit 3");
        assertThat(r.status()).isEqualTo(3);
        Map<String, Object> json = r.json();
        assertThat(json.keySet()).containsExactly(
                "args", "returncode", "signal", "pid", "elapsed", "timed_out", "stdout", "stderr", "rusage", "backend");
        assertThat(json).containsEntry("returncode", new BigDecimal(3)).containsEntry("signal", null)
                .containsEntry("timed_out", false).containsEntry("stdout", "out\n").containsEntry("stderr", "err\n")
                .containsEntry("backend", "linux-native");
        @SuppressWarnings("unchecked")
        Map<String, Object> rusage = (Map<String, Object>) json.get("rusage");
        assertThat(rusage).containsOnlyKeys("user_cpu", "system_cpu", "max_rss_bytes", "minor_faults", "major_faults",
                "voluntary_context_switches", "involuntary_context_switches");
    }

    @Test
    @Timeout(120)
    void runJsonOfATimeoutAndOfAStartFailure() {
        Result timedOut = sp("run", "--timeout", "300ms", "--capture", "--json", "--", "sh", "-c", "echo partial; exec sleep 10");
        assertThat(timedOut.status()).isEqualTo(124);
        assertThat(timedOut.json()).containsEntry("timed_out", true).containsEntry("signal", "SIGKILL")
                .containsEntry("stdout", "partial\n");

        Result cannot = sp("run", "--json", "--", dir.resolve("missing").toString());
        assertThat(cannot.status()).isEqualTo(127);
        assertThat(cannot.json().keySet()).containsExactly("args", "error", "errno", "step", "backend");
        assertThat(cannot.json()).containsEntry("errno", "ENOENT");
    }

    @Test
    @Timeout(120)
    void runLoadsNeitherJacksonNorJlineNorTheOtherSubcommands() throws IOException {
        Path log = dir.resolve("classes.log");
        Result r = sp(null, Map.of("JAVA_TOOL_OPTIONS", "-Xlog:class+load:file=" + log), "run", "--", "true");
        assertThat(r.status()).isZero();
        assertThat(Files.readString(log)).contains("dev.subprocess4j.cli.RunCommand");
        // The AOT cache (trained on `sp run` and a small `sp parallel`) maps the classes it holds at
        // start-up, whichever subcommand runs: cheap. What `sp run` must not do is read, parse and
        // verify the others from the jars (the cost this guards: JVM CPU of `sp run -- true` stayed
        // 0.13-0.15 s with the bigger cache, subprocess4j-bench/README.md).
        String classes = String.join("\n", Files.readAllLines(log).stream()
                .filter(l -> !l.endsWith("source: shared objects file")).toList());
        assertThat(classes).doesNotContain("tools.jackson")
                .doesNotContain("org.jline")
                // Nor the other subcommands' models: picocli builds only the one that runs.
                .doesNotContain("dev.subprocess4j.cli.ParallelCommand").doesNotContain("dev.subprocess4j.cli.BenchCommand");
    }

    @Test
    @Timeout(120)
    void runAndParallelTakePicocliFromTheAotCacheAndMakeNoAnnotationProxies() throws IOException {
        sp(null, Map.of(), "run", "--", "true"); // the first run after a build writes the cache
        for (List<String> args : List.of(List.of("run", "--", "true"), List.of("parallel", "-j", "2", "true", ":::", "1"))) {
            Path log = dir.resolve("classes-" + args.get(0) + ".log");
            Result r = sp(null, Map.of("JAVA_TOOL_OPTIONS", "-Xlog:class+load:file=" + log), args.toArray(String[]::new));
            assertThat(r.status()).as("%s", args).isZero();
            List<String> picocli = Files.readAllLines(log).stream().filter(l -> l.contains(" picocli.")).toList();
            // picocli rebuilt from its sources for this Java release (its published jar targets Java 5,
            // which the cache leaves out), so that the cache ./sp writes holds it.
            assertThat(picocli).as("%s", args).isNotEmpty()
                    .allSatisfy(l -> assertThat(l).endsWith("source: shared objects file"));
            // The options of sp run and sp parallel are declared without annotations: no proxy class
            // is generated for them.
            assertThat(Files.readString(log)).as("%s", args).doesNotContain("__dynamic_proxy__");
        }
    }

    @Test
    @Timeout(120)
    void aChangedJavaHomeIsHonouredAfterTheJdkWasRemembered() throws IOException {
        assertThat(sp("run", "--", "true").status()).isZero(); // remembers the JDK it found
        // A JDK 25 of our own making: its java says so and exits 3.
        Path fake = dir.resolve("fake-jdk");
        Files.createDirectories(fake.resolve("bin"));
        Files.writeString(fake.resolve("release"), "JAVA_VERSION=\"25.0.9\"\n");
        Path java = Files.writeString(fake.resolve("bin/java"), "#!/bin/sh\necho fake java \"$@\"\nexit 3\n");
        java.toFile().setExecutable(true);
        Result r = sp(null, Map.of("JAVA_HOME", fake.toString()), "run", "--", "true");
        assertThat(r.status()).isEqualTo(3);
        assertThat(r.out()).startsWith("fake java ").endsWith(" run -- true\n");
        // Back to the real JDK (the one running these tests): sp runs with it again.
        Result back = sp(null, Map.of("JAVA_HOME", System.getProperty("java.home")), "run", "--", "true");
        assertThat(back.status()).isZero();
        assertThat(back.out()).isEmpty();
    }

    /**
     * The launcher's staleness check, on a copy of it in a made-up tree (a fake ./mvnw and a fake
     * JDK 25): no build while nothing is newer than the stamp; a build after a source file is
     * changed, added in a new directory, or removed, or after a pom changes.
     */
    @Test
    @Timeout(120)
    void theLauncherBuildsAgainExactlyWhenABuildInputChanged() throws IOException {
        Path root = dir.resolve("tree");
        Files.createDirectories(root.resolve(".mvn"));
        Files.copy(SP, root.resolve("sp"), java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
        Files.copy(SP.resolveSibling(".mvn").resolve("find-jdk.sh"), root.resolve(".mvn/find-jdk.sh"));
        Path source = root.resolve("subprocess4j/src/main/java/A.java");
        Files.createDirectories(source.getParent());
        Files.createDirectories(root.resolve("subprocess4j-cli/src/main/java"));
        Files.createDirectories(root.resolve("subprocess4j-cli/target"));
        for (String pom : List.of("pom.xml", "subprocess4j/pom.xml", "subprocess4j-cli/pom.xml")) {
            Files.writeString(root.resolve(pom), "<project/>");
        }
        Files.writeString(source, "class A {}");
        Files.writeString(root.resolve("subprocess4j-cli/target/subprocess4j-cli.jar"), "not a jar");
        Path mvnw = Files.writeString(root.resolve("mvnw"),
                "#!/bin/sh\necho build >> builds.log\ntouch subprocess4j-cli/target/.sp-built\n");
        mvnw.toFile().setExecutable(true);
        Path jdk = dir.resolve("jdk");
        Files.createDirectories(jdk.resolve("bin"));
        Files.writeString(jdk.resolve("release"), "JAVA_VERSION=\"25\"\n");
        Path java = Files.writeString(jdk.resolve("bin/java"),
                "#!/bin/sh\ncase \"$*\" in *AOTCacheOutput*) exit 1 ;; esac\necho ran\n");
        java.toFile().setExecutable(true);
        Path builds = root.resolve("builds.log");
        Path stamp = root.resolve("subprocess4j-cli/target/.sp-built");
        java.util.function.IntSupplier run = () -> {
            CompletedProcess r = Subprocess.command(root.resolve("sp").toString(), "run", "--", "true")
                    .putEnv("JAVA_HOME", jdk.toString()).stdin(dev.subprocess4j.Redirect.DEVNULL)
                    .captureOutput().timeout(Duration.ofSeconds(60)).run();
            assertThat(r.returnCode()).as(r.stderr()).isZero();
            assertThat(r.stdout()).isEqualTo("ran\n");
            try {
                return Files.exists(builds) ? Files.readAllLines(builds).size() : 0;
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        };
        FileTime past = FileTime.fromMillis(System.currentTimeMillis() - 60_000);
        FileTime earlier = FileTime.fromMillis(System.currentTimeMillis() - 120_000);

        assertThat(run.getAsInt()).as("no stamp yet: built").isEqualTo(1);
        assertThat(run.getAsInt()).as("nothing changed").isEqualTo(1);
        // every input older than the stamp from here on, then one change at a time
        try (var all = Files.walk(root)) {
            for (Path p : all.toList()) {
                Files.setLastModifiedTime(p, earlier);
            }
        }
        Files.setLastModifiedTime(stamp, past);
        assertThat(run.getAsInt()).as("all inputs older than the stamp").isEqualTo(1);
        Files.writeString(source, "class A { int changed; }");
        assertThat(run.getAsInt()).as("a source changed").isEqualTo(2);
        Files.setLastModifiedTime(source, earlier);
        Files.setLastModifiedTime(stamp, past);
        Path added = root.resolve("subprocess4j-cli/src/main/java/pkg/B.java");
        Files.createDirectories(added.getParent());
        Files.writeString(added, "class B {}");
        assertThat(run.getAsInt()).as("a file added in a new directory").isEqualTo(3);
        for (Path p : List.of(added, added.getParent(), added.getParent().getParent(), source, source.getParent())) {
            Files.setLastModifiedTime(p, earlier);
        }
        Files.setLastModifiedTime(stamp, past);
        assertThat(run.getAsInt()).as("unchanged again").isEqualTo(3);
        Files.delete(source);
        assertThat(run.getAsInt()).as("a source removed").isEqualTo(4);
        Files.setLastModifiedTime(source.getParent(), earlier);
        Files.setLastModifiedTime(stamp, past);
        Files.writeString(root.resolve("subprocess4j-cli/pom.xml"), "<project><!-- changed --></project>");
        assertThat(run.getAsInt()).as("a pom changed").isEqualTo(5);
    }

    // ---- sp parallel --------------------------------------------------------------------------

    @Test
    @Timeout(120)
    void parallelReadsJobsOnStdinAndPrintsEachJobsOutputWhole() {
        String jobs = "sh -c 'echo a1; sleep 0.3; echo a2'\nsh -c 'sleep 0.1; echo b1; sleep 0.4; echo b2'\n";
        Result r = sp(jobs, Map.of(), "parallel", "-j", "2");
        assertThat(r.status()).isZero();
        // Each job's lines stay together although the jobs ran at the same time.
        assertThat(r.out()).isIn("a1\na2\nb1\nb2\n", "b1\nb2\na1\na2\n");
        assertThat(r.err()).contains("sp: 2 jobs, 2 succeeded, 0 failed, 0 retries used, 0 not run");
    }

    @Test
    @Timeout(120)
    void parallelJsonRetriesAndExitStatus() throws IOException {
        Path marker = dir.resolve("marker");
        Path jobs = dir.resolve("jobs.txt");
        Files.writeString(jobs, "[ -e " + marker + " ] || { touch " + marker + "; exit 1; }; echo recovered\nexit 4\n");
        Result r = sp(null, Map.of(), "parallel", "-j", "1", "--shell", "--retries", "1", "--json", "--tag", jobs.toString());
        assertThat(r.status()).isEqualTo(1); // one job failed: the status counts failed jobs
        List<Map<String, Object>> lines = r.out().lines().map(TestJson::object).toList();
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0).keySet()).containsExactly("line", "command", "args", "returncode", "signal", "elapsed",
                "attempts", "timed_out", "stdout", "stderr", "cpu", "error", "tag", "host");
        assertThat(lines.get(0)).containsEntry("attempts", new BigDecimal(2)).containsEntry("stdout", "recovered\n")
                .containsEntry("returncode", BigDecimal.ZERO).containsEntry("tag", lines.get(0).get("command")).containsEntry("host", "local");
        assertThat(lines.get(1)).containsEntry("attempts", new BigDecimal(2)).containsEntry("returncode", new BigDecimal(4));
        assertThat(r.err()).contains("sp: 2 jobs, 1 succeeded, 1 failed, 2 retries used, 0 not run");
    }

    @Test
    @Timeout(120)
    void parallelHaltOnErrorStartsNothingAfterTheFirstFailure() {
        Result r = sp("echo first\nfalse\necho never\n", Map.of(), "parallel", "-j", "1", "--halt-on-error");
        assertThat(r.status()).isEqualTo(1);
        assertThat(r.out()).isEqualTo("first\n");
        assertThat(r.err()).contains("sp: 3 jobs, 1 succeeded, 1 failed, 0 retries used, 1 not run");
    }

    @Test
    @Timeout(120)
    void parallelBadUsageIs255() {
        Result r = sp("echo 'unclosed\n", Map.of(), "parallel");
        assertThat(r.status()).isEqualTo(255); // GNU parallel's status for bad usage
        assertThat(r.err()).isEqualTo("sp: line 1: No closing quotation: echo 'unclosed\n");
    }
}
