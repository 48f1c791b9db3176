import dev.subprocess4j.Command;
import dev.subprocess4j.Rlimit;
import dev.subprocess4j.Subprocess;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * subprocess4j-bench/README.md P7: a spawn on the child-setup path against the fast path, interleaved in one
 * run (each round times every contender once), per-call medians over all rounds. Run as root
 * for the user case: subprocess4j-bench/child-setup.sh [calls] [rounds].
 */
public class ChildSetupBench {
    static final int CALLS = Integer.getInteger("calls", 200);
    static final int ROUNDS = Integer.getInteger("rounds", 7);

    public static void main(String[] args) throws Exception {
        Map<String, Command> contenders = new LinkedHashMap<>();
        contenders.put("fast path /bin/true", Subprocess.command("/bin/true"));
        contenders.put("rlimit(NOFILE)", Subprocess.command("/bin/true").rlimit(Rlimit.NOFILE, 256, 256));
        contenders.put("umask(027)", Subprocess.command("/bin/true").umask(027));
        contenders.put("passFds(lowest fd > 2)", Subprocess.command("/bin/true").passFds(passable()));
        contenders.put("killOnParentExit()", Subprocess.command("/bin/true").killOnParentExit());
        contenders.put("user(nobody)", Subprocess.command("/bin/true").user("nobody"));
        contenders.put("user+group+extraGroups", Subprocess.command("/bin/true").user("nobody").group("daemon")
                .extraGroups("users"));
        System.out.printf("backend %s, JDK %s, %d rounds x %d calls%n", Subprocess.backend(),
                System.getProperty("java.version"), ROUNDS, CALLS);
        for (Command c : contenders.values()) { // warm-up
            for (int i = 0; i < 50; i++) {
                c.run();
            }
        }
        // Call by call, round robin: every contender runs once per step, so drift (other load, the
        // CPU's clock) hurts all of them alike; medians per round, then the median of the rounds.
        Map<String, List<Double>> us = new LinkedHashMap<>();
        List<String> names = new ArrayList<>(contenders.keySet());
        for (int round = 0; round < ROUNDS; round++) {
            Map<String, double[]> t = new LinkedHashMap<>();
            names.forEach(n -> t.put(n, new double[CALLS]));
            for (int i = 0; i < CALLS; i++) {
                for (String n : names) {
                    long a = System.nanoTime();
                    contenders.get(n).run();
                    t.get(n)[i] = (System.nanoTime() - a) / 1e3;
                }
            }
            t.forEach((n, v) -> {
                Arrays.sort(v);
                us.computeIfAbsent(n, k -> new ArrayList<>()).add(v[CALLS / 2]);
            });
        }
        double fast = median(us.get("fast path /bin/true"));
        us.forEach((k, v) -> System.out.printf("%-26s %8.1f us/call  %.3fx the fast path%n", k, median(v),
                median(v) / fast));
    }

    /** An fd of the JVM to pass: the lowest open one above 2. */
    static int passable() throws Exception {
        try (var fds = java.nio.file.Files.list(java.nio.file.Path.of("/proc/self/fd"))) {
            return fds.mapToInt(p -> Integer.parseInt(p.getFileName().toString())).filter(fd -> fd > 2).min().orElseThrow();
        }
    }

    static double median(List<Double> v) {
        double[] a = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return a[a.length / 2];
    }
}
