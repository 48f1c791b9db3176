package dev.subprocess4j.internal.linux;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subprocess4j.BackendContract;
import dev.subprocess4j.Command;
import dev.subprocess4j.CompletedProcess;
import dev.subprocess4j.PipelineResult;
import dev.subprocess4j.Popen;
import dev.subprocess4j.ProcessPool;
import dev.subprocess4j.Redirect;
import dev.subprocess4j.Rlimit;
import dev.subprocess4j.Signal;
import dev.subprocess4j.SpawnException;
import dev.subprocess4j.Subprocess;
import dev.subprocess4j.TimeoutExpiredException;
import dev.subprocess4j.fixtures.ContractSupport;
import dev.subprocess4j.fixtures.LeakCheckExtension;
import dev.subprocess4j.fixtures.PropertySeed;
import dev.subprocess4j.internal.Backend;
import dev.subprocess4j.internal.BackendSelector;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The soak of issue [7]: many spawns from 32 virtual threads on the native backend, mixing every
 * kind of run (success, non-zero exit, missing program, bad directory, timeout with a kill grace,
 * signals, communicate with 1 MiB each way, pipelines, pool jobs, child-setup spawns), each result
 * checked; afterwards no zombie, the same fds and threads as at the start, the heap back to its
 * baseline after GC. Prints spawns/s and the counts.
 *
 * <p>Two sizes: {@code stress} (in CI) runs {@value #STRESS_DEFAULT} spawns
 * ({@code -Dsubprocess4j.stress.spawns=N}); {@code soak} ({@code -Psoak}) runs {@value #SOAK_DEFAULT}
 * ({@code -Dsubprocess4j.soak.spawns=N}). The seed is printed; replay with
 * {@code -Dsubprocess4j.seed=N}.
 */
class LinuxSoakTest extends BackendContract {
    static final int STRESS_DEFAULT = 5_000;
    static final int SOAK_DEFAULT = 100_000;
    private static final int THREADS = 32;
    /** Heap that may stay in use after GC without counting as a leak (class data, JIT bookkeeping). */
    private static final long HEAP_SLACK = 8L << 20;
    private static final byte[] MEBIBYTE = new byte[1 << 20];

    static {
        new Random(7).nextBytes(MEBIBYTE);
    }

    /** Kinds of run, with their weights out of 1,000. */
    enum Kind {
        SUCCESS(300), NONZERO_EXIT(120), CAPTURE(150), MISSING_PROGRAM(80), BAD_CWD(50), TIMEOUT_WITH_GRACE(15),
        SIGNAL(60), COMMUNICATE_MIB(10), PIPELINE(50), POOL_JOB(120), CHILD_SETUP(45);

        final int weight;

        Kind(int weight) {
            this.weight = weight;
        }

        static Kind pick(Random random) {
            int r = random.nextInt(1000);
            for (Kind k : values()) {
                r -= k.weight;
                if (r < 0) {
                    return k;
                }
            }
            throw new AssertionError("weights must add up to 1000");
        }
    }

    @Override
    protected Backend backend() {
        return BackendSelector.byName("linux-native");
    }

    @Test
    @Tag("stress")
    @Timeout(600)
    void fiveThousandMixedSpawnsFromThirtyTwoVirtualThreadsLeaveNothingBehind() throws Exception {
        soak(Integer.getInteger("subprocess4j.stress.spawns", STRESS_DEFAULT));
    }

    @Test
    @Tag("soak")
    @Timeout(7200)
    void aHundredThousandMixedSpawnsFromThirtyTwoVirtualThreadsLeaveNothingBehind() throws Exception {
        soak(Integer.getInteger("subprocess4j.soak.spawns", SOAK_DEFAULT));
    }

    /**
     * What the JVM holds: compared before and after the run. {@code threadIds}: the platform
     * threads' ids (never reused in a JVM), carriers left out.
     */
    record Resources(long zombies, long children, int fds, Set<Long> threadIds, int carriers, long heapBytes) {
        @Override
        public String toString() {
            return String.format("zombies %d, children %d, fds %d, platform threads %d (+%d virtual-thread carriers),"
                    + " heap after GC %.1f MiB", zombies, children, fds, threadIds.size(), carriers, heapBytes / 1048576.0);
        }
    }

    private void soak(int spawns) throws Exception {
        long seed = PropertySeed.seed();
        System.out.printf("LinuxSoakTest: %,d spawns, seed %d (-D%s=%d)%n", spawns, seed, PropertySeed.PROPERTY, seed);
        AtomicLong spawned = new AtomicLong();
        AtomicLongArray perKind = new AtomicLongArray(Kind.values().length);
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        AtomicInteger failureCount = new AtomicInteger();

        try (ProcessPool pool = ProcessPool.withMaxConcurrency(8)) {
            // Warm up every path (classes, JIT, the reactor, the child-setup files, the carriers) first.
            for (int i = 0; i < 3; i++) {
                for (Kind k : Kind.values()) {
                    runOne(k, new Random(i), pool);
                }
            }
            Resources before = settledResources(null);
            System.out.println("  before: " + before);

            AtomicLong nextOp = new AtomicLong();
            long start = System.nanoTime();
            try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int t = 0; t < THREADS; t++) {
                    threads.submit(() -> {
                        while (spawned.get() < spawns) {
                            long op = nextOp.getAndIncrement();
                            Random random = new Random(seed ^ (op * 0x9E3779B97F4A7C15L));
                            Kind kind = Kind.pick(random);
                            try {
                                spawned.addAndGet(runOne(kind, random, pool));
                                perKind.incrementAndGet(kind.ordinal());
                            } catch (Throwable e) {
                                if (failureCount.incrementAndGet() <= 10) {
                                    failures.add("op " + op + " (" + kind + "): " + e);
                                }
                            }
                        }
                        return null;
                    });
                }
            }
            Duration wall = ContractSupport.since(start);
            Resources after = settledResources(before);

            Map<Kind, Long> kinds = new EnumMap<>(Kind.class);
            for (Kind k : Kind.values()) {
                kinds.put(k, perKind.get(k.ordinal()));
            }
            System.out.printf("  %,d spawns in %.1f s: %,.0f spawns/s from %d virtual threads; failures %d%n",
                    spawned.get(), wall.toMillis() / 1000.0, spawned.get() * 1e9 / wall.toNanos(), THREADS,
                    failureCount.get());
            System.out.println("  runs by kind: " + kinds);
            System.out.println("  after:  " + after);

            assertThat(failures).as("seed %d: runs whose result was wrong (first 10 of %d)", seed, failureCount.get())
                    .isEmpty();
            assertThat(after.zombies()).as("zombies (children of the JVM in state Z)").isZero();
            assertThat(after.children()).as("children of the JVM still there").isZero();
            assertThat(after.fds()).as("open fds: %s", after).isEqualTo(before.fds());
            // No platform thread that was not there before: threads of earlier test classes (a
            // timed-out waiter, a pool) may end during the run, so the count may drop.
            assertThat(newThreads(before, after)).as("platform threads made by the run and left: %s", after).isEmpty();
            assertThat(after.heapBytes()).as("heap after GC, before %s", before)
                    .isLessThanOrEqualTo(before.heapBytes() + HEAP_SLACK);
        }
    }

    /** Runs one command of {@code kind}, checks its result, and returns how many processes it spawned. */
    private int runOne(Kind kind, Random random, ProcessPool pool) throws Exception {
        switch (kind) {
            case SUCCESS -> {
                assertThat(cmd("true").run().returnCode()).isZero();
                return 1;
            }
            case NONZERO_EXIT -> {
                int status = 1 + random.nextInt(255);
                assertThat(cmd("/bin/sh", "-c", "exit " + status).run().returnCode()).isEqualTo(status);
                return 1;
            }
            case CAPTURE -> {
                String word = "w" + random.nextInt(1_000_000);
                CompletedProcess r = sh("printf %s " + word + "; printf e >&2").captureOutput().run();
                assertThat(r.stdout()).isEqualTo(word);
                assertThat(r.stderr()).isEqualTo("e");
                return 1;
            }
            case MISSING_PROGRAM -> {
                SpawnException e = ContractSupport.thrown(SpawnException.class,
                        () -> cmd("/nonexistent/subprocess4j-soak-" + random.nextInt(100)).captureOutput().run());
                assertThat(e.step()).isEqualTo(SpawnException.Step.EXEC);
                assertThat(e.errnoName()).isEqualTo("ENOENT");
                return 1;
            }
            case BAD_CWD -> {
                SpawnException e = ContractSupport.thrown(SpawnException.class,
                        () -> cmd("true").cwd(Path.of("/nonexistent/subprocess4j-soak-dir")).run());
                assertThat(e.step()).isEqualTo(SpawnException.Step.CHDIR);
                assertThat(e.errnoName()).isEqualTo("ENOENT");
                return 1;
            }
            case TIMEOUT_WITH_GRACE -> {
                // ignores SIGTERM, so only the SIGKILL after the grace ends it
                Command stubborn = sh("trap '' TERM; echo ready; exec sleep 30").captureOutput()
                        .timeout(Duration.ofMillis(20 + random.nextInt(30))).killSignal(Signal.SIGTERM)
                        .killGrace(Duration.ofMillis(20));
                long start = System.nanoTime();
                TimeoutExpiredException e = ContractSupport.thrown(TimeoutExpiredException.class, stubborn::run);
                assertThat(ContractSupport.since(start)).isLessThan(Duration.ofSeconds(20));
                if (e.stdoutBytes() != null) {
                    assertThat(e.stdout()).isIn("", "ready\n");
                }
                return 1;
            }
            case SIGNAL -> {
                Signal s = List.of(Signal.SIGTERM, Signal.SIGINT, Signal.SIGHUP, Signal.SIGUSR1, Signal.SIGKILL)
                        .get(random.nextInt(5));
                try (Popen p = cmd("sleep", "30").start()) {
                    p.sendSignal(s);
                    assertThat(p.waitFor()).isEqualTo(-s.number());
                }
                return 1;
            }
            case COMMUNICATE_MIB -> {
                try (Popen p = cmd("cat").stdin(Redirect.PIPE).stdout(Redirect.PIPE).start()) {
                    CompletedProcess r = p.communicate(MEBIBYTE, Duration.ofSeconds(60));
                    assertThat(r.returnCode()).isZero();
                    assertThat(Arrays.equals(r.stdoutBytes(), MEBIBYTE)).as("1 MiB back unchanged").isTrue();
                }
                return 1;
            }
            case PIPELINE -> {
                int n = 1 + random.nextInt(50);
                PipelineResult r = Subprocess.pipeline(cmd("seq", Integer.toString(n)), cmd("tail", "-n", "1"),
                        cmd("wc", "-c")).stdout(Redirect.PIPE).run();
                assertThat(r.returnCode()).isZero();
                assertThat(r.stdout().strip()).isEqualTo(Integer.toString(Integer.toString(n).length() + 1));
                return 3;
            }
            case POOL_JOB -> {
                String word = "p" + random.nextInt(1_000_000);
                CompletedProcess r = pool.submit(cmd("echo", word).captureOutput()).get(60, TimeUnit.SECONDS);
                assertThat(r.stdout()).isEqualTo(word + "\n");
                return 1;
            }
            case CHILD_SETUP -> {
                long files = 64 + random.nextInt(64);
                CompletedProcess r = sh("ulimit -n; umask").rlimit(Rlimit.NOFILE, files, files).umask(027)
                        .captureOutput().run();
                assertThat(r.stdout()).isEqualTo(files + "\n0027\n");
                return 1;
            }
        }
        throw new AssertionError(kind);
    }

    /**
     * The JVM's resources once the run has settled: children are reaped asynchronously, so this waits
     * (at most 10 s) until none is left and, with {@code baseline}, until the fds are back.
     */
    private static Resources settledResources(Resources baseline) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        Resources r = resources();
        while (System.nanoTime() < deadline && (r.children() > 0 || r.zombies() > 0
                || (baseline != null && (r.fds() != baseline.fds() || !newThreads(baseline, r).isEmpty())))) {
            Thread.sleep(50);
            r = resources();
        }
        return r;
    }

    private static Resources resources() {
        long heap = Long.MAX_VALUE;
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) { // the least of three full collections
            System.gc();
            heap = Math.min(heap, rt.totalMemory() - rt.freeMemory());
        }
        int carriers = 0;
        Set<Long> ids = new HashSet<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("ForkJoinPool")) {
                carriers++; // the JDK grows and shrinks the virtual-thread scheduler by itself
            } else {
                ids.add(t.threadId());
            }
        }
        return new Resources(zombieChildren(), ProcessHandle.current().children().count(),
                LeakCheckExtension.openFds(), ids, carriers, heap);
    }

    /** The names of the platform threads alive in {@code after} that were not in {@code before}. */
    private static List<String> newThreads(Resources before, Resources after) {
        List<String> made = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (after.threadIds().contains(t.threadId()) && !before.threadIds().contains(t.threadId())) {
                made.add(t.getName());
            }
        }
        return made;
    }

    /** Children of this JVM in state Z, read from /proc. */
    static long zombieChildren() {
        String self = Long.toString(ProcessHandle.current().pid());
        List<Path> pids = new ArrayList<>();
        try (Stream<Path> all = Files.list(Path.of("/proc"))) {
            all.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit)).forEach(pids::add);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        long zombies = 0;
        for (Path p : pids) {
            String stat;
            try {
                stat = new String(Files.readAllBytes(p.resolve("stat")), StandardCharsets.UTF_8);
            } catch (IOException e) {
                continue; // gone meanwhile
            }
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            if (f[1].equals(self) && f[0].equals("Z")) {
                zombies++;
            }
        }
        return zombies;
    }
}
