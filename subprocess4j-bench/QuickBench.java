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

/**
 * Quick whole-process comparisons for the targets of BENCHMARKS.md (P1-P6), interleaved in one
 * run: each round runs every contender once, so a noisy moment hurts all of them alike. Per-call
 * medians over all rounds. Run through run.sh, which builds the library and the C loop first.
 */
public class QuickBench {
    static final int CALLS = Integer.getInteger("calls", 200);
    static final int ROUNDS = Integer.getInteger("rounds", 5);

    public static void main(String[] args) throws Throwable {
        String cloop = args[0];
        System.out.printf("backend %s, JDK %s, %d rounds x %d calls%n", Subprocess.backend(),
                System.getProperty("java.version"), ROUNDS, CALLS);
        Command libTrue = Subprocess.command("/bin/true");
        Command libEcho = Subprocess.command("/bin/echo", "test").captureOutput();
        Map<String, List<Double>> us = new LinkedHashMap<>();
        for (int round = 0; round < ROUNDS; round++) {
            time(us, "C loop /bin/true", () -> cExternal(cloop, "true"));
            time(us, "library /bin/true", () -> perCall(() -> libTrue.run()));
            time(us, "ProcessBuilder /bin/true", () -> perCall(() -> new ProcessBuilder("/bin/true").start().waitFor()));
            time(us, "ProcessBuilder DISCARD /bin/true", () -> perCall(() -> new ProcessBuilder("/bin/true")
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start().waitFor()));
            time(us, "C loop echo captured", () -> cExternal(cloop, "echo"));
            time(us, "library echo captured", () -> perCall(() -> libEcho.run()));
            time(us, "ProcessBuilder echo captured", () -> perCall(() -> {
                Process p = new ProcessBuilder("/bin/echo", "test").start();
                p.getInputStream().readAllBytes();
                p.getErrorStream().readAllBytes();
                p.waitFor();
            }));
        }
        Map<String, Double> med = new LinkedHashMap<>();
        us.forEach((k, v) -> med.put(k, median(v)));
        med.forEach((k, v) -> System.out.printf("%-36s %8.1f us/call%n", k, v));
        System.out.printf("P1 library/C (/bin/true)           %.2fx   ProcessBuilder/library %.2fx%n",
                med.get("library /bin/true") / med.get("C loop /bin/true"),
                med.get("ProcessBuilder /bin/true") / med.get("library /bin/true"));
        System.out.printf("P2 library/C (echo captured)       %.2fx   ProcessBuilder/library %.2fx%n",
                med.get("library echo captured") / med.get("C loop echo captured"),
                med.get("ProcessBuilder echo captured") / med.get("library echo captured"));
        fdScaling(libTrue);
        scale(args[1]);
        throughput();
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

    static double cExternal(String cloop, String mode) throws Exception {
        String out = Subprocess.checkOutput(cloop, String.valueOf(CALLS), mode);
        return Double.parseDouble(out.strip());
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

    /** P3: the cost of open fds in the JVM on a spawn. */
    static void fdScaling(Command libTrue) throws Throwable {
        int[] counts = {0, 1000, 3000};
        for (int n : counts) {
            int[] fds = new int[n];
            for (int i = 0; i < n; i++) {
                fds[i] = (int) DUP.invokeExact(0);
            }
            double lib = median(List.of(perCall(() -> libTrue.run()), perCall(() -> libTrue.run()), perCall(() -> libTrue.run())));
            double pb = perCall(() -> new ProcessBuilder("/bin/true").start().waitFor());
            System.out.printf("P3 %5d extra fds: library %7.1f us, ProcessBuilder %7.1f us%n", n, lib, pb);
            for (int fd : fds) {
                int ignored = (int) CLOSE.invokeExact(fd);
            }
        }
    }

    static int threads() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("Threads:")) {
                return Integer.parseInt(line.substring(8).strip());
            }
        }
        return -1;
    }

    /** P4: N concurrent sleep children. */
    static void scale(String cscale) throws Exception {
        for (int[] spec : new int[][] {{1000, 1}, {5000, 1}, {10000, 0}}) {
            int n = spec[0];
            boolean piped = spec[1] == 1;
            String c = Subprocess.command(cscale, String.valueOf(n), piped ? "pipe" : "null")
                    .stdout(Redirect.PIPE).run().stdout().strip();
            System.out.printf("P4 %5d children (%s): C loop started all in %s s, reaped all at %s s%n",
                    n, piped ? "stdout piped" : "DEVNULL", c.split(" ")[0], c.split(" ")[1]);
            int before = threads();
            Command sleep = Subprocess.command("sleep", "2").stdout(piped ? Redirect.PIPE : Redirect.DEVNULL);
            List<Popen> all = new ArrayList<>(n);
            long a = System.nanoTime();
            int peak = before;
            for (int i = 0; i < n; i++) {
                all.add(sleep.start());
                if (i % 500 == 0) {
                    peak = Math.max(peak, threads());
                }
            }
            double start = (System.nanoTime() - a) / 1e9;
            peak = Math.max(peak, threads());
            for (Popen p : all) {
                p.waitFor();
                p.close();
            }
            double reap = (System.nanoTime() - a) / 1e9;
            System.out.printf("P4 %5d children (%s): all started in %.2f s, all reaped at %.2f s, threads %d -> peak %d%n",
                    n, piped ? "stdout piped" : "DEVNULL", start, reap, before, peak);
        }
    }

    /** P5: 1 GiB through stdout(); P6: 64 MiB each way through communicate. */
    static void throughput() throws Exception {
        long size = 1L << 30;
        long a = System.nanoTime();
        try (Popen p = Subprocess.command("head", "-c", String.valueOf(size), "/dev/zero").stdout(Redirect.PIPE).start()) {
            InputStream in = p.stdout();
            byte[] buf = new byte[1 << 16];
            long total = 0;
            int n;
            while ((n = in.read(buf)) > 0) {
                total += n;
            }
            if (total != size) {
                throw new AssertionError(total);
            }
        }
        double lib = (System.nanoTime() - a) / 1e9;
        a = System.nanoTime();
        Subprocess.shell("head -c " + size + " /dev/zero | cat > /dev/null").run();
        double c = (System.nanoTime() - a) / 1e9;
        System.out.printf("P5 1 GiB through stdout(): library %.2f GiB/s, head|cat (C reader) %.2f GiB/s, ratio %.2f%n",
                1 / lib, 1 / c, c / lib);
        byte[] input = new byte[64 << 20];
        a = System.nanoTime();
        CompletedProcess r = Subprocess.command("cat").input(input).captureOutput().run();
        double comm = (System.nanoTime() - a) / 1e9;
        if (r.stdoutBytes().length != input.length) {
            throw new AssertionError();
        }
        System.out.printf("P6 communicate 64 MiB each way through cat: %.2f s (%.0f MiB/s)%n", comm, 64 / comm);
    }
}
