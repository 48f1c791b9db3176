package dev.subprocess4j.cli;

import dev.subprocess4j.Command;
import dev.subprocess4j.Redirect;
import dev.subprocess4j.Subprocess;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code sp bench}: the classic "N calls of {@code echo test}" overhead measurement, run with this
 * library, with {@code ProcessBuilder} and (when {@code python3} is on the PATH) with Python's
 * {@code subprocess.run}, interleaved in rounds so a noisy moment hurts all of them alike.
 */
@picocli.CommandLine.Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        sortOptions = false,
        descriptionHeading = "%n",
        description = {
            "Runs COMMAND (default: echo test) N times with subprocess4j, with java.lang.ProcessBuilder and,"
                    + " when python3 is on the PATH, with Python's subprocess.run, capturing stdout and stderr;"
                    + " interleaved in rounds of 10 calls. Prints the median, p90 and mean time per call and the ratios.",
        },
        optionListHeading = "%nOptions:%n",
        footerHeading = "%nExamples:%n",
        footer = {"  sp bench", "  sp bench -n 500 --json -- /bin/true"})
final class BenchCommand implements Callable<Integer> {
    private static final int ROUND = 10;

    @Option(names = {"-n", "--calls"}, paramLabel = "N", description = "Calls per contender. Default: 100.")
    private int calls = 100;

    @Option(names = "--warmup", paramLabel = "N", description = "Untimed calls per contender first. Default: 20.")
    private int warmup = 20;

    @Option(names = "--json", description = "Print one JSON object instead of the table.")
    private boolean json;

    @Parameters(paramLabel = "COMMAND", arity = "0..*", description = "The command and its arguments. Default: echo test.")
    private List<String> command = new ArrayList<>();

    private final PrintStream out;
    private final PrintStream err;

    BenchCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    @Override
    public Integer call() throws Exception {
        if (calls < 1 || warmup < 0) {
            err.println("sp: -n must be 1 or more and --warmup 0 or more");
            return 2;
        }
        List<String> argv = command.isEmpty() ? List.of("echo", "test") : command;
        Command lib = Subprocess.command(argv).captureOutput();
        String python = python3();
        Map<String, double[]> micros = new LinkedHashMap<>();
        micros.put("subprocess4j (" + Subprocess.backend() + ")", new double[calls]);
        micros.put("ProcessBuilder", new double[calls]);
        if (python != null) {
            micros.put("python3 subprocess.run", new double[calls]);
        }
        for (int i = 0; i < warmup; i++) {
            lib.run();
            processBuilder(argv);
        }
        if (python != null && warmup > 0) {
            pythonCalls(python, argv, Math.min(warmup, ROUND));
        }
        for (int done = 0; done < calls; done += ROUND) {
            int n = Math.min(ROUND, calls - done);
            double[] l = micros.get("subprocess4j (" + Subprocess.backend() + ")");
            for (int i = 0; i < n; i++) {
                long t = System.nanoTime();
                lib.run();
                l[done + i] = (System.nanoTime() - t) / 1e3;
            }
            double[] pb = micros.get("ProcessBuilder");
            for (int i = 0; i < n; i++) {
                long t = System.nanoTime();
                processBuilder(argv);
                pb[done + i] = (System.nanoTime() - t) / 1e3;
            }
            if (python != null) {
                double[] py = pythonCalls(python, argv, n);
                System.arraycopy(py, 0, micros.get("python3 subprocess.run"), done, n);
            }
        }
        report(argv, micros);
        return 0;
    }

    private static void processBuilder(List<String> argv) throws Exception {
        Process p = new ProcessBuilder(argv).start();
        p.getOutputStream().close();
        // Read both pipes without deadlock for the small outputs a benchmark command writes.
        byte[] ignoredOut = p.getInputStream().readAllBytes();
        byte[] ignoredErr = p.getErrorStream().readAllBytes();
        p.waitFor();
    }

    private static String python3() {
        for (String dir : System.getenv().getOrDefault("PATH", "/bin:/usr/bin").split(":")) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, "python3");
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        return null;
    }

    /** n calls inside one python3 process; its start-up is not counted. Per-call microseconds. */
    private static double[] pythonCalls(String python, List<String> argv, int n) {
        String script = "import subprocess, sys, time\n"
                + "argv = sys.argv[2:]\n"
                + "for _ in range(int(sys.argv[1])):\n"
                + "    t = time.perf_counter_ns()\n"
                + "    subprocess.run(argv, capture_output=True)\n"
                + "    print((time.perf_counter_ns() - t) / 1e3)\n";
        List<String> py = new ArrayList<>(List.of(python, "-c", script, String.valueOf(n)));
        py.addAll(argv);
        String out = Subprocess.command(py).stdout(Redirect.PIPE).check().run().stdout();
        return out.lines().mapToDouble(Double::parseDouble).toArray();
    }

    private void report(List<String> argv, Map<String, double[]> micros) {
        Map<String, double[]> stats = new LinkedHashMap<>();
        micros.forEach((name, v) -> {
            double[] s = v.clone();
            Arrays.sort(s);
            stats.put(name, new double[] {s[s.length / 2], s[(int) Math.min(s.length - 1, Math.ceil(s.length * 0.9) - 1)],
                Arrays.stream(s).average().orElse(0)});
        });
        String libName = micros.keySet().iterator().next();
        double libMedian = stats.get(libName)[0];
        if (json) {
            JsonReport.write(out, argv, calls, stats, libMedian);
            return;
        }
        out.printf("%d calls of %s, interleaved in rounds of %d (%d warm-up calls each)%n", calls,
                dev.subprocess4j.Shlex.join(argv), ROUND, warmup);
        out.printf("%-34s %10s %10s %10s %10s%n", "", "median", "p90", "mean", "vs sp4j");
        stats.forEach((name, s) -> out.printf("%-34s %8.0fus %8.0fus %8.0fus %9.2fx%n", name, s[0], s[1], s[2],
                s[0] / libMedian));
    }

    /** The --json report; a class of its own so that Jackson is loaded only with --json. */
    private static final class JsonReport {
        private JsonReport() {}

        static void write(PrintStream out, List<String> argv, int calls, Map<String, double[]> stats, double libMedian) {
            Json.write(out, g -> {
                g.writeStartObject();
                Json.strings(g, "command", argv);
                g.writeNumberProperty("calls", calls);
                g.writeStringProperty("backend", Subprocess.backend());
                stats.forEach((name, s) -> {
                    g.writeObjectPropertyStart(name);
                    g.writeNumberProperty("median_us", Math.round(s[0]));
                    g.writeNumberProperty("p90_us", Math.round(s[1]));
                    g.writeNumberProperty("mean_us", Math.round(s[2]));
                    // A string, as since the first release: "1.00", never 1 or 1.0000001.
                    g.writeStringProperty("ratio_to_subprocess4j",
                            String.format(java.util.Locale.ROOT, "%.2f", s[0] / libMedian));
                    g.writeEndObject();
                });
                g.writeEndObject();
            });
        }
    }
}
