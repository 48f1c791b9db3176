import dev.subprocess4j.*;
import java.util.*;
public class P7 {
  public static void main(String[] a) {
    Map<String, Command> cs = new LinkedHashMap<>();
    cs.put("fast path", Subprocess.command("/bin/true"));
    cs.put("user(nobody)", Subprocess.command("/bin/true").user("nobody"));
    cs.put("user(65534).group(65534)", Subprocess.command("/bin/true").user("65534").group("65534"));
    cs.put("user(nobody).group(nogroup)", Subprocess.command("/bin/true").user("nobody").group("nogroup"));
    Map<String, List<Double>> med = new LinkedHashMap<>();
    for (int round = 0; round < 7; round++) {
      Map<String, List<Long>> t = new LinkedHashMap<>();
      for (int i = 0; i < 200; i++) for (var e : cs.entrySet()) {
        long s = System.nanoTime(); e.getValue().run(); t.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(System.nanoTime() - s);
      }
      if (round == 0) continue;
      t.forEach((k, v) -> { Collections.sort(v); med.computeIfAbsent(k, x -> new ArrayList<>()).add(v.get(v.size()/2) / 1000.0); });
    }
    double base = 0;
    for (var e : med.entrySet()) { List<Double> v = e.getValue(); Collections.sort(v); double m = v.get(v.size()/2); if (base == 0) base = m;
      System.out.printf("%-30s %8.1f us  %.3fx%n", e.getKey(), m, m / base); }
  }
}
