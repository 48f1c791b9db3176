package dev.subprocess4j.bench;

import com.zaxxer.nuprocess.NuAbstractProcessHandler;
import com.zaxxer.nuprocess.NuProcess;
import com.zaxxer.nuprocess.NuProcessBuilder;
import dev.subprocess4j.Command;
import dev.subprocess4j.CompletedProcess;
import dev.subprocess4j.Popen;
import dev.subprocess4j.Redirect;
import dev.subprocess4j.Subprocess;
import java.io.InputStream;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Whole-process comparisons for subprocess4j-bench/README.md P1-P6, interleaved in one run: each round runs every
 * contender once, so a noisy moment hurts all of them alike; per-call medians over all rounds.
 * Run through run.sh, which builds the module and the C programs first.
 *
 * <p>{@code QuickBench CLOOP CSCALE PYLOOP} runs everything; the scale and throughput cases each
 * run in a fresh JVM ({@code QuickBench scale CONTENDER N pipe|null} and
 * {@code QuickBench throughput}), so that peak threads, peak RSS and heap belong to that case alone.
 */
public final class QuickBench {
    static final int CALLS = Integer.getInteger("calls", 200);
    static final int ROUNDS = Integer.getInteger("rounds", 5);
    /** Which parts to run: a comma-separated subset of p1 (P1 and P2), p3, p4, p5 (P5 and P6), or all. */
    static final String PARTS = System.getProperty("parts", "all");

    static boolean part(String name) {
        return PARTS.equals("all") || List.of(PARTS.split(",")).contains(name);
    }

    private QuickBench() {
    }

    public static void main(String[] args) throws Throwable {
        switch (args[0]) {
            case "scale" -> scaleChild(args[1], Integer.parseInt(args[2]), args[3].equals("pipe"));
            case "throughput" -> throughputChild(args[1]);
            default -> driver(args[0], args[1], args[2]);
        }
    }

    static void driver(String cloop, String cscale, String pyloop) throws Throwable {
        System.out.printf("backend %s, JDK %s, %d rounds x %d calls%n", Subprocess.backend(),
                System.getProperty("java.version"), ROUNDS, CALLS);
        Command libTrue = Subprocess.command("/bin/true");
        Command libEcho = Subprocess.command("/bin/echo", "test").captureOutput();
        if (part("p1")) {
            p1(cloop, pyloop, libTrue, libEcho);
        }
        if (part("p3")) {
            fdScaling(cloop, libTrue);
        }
        if (part("p4")) {
            scale(cscale);
        }
        if (part("p5")) {
            throughput(cloop);
        }
    }

    /** P1 and P2, interleaved round by round. */
    static void p1(String cloop, String pyloop, Command libTrue, Command libEcho) throws Exception {
        Map<String, List<Double>> us = new LinkedHashMap<>();
        for (int round = 0; round < ROUNDS; round++) {
            time(us, "C loop /bin/true", () -> external(cloop, String.valueOf(CALLS), "true"));
            time(us, "library /bin/true", () -> perCall(() -> libTrue.run()));
            time(us, "ProcessBuilder /bin/true", () -> perCall(() -> new ProcessBuilder("/bin/true").start().waitFor()));
            time(us, "ProcessBuilder DISCARD /bin/true", () -> perCall(() -> new ProcessBuilder("/bin/true")
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start().waitFor()));
            time(us, "Python subprocess.run /bin/true", () -> external("python3", pyloop, String.valueOf(CALLS), "true"));
            time(us, "C loop echo captured", () -> external(cloop, String.valueOf(CALLS), "echo"));
            time(us, "library echo captured", () -> perCall(() -> libEcho.run()));
            time(us, "ProcessBuilder echo captured", () -> perCall(() -> {
                Process p = new ProcessBuilder("/bin/echo", "test").start();
                p.getInputStream().readAllBytes();
                p.getErrorStream().readAllBytes();
                p.waitFor();
            }));
            time(us, "Python subprocess.run echo captured", () -> external("python3", pyloop, String.valueOf(CALLS), "echo"));
        }
        Map<String, Double> med = new LinkedHashMap<>();
        us.forEach((k, v) -> med.put(k, median(v)));
        med.forEach((k, v) -> System.out.printf("%-38s %8.1f us/call%n", k, v));
        for (String work : List.of("/bin/true", "echo captured")) {
            double c = med.get("C loop " + work);
            double lib = med.get("library " + work);
            System.out.printf("%-14s library/C %.2fx   ProcessBuilder/library %.2fx   library/Python %.2fx%n", work,
                    lib / c, med.get("ProcessBuilder " + work) / lib, lib / med.get("Python subprocess.run " + work));
        }
    }

    interface Body {
        void run() throws Exception;
    }

    interface Timed {
        double run() throws Exception;
    }

    static void time(Map<String, List<Double>> us, String name, Timed t) throws Exception {
        us.computeIfAbsent(name, k -> new ArrayList<>()).add(t.run());
    }

    static double perCall(Body b) throws Exception {
        double[] t = new double[CALLS];
        for (int i = 0; i < CALLS; i++) {
            long a = System.nanoTime();
            b.run();
            t[i] = (System.nanoTime() - a) / 1e3;
        }
        Arrays.sort(t);
        return t[CALLS / 2];
    }

    /** Runs a program that prints one number (a median in microseconds, or seconds). */
    static double external(String... argv) throws Exception {
        return Double.parseDouble(Subprocess.checkOutput(argv).strip());
    }

    static double median(List<Double> v) {
        double[] a = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return a[a.length / 2];
    }

    static final MethodHandle DUP = Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().find("dup").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    static final MethodHandle CLOSE = Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().find("close").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));

    /**
     * P3: the cost of open fds in the parent on a spawn. The JVM gets N extra fds (not close-on-exec,
     * so the child must close them); the C loop gets the same N in its own process and closes them in
     * the child with posix_spawn_file_actions_addclosefrom_np, as the library and Python do.
     */
    static void fdScaling(String cloop, Command libTrue) throws Throwable {
        Map<Integer, double[]> results = new LinkedHashMap<>();
        for (int n : new int[] {0, 1000, 3000}) {
            int[] fds = new int[n];
            for (int i = 0; i < n; i++) {
                fds[i] = (int) DUP.invokeExact(0);
            }
            List<Double> c = new ArrayList<>();
            List<Double> lib = new ArrayList<>();
            List<Double> pb = new ArrayList<>();
            for (int round = 0; round < 3; round++) {
                c.add(external(cloop, String.valueOf(CALLS), "closefrom", String.valueOf(n)));
                lib.add(perCall(() -> libTrue.run()));
                pb.add(perCall(() -> new ProcessBuilder("/bin/true").start().waitFor()));
            }
            results.put(n, new double[] {median(c), median(lib), median(pb)});
            System.out.printf("P3 %5d extra fds: C loop %7.1f us, library %7.1f us, ProcessBuilder %7.1f us%n",
                    n, median(c), median(lib), median(pb));
            for (int fd : fds) {
                int ignored = (int) CLOSE.invokeExact(fd);
            }
        }
        double[] zero = results.get(0);
        double[] most = results.get(3000);
        System.out.printf("P3 per extra fd (0 -> 3,000): C loop %.3f us, library %.3f us, ProcessBuilder %.3f us%n",
                (most[0] - zero[0]) / 3000, (most[1] - zero[1]) / 3000, (most[2] - zero[2]) / 3000);
    }

    /** P4: N concurrent children in a fresh JVM per contender, and the C loop. */
    static void scale(String cscale) throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        String classpath = System.getProperty("java.class.path");
        for (Object[] spec : new Object[][] {{1000, "pipe"}, {5000, "pipe"}, {10000, "null"}}) {
            int n = (Integer) spec[0];
            String mode = (String) spec[1];
            String label = n + (mode.equals("pipe") ? " piped" : " DEVNULL");
            String[] c = Subprocess.checkOutput(cscale, String.valueOf(n), mode).strip().split(" ");
            System.out.printf("P4 %-13s C loop          start %6s s  reap %5s s  threads 1  peak RSS %6.1f MiB%n",
                    label, c[0], c[1], Long.parseLong(c[2]) / 1024.0);
            c = Subprocess.checkOutput(cscale, String.valueOf(n), mode, "pidfd").strip().split(" ");
            System.out.printf("P4 %-13s C + pidfd each  start %6s s  reap %5s s  threads 1  peak RSS %6.1f MiB%n",
                    label, c[0], c[1], Long.parseLong(c[2]) / 1024.0);
            c = Subprocess.checkOutput(cscale, String.valueOf(n), mode, "pidfd-shared").strip().split(" ");
            System.out.printf("P4 %-13s C + pidfd, shared table  start %6s s  reap %5s s  threads 1  peak RSS %6.1f MiB%n",
                    label, c[0], c[1], Long.parseLong(c[2]) / 1024.0);
            // "library, copying": the library with its shared-table spawn off, as it was before it
            for (String contender : List.of("library", "library, copying", "ProcessBuilder", "NuProcess")) {
                if (contender.equals("ProcessBuilder") && n > 1000 && mode.equals("pipe")) {
                    // Each live child's pipe is an open fd in the JVM and ProcessBuilder pays ~5 us per
                    // open fd on every spawn: 5,000 would take minutes, and the children would not
                    // be concurrent any more. 1,000 shows the trend.
                    System.out.printf("P4 %-13s %-16s skipped: ~5 us per live child's fd on each spawn (see P3)%n",
                            label, contender);
                    continue;
                }
                if (contender.equals("ProcessBuilder") && n > 1000 && !Boolean.getBoolean("scale.pb10k")) {
                    // A reaper thread per child: 10,000 threads and 10,000 children are 20,000 of the
                    // 32,768 pids of a machine shared with other builds. -Dscale.pb10k=true runs it.
                    System.out.printf("P4 %-13s %-16s skipped: a thread per child, 20,000 tasks (run with -Dscale.pb10k=true)%n",
                            label, contender);
                    continue;
                }
                if (contender.equals("NuProcess") && n > 1000 && mode.equals("pipe")) {
                    // NuProcess keeps 3 pipes per live child, and its spawn pays per open fd too:
                    // a trial run had started 3,166 of 5,000 after 7.5 minutes.
                    System.out.printf("P4 %-13s %-16s skipped: 3 fds per live child, and each spawn pays per open fd%n",
                            label, contender);
                    continue;
                }
                if (contender.equals("NuProcess") && n * 3 + 100 > 20_000) {
                    System.out.printf("P4 %-13s %-16s cannot run: NuProcess always opens 3 pipes a child, %,d fds over the 20,000 limit%n",
                            label, contender, n * 3);
                    continue;
                }
                CompletedProcess r = Subprocess.command(java, "--enable-native-access=ALL-UNNAMED", "-Xss512k",
                                "-Dsubprocess4j.sharedFdTable=" + !contender.equals("library, copying"),
                                "-cp", classpath, QuickBench.class.getName(), "scale",
                                contender.startsWith("library") ? "library" : contender, String.valueOf(n), mode)
                        .captureOutput().run();
                String line = r.stdout().strip();
                System.out.printf("P4 %-13s %-16s %s%n", label, contender,
                        r.returnCode() == 0 ? line : "failed (exit " + r.returnCode() + "): " + lastLine(r.stderr()));
            }
        }
    }

    static String lastLine(String s) {
        String[] lines = s.strip().split("\n");
        return lines[lines.length - 1];
    }

    static long status(String key) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith(key)) {
                return Long.parseLong(line.substring(key.length()).strip().split(" ")[0]);
            }
        }
        throw new IllegalStateException(key);
    }

    static long usedHeap() {
        System.gc();
        Runtime rt = Runtime.getRuntime();
        return rt.totalMemory() - rt.freeMemory();
    }

    /**
     * One contender with N {@code sleep 1000} children: time to start them all, then SIGKILL each and
     * time until all are reaped; peak threads while starting, peak RSS, heap per live child.
     */
    static void scaleChild(String contender, int n, boolean piped) throws Exception {
        // Warm-up: the same spawn path, 300 times (NuProcess 50: its calls take 40-100 ms each),
        // so the timed part runs compiled code as in a long-running service (the C loop has
        // nothing to warm up).
        for (int i = 0; i < (contender.equals("NuProcess") ? 50 : 300); i++) {
            switch (contender) {
                case "library" -> Subprocess.command("/bin/true").stdout(piped ? Redirect.PIPE : Redirect.DEVNULL).run();
                case "ProcessBuilder" -> new ProcessBuilder("/bin/true").start().waitFor();
                default -> new NuProcessBuilder(new NuAbstractProcessHandler() { }, "/bin/true").start()
                        .waitFor(0, TimeUnit.SECONDS);
            }
        }
        long heapBefore = usedHeap();
        long threadsBefore = status("Threads:");
        long peakThreads = threadsBefore;
        List<Runnable> kills = new ArrayList<>(n);
        List<Runnable> waits = new ArrayList<>(n);
        Command library = Subprocess.command("sleep", "1000").stdout(piped ? Redirect.PIPE : Redirect.DEVNULL);
        ProcessBuilder pb = new ProcessBuilder("sleep", "1000").redirectInput(ProcessBuilder.Redirect.INHERIT)
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .redirectOutput(piped ? ProcessBuilder.Redirect.PIPE : ProcessBuilder.Redirect.DISCARD);
        // Killed from outside (a timeout, ^C): the sleepers must not outlive this JVM.
        Thread cleanup = new Thread(() -> List.copyOf(kills).forEach(Runnable::run));
        Runtime.getRuntime().addShutdownHook(cleanup);
        long a = System.nanoTime();
        for (int i = 0; i < n; i++) {
            switch (contender) {
                case "library" -> {
                    Popen p = library.start();
                    kills.add(p::kill);
                    waits.add(() -> {
                        p.waitFor();
                        p.close();
                    });
                }
                case "ProcessBuilder" -> {
                    Process p = pb.start();
                    kills.add(p::destroyForcibly);
                    waits.add(() -> {
                        try {
                            p.waitFor();
                            p.getInputStream().close();
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    });
                }
                case "NuProcess" -> {
                    NuProcess p = new NuProcessBuilder(new NuAbstractProcessHandler() { }, "sleep", "1000").start();
                    kills.add(() -> p.destroy(true));
                    waits.add(() -> {
                        try {
                            p.waitFor(0, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                            throw new IllegalStateException(e);
                        }
                    });
                }
                default -> throw new IllegalArgumentException(contender);
            }
            if (i % 250 == 0) {
                peakThreads = Math.max(peakThreads, status("Threads:"));
            }
        }
        double start = (System.nanoTime() - a) / 1e9;
        peakThreads = Math.max(peakThreads, status("Threads:"));
        long heapPerChild = (usedHeap() - heapBefore) / n;
        long b = System.nanoTime();
        kills.forEach(Runnable::run);
        waits.forEach(Runnable::run);
        double reap = (System.nanoTime() - b) / 1e9;
        Runtime.getRuntime().removeShutdownHook(cleanup);
        System.out.printf("start %6.2f s  reap %5.2f s  threads %d -> %d  peak RSS %6.1f MiB  heap %,d B/child%n",
                start, reap, threadsBefore, peakThreads, status("VmHWM:") / 1024.0, heapPerChild);
    }

    /**
     * P5 and P6 in a fresh JVM with room for 1 GiB of captured output (-Xms3g: the heap is
     * committed at start, never given back, but its pages are faulted in at first use); the C
     * readers beside it.
     */
    static void throughput(String cloop) throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        String classpath = System.getProperty("java.class.path");
        Map<String, List<Double>> seconds = new LinkedHashMap<>();
        for (int round = 0; round < 3; round++) {
            seconds.computeIfAbsent("C reader (64 KiB reads)", k -> new ArrayList<>())
                    .add(external(cloop, "1", "read", String.valueOf(1L << 30)) / 1e6);
            seconds.computeIfAbsent("C reader keeping the bytes", k -> new ArrayList<>())
                    .add(external(cloop, "1", "keep", String.valueOf(1L << 30)) / 1e6);
            String out = Subprocess.command(java, "--enable-native-access=ALL-UNNAMED", "-Xms3g", "-Xmx3g", "-cp", classpath,
                    QuickBench.class.getName(), "throughput", cloop).captureOutput().check().run().stdout();
            for (String line : out.strip().split("\n")) {
                String[] kv = line.split("=");
                seconds.computeIfAbsent(kv[0], k -> new ArrayList<>()).add(Double.parseDouble(kv[1]));
            }
        }
        double c = median(seconds.get("C reader (64 KiB reads)"));
        double cKeep = median(seconds.get("C reader keeping the bytes"));
        double cCat = median(seconds.get("C cat 64 MiB each way"));
        seconds.forEach((k, v) -> {
            double s = median(v);
            if (k.contains("64 MiB")) {
                System.out.printf("P6 %-34s %.3f s (%.0f MiB/s each way)  %.2fx the C loop's speed%n", k, s, 64 / s, cCat / s);
            } else if (k.contains("captureOutput") || k.contains("readAllBytes") || k.contains("keeping")) {
                // What keeps 1 GiB is compared with the C reader that keeps it too.
                System.out.printf("P5 1 GiB %-34s %.3f s (%.2f GiB/s)  %.2fx the keeping C reader's speed%n",
                        k, s, 1 / s, cKeep / s);
            } else {
                System.out.printf("P5 1 GiB %-34s %.3f s (%.2f GiB/s)  %.2fx the C reader's speed%n", k, s, 1 / s, c / s);
            }
        });
    }

    static void throughputChild(String cloop) throws Exception {
        // Warm-up: each Java reader once with 64 MiB, so the timed GiB runs compiled code.
        for (int i = 0; i < 2; i++) {
            try (Popen p = Subprocess.command("head", "-c", "67108864", "/dev/zero").stdout(Redirect.PIPE).start()) {
                drain(p.stdout());
                p.waitFor();
            }
            Subprocess.command("head", "-c", "67108864", "/dev/zero").captureOutput().run();
            Process warm = new ProcessBuilder("head", "-c", "67108864", "/dev/zero").start();
            drain(warm.getInputStream());
            warm.waitFor();
            Subprocess.command("cat").input(new byte[1 << 20]).captureOutput().run();
        }
        long size = 1L << 30;
        long a = System.nanoTime();
        try (Popen p = Subprocess.command("head", "-c", String.valueOf(size), "/dev/zero").stdout(Redirect.PIPE).start()) {
            check(drain(p.stdout()), size);
            p.waitFor();
        }
        System.out.printf("library stdout()=%.4f%n", (System.nanoTime() - a) / 1e9);
        a = System.nanoTime();
        CompletedProcess r = Subprocess.command("head", "-c", String.valueOf(size), "/dev/zero").captureOutput().run();
        check(r.stdoutBytes().length, size);
        System.out.printf("library captureOutput()=%.4f%n", (System.nanoTime() - a) / 1e9);
        r = null;
        // Again in the same JVM: the heap's pages are now mapped (the first GiB faulted them in,
        // and -Xms3g keeps the heap from being given back), as in a JVM that has run for a while.
        System.gc();
        a = System.nanoTime();
        r = Subprocess.command("head", "-c", String.valueOf(size), "/dev/zero").captureOutput().run();
        check(r.stdoutBytes().length, size);
        System.out.printf("library captureOutput() again=%.4f%n", (System.nanoTime() - a) / 1e9);
        r = null;
        System.gc();
        a = System.nanoTime();
        Process keep = new ProcessBuilder("head", "-c", String.valueOf(size), "/dev/zero").start();
        check(keep.getInputStream().readAllBytes().length, size);
        keep.waitFor();
        System.out.printf("ProcessBuilder readAllBytes()=%.4f%n", (System.nanoTime() - a) / 1e9);
        System.gc();
        a = System.nanoTime();
        Process pb = new ProcessBuilder("head", "-c", String.valueOf(size), "/dev/zero").start();
        check(drain(pb.getInputStream()), size);
        pb.waitFor();
        System.out.printf("ProcessBuilder getInputStream()=%.4f%n", (System.nanoTime() - a) / 1e9);
        byte[] input = new byte[64 << 20];
        a = System.nanoTime();
        r = Subprocess.command("cat").input(input).captureOutput().run();
        check(r.stdoutBytes().length, input.length);
        System.out.printf("library communicate 64 MiB each way=%.4f%n", (System.nanoTime() - a) / 1e9);
        System.out.printf("C cat 64 MiB each way=%.4f%n",
                external(cloop, "1", "cat", String.valueOf(input.length)) / 1e6);
    }

    static long drain(InputStream in) throws Exception {
        byte[] buf = new byte[1 << 16];
        long total = 0;
        int n;
        while ((n = in.read(buf)) > 0) {
            total += n;
        }
        return total;
    }

    static void check(long got, long expected) {
        if (got != expected) {
            throw new IllegalStateException("expected " + expected + " bytes, got " + got);
        }
    }
}
