import dev.subprocess4j.*;
import java.util.*;
import jdk.jfr.*;

/** The cost of the JFR events (issue 22): /bin/true with no recording, with JFR's default recording and the library's events off, and with them on; rounds interleaved in one JVM. Usage: java --enable-native-access=ALL-UNNAMED -cp subprocess4j/target/classes subprocess4j-bench/JfrCostBench.java ROUNDS CALLS */
public class JfrCostBench {
    static long[] round(int n) {
        long[] t = new long[n];
        for (int i = 0; i < n; i++) {
            long s = System.nanoTime();
            Subprocess.command("/bin/true").run();
            t[i] = System.nanoTime() - s;
        }
        Arrays.sort(t);
        return t;
    }
    public static void main(String[] a) throws Exception {
        int rounds = Integer.parseInt(a[0]), n = Integer.parseInt(a[1]);
        round(300);
        List<Long> off = new ArrayList<>(), without = new ArrayList<>(), on = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            off.add(round(n)[n / 2]);
            try (Recording rec = new Recording(Configuration.getConfiguration("default"))) {
                rec.disable("dev.subprocess4j.Spawn"); rec.disable("dev.subprocess4j.SpawnFailed");
                rec.start();
                without.add(round(n)[n / 2]);
                rec.stop();
            }
            try (Recording rec = new Recording(Configuration.getConfiguration("default"))) {
                rec.start();
                on.add(round(n)[n / 2]);
                rec.stop();
            }
        }
        Collections.sort(off); Collections.sort(without); Collections.sort(on);
        int m = rounds / 2;
        System.out.printf("%d rounds x %d calls of /bin/true, median of round medians: no recording %.1f us; "
                + "default recording, the library's events off %.1f us; default recording with them %.1f us (%.3fx the one without)%n",
                rounds, n, off.get(m) / 1e3, without.get(m) / 1e3, on.get(m) / 1e3, (double) on.get(m) / without.get(m));
        System.out.println("off:     " + off + "\nwithout: " + without + "\non:      " + on);
    }
}
