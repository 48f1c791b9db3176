package dev.subprocess4j.bench;

import com.pty4j.PtyProcess;
import com.pty4j.PtyProcessBuilder;
import dev.subprocess4j.Command;
import dev.subprocess4j.CompletedProcess;
import dev.subprocess4j.Redirect;
import dev.subprocess4j.Subprocess;
import java.io.InputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Spawn on a pseudo-terminal (issue [16]): the library's {@code Command.pty()}, JetBrains' pty4j
 * and Python's {@code pty.fork()} + exec (ptyloop.py), each running {@code /bin/true} and
 * {@code /bin/echo test} with its whole transcript read ({@code "test\r\n"}, checked), interleaved
 * round by round: each round runs every contender once, so a noisy moment hurts all of them alike.
 * Per call: start, read the terminal to end of file, wait for the exit, close. Per-call medians per
 * round, then the median of the rounds. Run through pty-bench.sh.
 */
public final class PtyBench {
    static final int CALLS = Integer.getInteger("calls", 200);
    static final int ROUNDS = Integer.getInteger("rounds", 5);
    static final byte[] TEST_CRLF = {'t', 'e', 's', 't', '\r', '\n'};
    /** pty4j calls that failed (wrong exit status or transcript), by what was seen. */
    static final Map<String, Integer> PTY4J_FAILURES = new LinkedHashMap<>();

    private PtyBench() {
    }

    public static void main(String[] args) throws Exception {
        String pyloop = args[0];
        System.out.printf("backend %s, JDK %s, %d rounds x %d calls%n", Subprocess.backend(),
                System.getProperty("java.version"), ROUNDS, CALLS);
        Command libTrue = Subprocess.command("/bin/true").pty();
        // stdout(PIPE) alone: the whole transcript on the terminal, as pty4j and pty.fork read it
        Command libEcho = Subprocess.command("/bin/echo", "test").pty().stdout(Redirect.PIPE);
        // warm-up, not counted: class loading, the JIT, pty4j's native library
        for (int i = 0; i < 50; i++) {
            library(libTrue, false);
            library(libEcho, true);
            pty4j(new String[] {"/bin/true"}, false);
            pty4j(new String[] {"/bin/echo", "test"}, true);
        }
        Map<String, List<Double>> us = new LinkedHashMap<>();
        for (int round = 0; round < ROUNDS; round++) {
            QuickBench.time(us, "library pty() /bin/true", () -> QuickBench.perCall(() -> library(libTrue, false)));
            QuickBench.time(us, "pty4j /bin/true", () -> QuickBench.perCall(() -> pty4j(new String[] {"/bin/true"}, false)));
            QuickBench.time(us, "Python pty.fork+exec /bin/true",
                    () -> QuickBench.external("python3", pyloop, String.valueOf(CALLS), "true"));
            QuickBench.time(us, "library pty() echo transcript", () -> QuickBench.perCall(() -> library(libEcho, true)));
            QuickBench.time(us, "pty4j echo transcript",
                    () -> QuickBench.perCall(() -> pty4j(new String[] {"/bin/echo", "test"}, true)));
            QuickBench.time(us, "Python pty.fork+exec echo transcript",
                    () -> QuickBench.external("python3", pyloop, String.valueOf(CALLS), "echo"));
            System.out.printf("round %d: %s%n", round + 1, us.entrySet().stream()
                    .map(e -> String.format("%.0f", e.getValue().getLast())).toList());
        }
        Map<String, Double> med = new LinkedHashMap<>();
        us.forEach((k, v) -> med.put(k, QuickBench.median(v)));
        med.forEach((k, v) -> System.out.printf("%-38s %8.1f us/call  (rounds: %s)%n", k, v,
                us.get(k).stream().map(d -> String.format("%.0f", d)).toList()));
        System.out.printf("pty4j calls that failed (of %d timed and 100 warm-up): %s%n", 2 * ROUNDS * CALLS,
                PTY4J_FAILURES.isEmpty() ? "none" : PTY4J_FAILURES);
        for (String work : List.of("/bin/true", "echo transcript")) {
            double lib = med.get("library pty() " + work);
            System.out.printf("%-16s pty4j/library %.2fx   Python/library %.2fx%n", work,
                    med.get("pty4j " + work) / lib, med.get("Python pty.fork+exec " + work) / lib);
        }
    }

    static void library(Command command, boolean echo) throws Exception {
        CompletedProcess r = command.run();
        if (r.returnCode() != 0 || (echo && !Arrays.equals(r.stdoutBytes(), TEST_CRLF))) {
            throw new IllegalStateException("library: " + r);
        }
    }

    static void pty4j(String[] argv, boolean echo) throws IOException, InterruptedException {
        PtyProcess p = new PtyProcessBuilder(argv).setRedirectErrorStream(true).start();
        byte[] out;
        try (InputStream in = p.getInputStream()) {
            out = in.readAllBytes();
        } finally {
            p.getOutputStream().close();
            p.getErrorStream().close();
        }
        int code = p.waitFor();
        if (code != 0 || (echo && !Arrays.equals(out, TEST_CRLF))) {
            // Seen under load: exit 1 and no output. Counted and reported, not fatal (the call's time counts).
            PTY4J_FAILURES.merge("exit " + code + ", output " + Arrays.toString(out), 1, Integer::sum);
        }
    }
}
