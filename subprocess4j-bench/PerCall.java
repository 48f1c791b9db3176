import dev.subprocess4j.Command;
import dev.subprocess4j.CompletedProcess;
import dev.subprocess4j.Subprocess;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * P1/P2 (issue [17]) in the JVM a user runs, for percall.sh: one JVM, warmed up, then its contenders
 * round robin in blocks of N calls; prints one line per contender with the median per call in µs
 * (the median of the blocks' medians), so that the script can interleave whole JVMs with the C loop
 * and Python.
 *
 * <p>Two ways to call the library, picked by the first argument:
 * <ul>
 * <li>{@code fresh}: what the outside harness did and what a user writes: {@code Subprocess.run("/bin/true")}
 * and {@code Subprocess.command("/bin/echo", "test").captureOutput().run()}, a new {@code Command} per call.
 * Run it with the single-file source launcher ({@code java --enable-native-access=ALL-UNNAMED -cp JAR PerCall.java})
 * and no tuning: the default G1 heap, default thread stacks.
 * <li>{@code reused}: QuickBench's way, one {@code Command} built once and run again and again (percall.sh
 * runs this one compiled, on the class path, with {@code -Xss256k}, as run.sh runs QuickBench).
 * </ul>
 * Usage: {@code PerCall fresh|reused CALLS BLOCKS WARMUP [alloc]}; with {@code alloc} it also prints the
 * bytes of heap the calling thread allocates per call ({@code ThreadMXBean.getThreadAllocatedBytes}) and the
 * CPU time per call of the calling thread and of the whole JVM (reactor, JIT, GC included), which the load of
 * a shared machine hardly moves. The last line (unless the JVM has no JIT, -Xint) is the JIT compilers' time while the blocks ran
 * ({@code CompilationMXBean.getTotalCompilationTime}), which percall.sh reports as a contender of its own.
 * With the environment variable {@code PERCALL_CLOOP} naming the C loop's binary ({@code cloop.c}), every
 * library block is paired with a C loop run of as many calls right before it, and the median of the
 * pairs' ratios is printed too; with {@code PERCALL_PYLOOP} naming {@code pyloop.py}, likewise with
 * Python's {@code subprocess.run} (percall.sh sets both: {@code PAIRED=1}). Each ProcessBuilder block runs
 * right after the library's block of the same call, and the median of those pairs' ratios is printed always.
 *
 * <p>A dry block of every contender (the management beans, the sorting, the paired loops included; its figures
 * dropped) runs before the warm-up, and the warm-up takes turns between the contenders as the blocks do: a class
 * loaded later invalidates what the JIT compiled under the assumption that it did not exist. ProcessBuilder's first start loads {@code ThreadPoolExecutor$Worker}, another subclass
 * of {@code AbstractQueuedSynchronizer} than {@code ReentrantLock}'s, which deoptimized the compiled methods
 * of the library's path that inlined a {@code ReentrantLock} (20 of them with C2) when the ProcessBuilder
 * warm-up began after the library's: the blocks then measured the library being compiled again.
 */
public final class PerCall {
    private interface Call {
        void run() throws Exception;
    }

    public static void main(String[] args) throws Exception {
        boolean fresh = args[0].equals("fresh");
        if (!fresh && !args[0].equals("reused")) {
            throw new IllegalArgumentException("first argument: fresh or reused, not " + args[0]);
        }
        int calls = Integer.parseInt(args[1]);
        int blocks = Integer.parseInt(args[2]);
        int warmup = Integer.parseInt(args[3]);
        boolean alloc = args.length > 4 && args[4].equals("alloc");
        Command reusedTrue = Subprocess.command("/bin/true");
        Command reusedEcho = Subprocess.command("/bin/echo", "test").captureOutput();
        Map<String, Call> works = new LinkedHashMap<>();
        // Each ProcessBuilder block right after the library's block of the same call: their ratio is
        // also taken block by block ("paired").
        works.put("library /bin/true", fresh ? () -> Subprocess.run("/bin/true") : () -> reusedTrue.run());
        works.put("ProcessBuilder /bin/true", () -> new ProcessBuilder("/bin/true").start().waitFor());
        works.put("library echo captured", fresh
                ? () -> check(Subprocess.command("/bin/echo", "test").captureOutput().run())
                : () -> check(reusedEcho.run()));
        works.put("ProcessBuilder echo captured", () -> {
            Process p = new ProcessBuilder("/bin/echo", "test").start();
            p.getInputStream().readAllBytes();
            p.getErrorStream().readAllBytes();
            p.waitFor();
        });
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long self = Thread.currentThread().threadId();
        Map<String, List<Double>> medians = new LinkedHashMap<>();
        Map<String, List<Double>> bytes = new LinkedHashMap<>();
        Map<String, List<Double>> threadCpu = new LinkedHashMap<>();
        Map<String, List<Double>> jvmCpu = new LinkedHashMap<>();
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        double[] t = new double[calls];
        java.lang.management.CompilationMXBean jit = ManagementFactory.getCompilationMXBean(); // null with -Xint
        boolean jitTimed = jit != null && jit.isCompilationTimeMonitoringSupported();
        // With PERCALL_CLOOP (the C loop's binary) and PERCALL_PYLOOP (pyloop.py), each library block
        // is paired with a C loop run and a Python run of as many calls just before it: the ratio of
        // the medians, seconds apart, leaves out most of the drift of a shared machine's speed
        // between whole runs.
        String cloop = System.getenv("PERCALL_CLOOP");
        String pyloop = System.getenv("PERCALL_PYLOOP");
        Map<String, String> mode = Map.of("library /bin/true", "true", "library echo captured", "echo");
        Map<String, String> builderMode = Map.of("ProcessBuilder /bin/true", "true", "ProcessBuilder echo captured", "echo");
        Map<String, List<Double>> pairedC = new LinkedHashMap<>();
        Map<String, List<Double>> pairedPython = new LinkedHashMap<>();
        Map<String, List<Double>> pairedBuilder = new LinkedHashMap<>(); // ProcessBuilder block / library block before it
        Map<String, Double> lastLibrary = new LinkedHashMap<>(); // mode -> the library's last block median

        // First a dry block of every contender, whose figures are dropped, so that no class is loaded
        // after the JIT compiled the library's path (the class comment): each contender, what a block
        // measures with, the paired loops. The warm-up then takes turns between the contenders, as
        // the blocks do.
        long jit0 = 0;
        for (int b = -1; b < blocks; b++) {
            if (b == 0) {
                for (Map<String, ?> figures : List.of(medians, bytes, threadCpu, jvmCpu, pairedC, pairedPython,
                        pairedBuilder, lastLibrary)) {
                    figures.clear();
                }
                for (int i = 0; i < warmup; i++) {
                    for (Call c : works.values()) {
                        c.run();
                    }
                }
                jit0 = jitTimed ? jit.getTotalCompilationTime() : 0;
            }
            for (Map.Entry<String, Call> w : works.entrySet()) {
                String m = mode.get(w.getKey());
                String builderOf = builderMode.get(w.getKey());
                double floor = cloop != null && m != null ? loop(List.of(cloop, String.valueOf(calls), m)) : Double.NaN;
                double python = pyloop != null && m != null
                        ? loop(List.of("python3", pyloop, String.valueOf(calls), m)) : Double.NaN;
                long bytes0 = threads.getThreadAllocatedBytes(self);
                long thread0 = threads.getCurrentThreadCpuTime();
                long jvm0 = os.getProcessCpuTime();
                for (int i = 0; i < calls; i++) {
                    long a = System.nanoTime();
                    w.getValue().run();
                    t[i] = (System.nanoTime() - a) / 1e3;
                }
                long jvm = os.getProcessCpuTime() - jvm0;
                long thread = threads.getCurrentThreadCpuTime() - thread0;
                long allocated = threads.getThreadAllocatedBytes(self) - bytes0;
                threadCpu.computeIfAbsent(w.getKey(), k -> new ArrayList<>()).add(thread / 1e3 / calls);
                jvmCpu.computeIfAbsent(w.getKey(), k -> new ArrayList<>()).add(jvm / 1e3 / calls);
                Arrays.sort(t);
                medians.computeIfAbsent(w.getKey(), k -> new ArrayList<>()).add(t[calls / 2]);
                if (m != null) {
                    lastLibrary.put(m, t[calls / 2]);
                } else if (builderOf != null && lastLibrary.containsKey(builderOf)) {
                    pairedBuilder.computeIfAbsent(w.getKey(), k -> new ArrayList<>()).add(t[calls / 2] / lastLibrary.get(builderOf));
                }
                if (!Double.isNaN(floor)) {
                    pairedC.computeIfAbsent(w.getKey(), k -> new ArrayList<>()).add(t[calls / 2] / floor);
                }
                if (!Double.isNaN(python)) {
                    pairedPython.computeIfAbsent(w.getKey(), k -> new ArrayList<>()).add(t[calls / 2] / python);
                }
                bytes.computeIfAbsent(w.getKey(), k -> new ArrayList<>()).add((double) allocated / calls);
            }
        }
        long jitMillis = jitTimed ? jit.getTotalCompilationTime() - jit0 : -1;
        for (String k : works.keySet()) {
            System.out.printf("%s\t%.1f%s%n", k, median(medians.get(k)), alloc ? String.format(
                    "\t%.0f B/call\tCPU us/call: calling thread %.1f, whole JVM %.1f", median(bytes.get(k)),
                    median(threadCpu.get(k)), median(jvmCpu.get(k))) : "");
        }
        for (Map.Entry<String, List<Double>> e : pairedC.entrySet()) {
            System.out.printf("%s/C paired (ratio, not us)\t%.3f%n", e.getKey(), median(e.getValue()));
        }
        for (Map.Entry<String, List<Double>> e : pairedPython.entrySet()) {
            System.out.printf("%s/Python paired (ratio, not us)\t%.3f%n", e.getKey(), median(e.getValue()));
        }
        for (Map.Entry<String, List<Double>> e : pairedBuilder.entrySet()) {
            System.out.printf("%s/library paired (ratio, not us)\t%.3f%n", e.getKey(), median(e.getValue()));
        }
        // The JIT compilers' time while the blocks ran (all contenders, and this loop's own code,
        // which starts with the blocks): on 2 CPUs it competes with the children. A JVM a few
        // seconds old is still compiling the library's path.
        if (jitTimed) {
            System.out.printf("JIT ms during the blocks\t%d%n", jitMillis);
        }
    }

    /** The median per call that a loop program (cloop.c, pyloop.py) prints, run now (ProcessBuilder: not the library). */
    private static double loop(List<String> command) throws Exception {
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes()).trim();
        if (p.waitFor() != 0) {
            throw new IllegalStateException(command + " failed: " + out);
        }
        return Double.parseDouble(out);
    }

    private static void check(CompletedProcess p) {
        if (p.stdoutBytes().length != 5) {
            throw new IllegalStateException("echo printed " + p.stdoutBytes().length + " bytes");
        }
    }

    private static double median(List<Double> v) {
        double[] a = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return a[a.length / 2];
    }
}
