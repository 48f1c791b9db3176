package dev.subprocess4j;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.subprocess4j.fixtures.ContractSupport;
import dev.subprocess4j.fixtures.LeakCheckExtension;
import dev.subprocess4j.fixtures.PropertySeed;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Pipelines on one backend: stages joined child to child, pipefail, timeouts, spawn failures. */
@EveryBackend
class PipelineContract extends BackendContract {
    @TempDir
    Path dir;

    /** The return code a stage killed by SIGPIPE (sent by the kernel, not the library) has on this backend. */
    protected int sigpipeCode() {
        return returnCodeForSignalNotSentByTheLibrary(Signal.SIGPIPE);
    }

    private static List<Long> pids(Path file) throws IOException {
        if (!Files.exists(file)) {
            return List.of();
        }
        return Files.readAllLines(file).stream().filter(s -> !s.isBlank()).map(s -> Long.parseLong(s.strip())).toList();
    }

    // ---- data flow ----------------------------------------------------------------------------

    @Test
    @Timeout(30)
    void catGrepWcCountsTheMatchingLines() throws IOException {
        Path log = dir.resolve("big.log");
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 20000; i++) {
            text.append(i % 7 == 0 ? "ERROR " : "INFO ").append(i).append('\n');
        }
        Files.writeString(log, text);
        PipelineResult r = Subprocess.pipeline(cmd("cat", log.toString()), cmd("grep", "ERROR"), cmd("wc", "-l"))
                .stdout(Redirect.PIPE).check().run();
        assertThat(r.returnCode()).isZero();
        assertThat(r.stdout().strip()).isEqualTo(Long.toString(IntStream.range(0, 20000).filter(i -> i % 7 == 0).count()));
        assertThat(r.stages()).hasSize(3).allSatisfy(s -> assertThat(s.returnCode()).isZero());
        assertThat(r.stages().get(0).stdout()).as("a joined stdout is not captured").isNull();
        assertThat(r.failedStage()).isEmpty();
    }

    @Test
    @Timeout(30)
    void inputGoesToTheFirstStageAndTheOutputComesFromTheLast() {
        PipelineResult r = Subprocess.pipeline(cmd("sort"), cmd("uniq", "-c"), cmd("sort", "-rn"))
                .input("b\na\nb\nc\nb\na\n").stdout(Redirect.PIPE).run();
        assertThat(r.stdout().lines().map(String::strip).toList()).containsExactly("3 b", "2 a", "1 c");
        assertThat(r.stdoutBytes()).isEqualTo(r.stages().getLast().stdoutBytes());
    }

    @Test
    @Timeout(30)
    void theStagesOwnFirstStdinAndLastStdoutStandWhenThePipelineSetsNone() throws IOException {
        Path in = dir.resolve("in.txt");
        Path out = dir.resolve("out.txt");
        Files.writeString(in, "hello pipeline\n");
        PipelineResult r = Subprocess.pipeline(cmd("cat").stdin(Redirect.read(in)), cmd("tr", "a-z", "A-Z"),
                cmd("cat").stdout(Redirect.file(out))).run();
        assertThat(r.returnCode()).isZero();
        assertThat(r.stdout()).isNull();
        assertThat(Files.readString(out)).isEqualTo("HELLO PIPELINE\n");
    }

    static Stream<Arguments> payloads() {
        return IntStream.range(0, 8).mapToObj(i -> {
            Random random = PropertySeed.random("pipelinePayload", i);
            int stages = 2 + random.nextInt(9); // 2 to 10
            int size = switch (random.nextInt(4)) {
                case 0 -> random.nextInt(16);
                case 1 -> random.nextInt(70_000);
                default -> random.nextInt(1 << 20);
            };
            byte[] data = new byte[size];
            random.nextBytes(data);
            return Arguments.of(PropertySeed.describe(i, stages + " stages, " + size + " bytes"), stages, data);
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("payloads")
    @Timeout(60)
    void anyBytesPassUnchangedThroughTwoToTenStages(String name, int stages, byte[] data) {
        Command[] cats = new Command[stages];
        for (int i = 0; i < stages; i++) {
            cats[i] = i % 3 == 1 ? cmd("dd", "bs=4096", "status=none") : cmd("cat");
        }
        PipelineResult r = Subprocess.pipeline(cats).input(data).stdout(Redirect.PIPE).check().run();
        assertThat(r.stdoutBytes()).as(name).isEqualTo(data);
        assertThat(r.stages()).as(name).hasSize(stages);
    }

    @Test
    @Timeout(30)
    void eachStagesStderrFollowsItsOwnCommandAndThePipelineSetsTheLastOnes() {
        PipelineResult r = Subprocess.pipeline(
                        sh("echo e1 >&2; echo o1").stderr(Redirect.PIPE),
                        sh("cat; echo e2 >&2"))
                .stdout(Redirect.PIPE).stderr(Redirect.PIPE).run();
        assertThat(r.stdout()).isEqualTo("o1\n");
        assertThat(r.stderr()).isEqualTo("e2\n");
        assertThat(r.stages().get(0).stderr()).isEqualTo("e1\n");
        assertThat(r.stages().get(0).stdout()).isNull();
    }

    @Test
    @Timeout(30)
    void stderrToStdoutInAMiddleStageGoesDownThePipe() {
        PipelineResult r = Subprocess.pipeline(sh("echo out; echo err >&2").stderr(Redirect.STDOUT), cmd("sort"))
                .stdout(Redirect.PIPE).run();
        assertThat(r.stdout()).isEqualTo("err\nout\n");
    }

    @Test
    @Timeout(30)
    void aOneStagePipelineIsTheCommandItself() {
        PipelineResult r = Subprocess.pipeline(cmd("echo", "alone")).stdout(Redirect.PIPE).run();
        assertThat(r.stdout()).isEqualTo("alone\n");
        assertThat(r.stages()).hasSize(1);
    }

    @Test
    @Timeout(60)
    void theJoiningPipesBelongToTheChildrenNotToTheJvm() throws Exception {
        // Stage 1 writes into the pipe that stage 2 reads: both ends are the same kernel pipe,
        // and no fd of the JVM refers to it (no byte can pass through the JVM).
        Path go = dir.resolve("go");
        CompletableFuture<PipelineResult> run = CompletableFuture.supplyAsync(() -> Subprocess.pipeline(
                        sh("echo $$ > " + dir.resolve("p1") + "; while [ ! -e " + go + " ]; do sleep 0.01; done; echo done"),
                        sh("echo $$ > " + dir.resolve("p2") + "; exec cat"))
                .stdout(Redirect.PIPE).timeout(Duration.ofSeconds(30)).run());
        try {
            long p1 = Long.parseLong(ContractSupport.awaitFile(dir.resolve("p1"), Duration.ofSeconds(10)).strip());
            long p2 = Long.parseLong(ContractSupport.awaitFile(dir.resolve("p2"), Duration.ofSeconds(10)).strip());
            String written = Files.readSymbolicLink(Path.of("/proc/" + p1 + "/fd/1")).toString();
            String read = Files.readSymbolicLink(Path.of("/proc/" + p2 + "/fd/0")).toString();
            assertThat(written).startsWith("pipe:[").isEqualTo(read);
            // The stages can run before the thread that started them has closed the JVM's copies
            // (ProcessBuilder.startPipeline closes each one after starting the next stage): the
            // JVM must let go of them while the pipeline runs, not at the very instant stage 2 runs.
            List<String> jvmFds = jvmFds();
            for (int i = 0; i < 500 && jvmFds.contains(written); i++) {
                Thread.sleep(10);
                jvmFds = jvmFds();
            }
            assertThat(jvmFds).as("the JVM holds no end of the joining pipe").doesNotContain(written);
        } finally {
            Files.writeString(go, "");
            try {
                run.get(30, TimeUnit.SECONDS); // nothing outlives the test, also when it failed
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException ignored) {
                // the assertion below, or the one above, says what went wrong
            }
        }
        assertThat(run.get(30, TimeUnit.SECONDS).stdout()).isEqualTo("done\n");
    }

    /** What the JVM's fds refer to now. */
    private static List<String> jvmFds() throws IOException {
        List<String> jvmFds = new ArrayList<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            fds.forEach(fd -> {
                try {
                    jvmFds.add(Files.readSymbolicLink(fd).toString());
                } catch (IOException closedMeanwhile) {
                    // the listing's own fd
                }
            });
        }
        return jvmFds;
    }

    @Test
    @Timeout(120)
    void aHundredMebibytesFlowThroughThreeStagesWithoutTheJvm() {
        long allocatedBefore = ContractSupport.totalAllocatedBytes();
        long start = System.nanoTime();
        PipelineResult r = Subprocess.pipeline(cmd("head", "-c", "104857600", "/dev/zero"), cmd("cat"), cmd("wc", "-c"))
                .stdout(Redirect.PIPE).check().run();
        long allocated = ContractSupport.totalAllocatedBytes() - allocatedBefore;
        assertThat(r.stdout().strip()).isEqualTo("104857600");
        assertThat(allocated).as("bytes allocated by the JVM while 100 MiB flowed (%s)", ContractSupport.since(start))
                .isLessThan(16L << 20);
    }

    // ---- return codes -------------------------------------------------------------------------

    @Test
    @Timeout(30)
    void returnCodeIsTheLastFailingStagesAsWithPipefail() {
        PipelineResult both = Subprocess.pipeline(sh("exit 3"), sh("cat > /dev/null; exit 5"), cmd("cat")).run();
        assertThat(both.returnCode()).isEqualTo(5);
        assertThat(both.failedStage()).hasValueSatisfying(s -> assertThat(s.args()).containsExactly("/bin/sh", "-c", "cat > /dev/null; exit 5"));
        assertThat(both.stages()).extracting(CompletedProcess::returnCode).containsExactly(3, 5, 0);

        assertThat(Subprocess.pipeline(sh("exit 3"), cmd("cat")).run().returnCode()).isEqualTo(3);
        assertThat(Subprocess.pipeline(cmd("true"), cmd("cat")).run().returnCode()).isZero();
    }

    @Test
    @Timeout(30)
    void checkRaisesForTheFailingMiddleStage() {
        Pipeline p = Subprocess.pipeline(cmd("printf", "x"), sh("cat > /dev/null; exit 7"), cmd("cat")).check();
        CalledProcessException e = ContractSupport.thrown(CalledProcessException.class, p::run);
        assertThat(e.returnCode()).isEqualTo(7);
        assertThat(e.command()).containsExactly("/bin/sh", "-c", "cat > /dev/null; exit 7");
        assertThat(e.getMessage()).isEqualTo("Command /bin/sh -c 'cat > /dev/null; exit 7' returned non-zero exit status 7.");
    }

    @Test
    @Timeout(30)
    void yesIntoHeadSucceedsThoughYesDiesOfSigpipe() {
        PipelineResult r = Subprocess.pipeline(cmd("yes"), cmd("head", "-n", "1")).stdout(Redirect.PIPE).check().run();
        assertThat(r.returnCode()).isZero();
        assertThat(r.stdout()).isEqualTo("y\n");
        assertThat(r.stages().getFirst().returnCode()).isEqualTo(sigpipeCode());
    }

    @Test
    @Timeout(30)
    void aStageOwnCheckRaisesForThatStage() {
        Pipeline p = Subprocess.pipeline(sh("exit 4").check(), cmd("cat"));
        assertThat(ContractSupport.thrown(CalledProcessException.class, p::run).returnCode()).isEqualTo(4);
    }

    // ---- timeouts and failures ----------------------------------------------------------------

    @Test
    @Timeout(30)
    void aTimeoutKillsEveryStageAndNamesThemAll() throws Exception {
        Path pids = dir.resolve("pids");
        Command stage = sh("echo $$ >> " + pids + "; exec sleep 30");
        long start = System.nanoTime();
        TimeoutExpiredException e = ContractSupport.thrown(TimeoutExpiredException.class,
                () -> Subprocess.pipeline(stage, stage, cmd("sleep", "30")).timeout(Duration.ofSeconds(1)).run());
        assertThat(ContractSupport.since(start)).isLessThan(Duration.ofSeconds(10));
        assertThat(e.timeout()).isEqualTo(Duration.ofSeconds(1));
        List<String> expected = new ArrayList<>(stage.argv());
        expected.add("|");
        expected.addAll(stage.argv());
        expected.addAll(List.of("|", "sleep", "30"));
        assertThat(e.command()).isEqualTo(expected);
        assertThat(e.getMessage()).startsWith("Command /bin/sh -c 'echo").endsWith(" | sleep 30 timed out after 1.0 seconds");
        assertThat(pids(pids)).hasSize(2).allSatisfy(ContractSupport::assertGone);
    }

    @Test
    @Timeout(30)
    void aTimeoutKeepsTheLastStagesPartialOutput() {
        TimeoutExpiredException e = ContractSupport.thrown(TimeoutExpiredException.class,
                () -> Subprocess.pipeline(cmd("sleep", "30"), sh("echo early; exec sleep 30"))
                        .stdout(Redirect.PIPE).timeout(Duration.ofMillis(700)).run());
        assertThat(e.stdout()).isEqualTo("early\n");
    }

    @Test
    @Timeout(30)
    void aStageThatCannotStartLeavesNothingBehind() throws Exception {
        Path pids = dir.resolve("pids");
        Command waiting = sh("echo $$ >> " + pids + "; exec sleep 30");
        int fdsBefore = LeakCheckExtension.openFds();
        SpawnException e = ContractSupport.thrown(SpawnException.class,
                () -> Subprocess.pipeline(waiting, waiting, cmd("no-such-program-subprocess4j"), cmd("cat")).run());
        assertThat(e.errnoName()).isEqualTo("ENOENT");
        assertThat(e.program()).isEqualTo("no-such-program-subprocess4j");
        for (long pid : pids(pids)) {
            ContractSupport.assertGone(pid);
        }
        assertThat(ProcessHandle.current().children().count()).as("children left").isZero();
        assertThat(LeakCheckExtension.openFds()).as("fds after the failed pipeline").isLessThanOrEqualTo(fdsBefore);
    }

    @Test
    @Timeout(30)
    void aStageGivenByAMissingPathLeavesNoFdBehind() {
        int fdsBefore = LeakCheckExtension.openFds();
        for (String missing : List.of("/nonexistent/stage", dir.resolve("missing").toString())) {
            SpawnException e = ContractSupport.thrown(SpawnException.class,
                    () -> Subprocess.pipeline(cmd("echo", "x"), cmd(missing), cmd("cat")).run());
            assertThat(e.errnoName()).isEqualTo("ENOENT");
            assertThat(e.program()).isEqualTo(missing);
        }
        SpawnException notExecutable = ContractSupport.thrown(SpawnException.class,
                () -> Subprocess.pipeline(cmd("echo", "x"), cmd(dir.toString())).run());
        assertThat(notExecutable.errnoName()).isEqualTo("EACCES");
        assertThat(ProcessHandle.current().children().count()).as("children left").isZero();
        assertThat(LeakCheckExtension.openFds()).as("fds after the failed pipelines").isLessThanOrEqualTo(fdsBefore);
    }

    @Test
    @Timeout(60)
    void aFirstStageThatExitsAtOnceDoesNotBreakTheStart() {
        for (int i = 0; i < 40; i++) {
            PipelineResult r = Subprocess.pipeline(cmd("true"), cmd("cat"), cmd("cat")).stdout(Redirect.PIPE).run();
            assertThat(r.returnCode()).isZero();
            assertThat(r.stdout()).isEmpty();
        }
    }

    // ---- validation ---------------------------------------------------------------------------

    @Test
    void stagesThatCannotBeJoinedAreRejectedWhenBuilt() {
        assertThatThrownBy(Subprocess::pipeline).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least one stage");
        assertThatThrownBy(() -> Subprocess.pipeline(cmd("a"), cmd("b").stdin(Redirect.DEVNULL)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("stage 2 (b)");
        assertThatThrownBy(() -> Subprocess.pipeline(cmd("a"), cmd("b").input("x")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("input(...)");
        assertThatThrownBy(() -> Subprocess.pipeline(cmd("a").stdout(Redirect.PIPE), cmd("b")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("stage 1 (a)").hasMessageContaining("stdout");
        assertThatThrownBy(() -> Subprocess.pipeline(cmd("a"), cmd("b").startNewSession()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("process group");
        assertThatThrownBy(() -> Subprocess.pipeline(cmd("a"), Subprocess.command("b")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("backend");
        Pipeline p = Subprocess.pipeline(cmd("a"), cmd("b"));
        assertThatThrownBy(() -> p.stdin(Redirect.STDOUT)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> p.stdout(Redirect.STDOUT)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> p.stdout(Redirect.read(Path.of("x")))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> p.input("x").stdin(Redirect.DEVNULL)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> p.stdin(Redirect.DEVNULL).input("x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> p.timeout(Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aPipelineIsImmutableAndPrintsLikeAShell() {
        Pipeline p = Subprocess.pipeline(cmd("grep", "a b"), cmd("wc", "-l"));
        Pipeline changed = p.stdout(Redirect.PIPE).timeout(Duration.ofSeconds(1)).check().input("x");
        assertThat(changed).isNotSameAs(p);
        assertThat(p.toString()).isEqualTo("grep 'a b' | wc -l");
        assertThat(p.stages()).hasSize(2);
    }
}
