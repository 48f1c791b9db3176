import dev.subprocess4j.Command;
import dev.subprocess4j.Redirect;
import dev.subprocess4j.Subprocess;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The shared-table spawn (P4's library change) against the copying paths for one spawn at a time:
 * the same command with -Dsubprocess4j.sharedFdTable on and off (the library reads it at every
 * spawn), call by call, round robin, with E extra inheritable fds open in the JVM (0 and 1,000 by
 * default). Medians per round, then the median of the rounds.
 * Usage: subprocess4j-bench/shared-table.sh [calls] [rounds] [extra fds, comma-separated]
 */
public class SharedTableBench {
    static final int CALLS = Integer.getInteger("calls", 300);
    static final int ROUNDS = Integer.getInteger("rounds", 5);
    static final String PROPERTY = "subprocess4j.sharedFdTable";

    public static void main(String[] args) throws Throwable {
        Linker linker = Linker.nativeLinker();
        MethodHandle open = linker.downcallHandle(linker.defaultLookup().find("open").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT),
                Linker.Option.firstVariadicArg(2));
        String extras = System.getProperty("extra", "0,1000");
        Map<String, Command> commands = new LinkedHashMap<>();
        commands.put("/bin/true", Subprocess.command("/bin/true"));
        commands.put("echo captured", Subprocess.command("echo", "test").captureOutput());
        commands.put("umask(027) /bin/true", Subprocess.command("/bin/true").umask(027));
        System.out.printf("backend %s, JDK %s, %d rounds x %d calls, %d cores%n", Subprocess.backend(),
                System.getProperty("java.version"), ROUNDS, CALLS, Runtime.getRuntime().availableProcessors());
        int held = 0;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment devNull = arena.allocateFrom("/dev/null");
            for (String e : extras.split(",")) {
                int want = Integer.parseInt(e.strip());
                for (; held < want; held++) {
                    int fd = (int) open.invokeExact(devNull, 0); // inheritable, as in P3
                    if (fd < 0) {
                        throw new IllegalStateException("open failed");
                    }
                }
                run(commands, held);
            }
        }
    }

    static void run(Map<String, Command> commands, int extra) {
        for (Map.Entry<String, Command> c : commands.entrySet()) {
            for (int i = 0; i < 100; i++) { // warm-up, both ways
                toggle(i % 2 == 0);
                c.getValue().run();
            }
            List<Double> on = new ArrayList<>();
            List<Double> off = new ArrayList<>();
            for (int round = 0; round < ROUNDS; round++) {
                double[] a = new double[CALLS];
                double[] b = new double[CALLS];
                for (int i = 0; i < CALLS; i++) {
                    // alternate which goes first, so neither always follows the other
                    boolean first = i % 2 == 0;
                    for (boolean shared : new boolean[] {first, !first}) {
                        toggle(shared);
                        long t = System.nanoTime();
                        c.getValue().run();
                        double us = (System.nanoTime() - t) / 1e3;
                        (shared ? a : b)[i] = us;
                    }
                }
                Arrays.sort(a);
                Arrays.sort(b);
                on.add(a[CALLS / 2]);
                off.add(b[CALLS / 2]);
            }
            toggle(true);
            double mOn = median(on);
            double mOff = median(off);
            System.out.printf("%,6d extra fds  %-22s shared table %7.1f us  copying path %7.1f us  shared/copying %.3f  (rounds on %s, off %s)%n",
                    extra, c.getKey(), mOn, mOff, mOn / mOff, fmt(on), fmt(off));
        }
    }

    static void toggle(boolean shared) {
        if (shared) {
            System.clearProperty(PROPERTY);
        } else {
            System.setProperty(PROPERTY, "false");
        }
    }

    static String fmt(List<Double> v) {
        return v.stream().map(d -> String.format("%.0f", d)).toList().toString();
    }

    static double median(List<Double> v) {
        double[] a = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return a[a.length / 2];
    }
}
