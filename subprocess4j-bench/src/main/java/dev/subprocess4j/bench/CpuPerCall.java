package dev.subprocess4j.bench;

import dev.subprocess4j.Command;
import dev.subprocess4j.Subprocess;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * P8 measured in CPU time rather than wall time, which a shared machine's load hardly moves: for
 * each contender, round robin in blocks of N calls, the CPU time per call of the calling thread
 * (user + system, so its system calls and the kernel work they do), of the whole JVM
 * ({@code getrusage(RUSAGE_SELF)}: the reactor, JIT and GC included) and of the reaped children (RUSAGE_CHILDREN: the child's side
 * of the spawn, its close_range, exec and exit), and the wall time per call. Medians over the
 * rounds. The library's own cost is its calling-thread and JVM CPU minus the FFM floor's.
 *
 * <p>Usage: {@code CpuPerCall [rounds] [calls-per-round]} (default 15 x 200, after 2,000 warm-up
 * calls of each contender).
 */
public final class CpuPerCall {
    private static final MethodHandle GETRUSAGE = Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().find("getrusage").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
    private static final int RUSAGE_SELF = 0;
    private static final int RUSAGE_CHILDREN = -1;

    private CpuPerCall() {
    }

    private interface Call {
        void run() throws Throwable;
    }

    public static void main(String[] args) throws Throwable {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        int calls = args.length > 1 ? Integer.parseInt(args[1]) : 200;
        Command lib = Subprocess.command("/bin/true");
        Command keepFds = Subprocess.command("/bin/true").closeFds(false);
        Command echo = Subprocess.command(List.of("/bin/echo", "test")).captureOutput();
        Floor floor = new Floor("/bin/true");
        Map<String, Call> works = new LinkedHashMap<>();
        works.put("FFM floor /bin/true", floor::spawnAndWait);
        works.put("library /bin/true", () -> lib.run());
        works.put("library /bin/true closeFds(false)", () -> keepFds.run());
        works.put("library echo captured", () -> EchoBenchmark.check(echo.run().stdoutBytes()));
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        for (Call c : works.values()) {
            for (int i = 0; i < 2000; i++) {
                c.run();
            }
        }
        Map<String, List<double[]>> samples = new LinkedHashMap<>();
        works.keySet().forEach(k -> samples.put(k, new ArrayList<>()));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ru = arena.allocate(144, 8);
            for (int r = 0; r < rounds; r++) {
                for (Map.Entry<String, Call> w : works.entrySet()) {
                    long thread0 = threads.getCurrentThreadCpuTime();
                    long jvm0 = cpu(ru, RUSAGE_SELF);
                    long kids0 = cpu(ru, RUSAGE_CHILDREN);
                    long wall0 = System.nanoTime();
                    for (int i = 0; i < calls; i++) {
                        w.getValue().run();
                    }
                    long wall = System.nanoTime() - wall0;
                    samples.get(w.getKey()).add(new double[] {
                        (threads.getCurrentThreadCpuTime() - thread0) / 1e3 / calls,
                        (cpu(ru, RUSAGE_SELF) - jvm0) / 1e3 / calls,
                        (cpu(ru, RUSAGE_CHILDREN) - kids0) / 1e3 / calls,
                        wall / 1e3 / calls});
                }
            }
        }
        floor.close();
        System.out.printf("%d rounds x %d calls, medians per call in us; load: %s%n", rounds, calls,
                new String(java.nio.file.Files.readAllBytes(java.nio.file.Path.of("/proc/loadavg"))).strip());
        System.out.printf("%-36s %14s %10s %14s %10s%n", "contender", "calling thread", "whole JVM", "child (rusage)", "wall");
        for (Map.Entry<String, List<double[]>> e : samples.entrySet()) {
            double[] m = new double[4];
            for (int k = 0; k < 4; k++) {
                final int kk = k;
                double[] v = e.getValue().stream().mapToDouble(s -> s[kk]).sorted().toArray();
                m[k] = v[v.length / 2];
            }
            System.out.printf("%-36s %14.1f %10.1f %14.1f %10.1f%n", e.getKey(), m[0], m[1], m[2], m[3]);
        }
        System.out.println("(all contenders ran in every round, in this order)");
    }

    /** User + system time of the JVM (RUSAGE_SELF) or of its reaped children, in ns (us precision). */
    private static long cpu(MemorySegment ru, int who) throws Throwable {
        if ((int) GETRUSAGE.invokeExact(who, ru) != 0) {
            throw new IllegalStateException("getrusage failed");
        }
        long user = ru.get(ValueLayout.JAVA_LONG, 0) * 1_000_000_000L + ru.get(ValueLayout.JAVA_LONG, 8) * 1000;
        long sys = ru.get(ValueLayout.JAVA_LONG, 16) * 1_000_000_000L + ru.get(ValueLayout.JAVA_LONG, 24) * 1000;
        return user + sys;
    }
}
