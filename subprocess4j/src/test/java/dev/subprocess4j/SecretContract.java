package dev.subprocess4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * No environment value ever shows: a secret marker in the environment of commands that fail in every
 * way the library knows (spawn errors at each step, timeouts, check failures, bad values, refused
 * options, pools, pipelines, asynchronous runs, a failing consumer) never appears in an exception
 * (message, cause chain, stack trace), a {@code toString()}, or the library's log at its finest level
 * ({@code System.Logger} goes to {@code java.util.logging} by default: a handler at ALL collects it),
 * nor on any process's command line while the commands run. Run for each backend, and through each
 * remote launcher ({@link #launcher()}: the loopback sshd, the single-node Slurm).
 */
@EveryBackend
public class SecretContract extends BackendContract {
    /** The marker: a value no message could contain by chance. */
    private static final String SECRET = "s3cr3t-" + Long.toHexString(Double.doubleToLongBits(Math.random()));

    @TempDir
    Path dir;

    private final Logger julLogger = Logger.getLogger("dev.subprocess4j"); // held: JUL keeps loggers weakly
    private final ConcurrentLinkedQueue<String> logged = new ConcurrentLinkedQueue<>();
    private Level oldLevel;
    private final Handler capture = new Handler() {
        private final SimpleFormatter formatter = new SimpleFormatter();

        @Override
        public void publish(LogRecord r) {
            StringBuilder sb = new StringBuilder(formatter.format(r)).append(' ').append(r.getMessage());
            if (r.getParameters() != null) {
                for (Object p : r.getParameters()) {
                    sb.append(' ').append(p);
                }
            }
            if (r.getThrown() != null) {
                sb.append(' ').append(stackTrace(r.getThrown()));
            }
            logged.add(sb.toString());
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    };

    @BeforeEach
    void captureTheLibrarysLogAtEveryLevel() {
        oldLevel = julLogger.getLevel();
        julLogger.setLevel(Level.ALL);
        capture.setLevel(Level.ALL);
        julLogger.addHandler(capture);
    }

    @AfterEach
    void stopCapturing() {
        julLogger.removeHandler(capture);
        julLogger.setLevel(oldLevel);
    }

    /**
     * The launcher the commands with the secret run on: {@code null} for this machine (the
     * backend's own spawn); the remote launchers' subclasses name theirs.
     */
    protected Launcher launcher() {
        return null;
    }

    private Command withSecret(Command c) {
        Command on = launcher() == null ? c : c.on(launcher());
        return on.putEnv("API_TOKEN", SECRET).putEnv("SUBPROCESS4J_EXPECTED", SECRET);
    }

    /**
     * While commands whose environment holds the secret run (and fail), a scanner reads the
     * command line of every process of the machine ({@code /proc/*}{@code /cmdline}): the local
     * helpers ({@code ssh}, {@code srun}), and, the "remote" hosts being this machine, the remote
     * shells and the program itself. None may show the secret.
     */
    @Test
    void noCommandLineShowsAnEnvironmentValueWhileTheCommandRuns() throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        Set<String> hits = ConcurrentHashMap.newKeySet();
        AtomicLong scans = new AtomicLong();
        Thread scanner = Thread.ofPlatform().name("cmdline-scanner").start(() -> {
            while (!stop.get()) {
                scanCommandLines(hits);
                scans.incrementAndGet();
            }
        });
        try {
            // the child checks that it got the secret, then stays a while for the scanner
            CompletedProcess ok = withSecret(sh("test \"$API_TOKEN\" = \"$SUBPROCESS4J_EXPECTED\" && sleep 1"))
                    .stdin(Redirect.DEVNULL).captureOutput().run();
            assertThat(ok.returnCode()).as("the child sees the secret: %s", ok.stderr()).isZero();
            // an empty base environment, a removed variable, and the secret in PATH
            CompletedProcess cleared = withSecret(cmd("/bin/sh", "-c", "test \"$API_TOKEN\" = \"$SUBPROCESS4J_EXPECTED\" "
                    + "&& test -z \"${HOME+set}\" && /bin/sleep 1").clearEnv()).stdin(Redirect.DEVNULL).captureOutput().run();
            assertThat(cleared.returnCode()).as("the child sees the secret, and nothing else: %s", cleared.stderr()).isZero();
            CompletedProcess removed = withSecret(cmd("/bin/sh", "-c", "test -z \"${HOME+set}\" && /bin/sleep 1"))
                    .removeEnv("HOME").putEnv("PATH", "/nonexistent/" + SECRET + ":/bin:/usr/bin").stdin(Redirect.DEVNULL)
                    .captureOutput().run();
            assertThat(removed.returnCode()).as("HOME removed: %s", removed.stderr()).isZero();
            assertThatThrownBy(() -> withSecret(cmd("subprocess4j-no-such-program"))
                    .putEnv("PATH", "/nonexistent/" + SECRET).stdin(Redirect.DEVNULL).run())
                    .isInstanceOf(SpawnException.class);
        } finally {
            stop.set(true);
            scanner.join();
        }
        assertThat(scans.get()).as("the scanner ran").isGreaterThan(2);
        assertThat(hits).as("command lines that show the secret").isEmpty();
    }

    /** Adds every command line of the machine that holds the secret to {@code hits}. */
    private static void scanCommandLines(Set<String> hits) {
        byte[] marker = SECRET.getBytes(StandardCharsets.US_ASCII);
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName().toString()
                .chars().allMatch(Character::isDigit))) {
            for (Path p : procs) {
                byte[] line;
                try {
                    line = Files.readAllBytes(p.resolve("cmdline"));
                } catch (IOException gone) {
                    continue;
                }
                if (indexOf(line, marker) >= 0) {
                    hits.add(p.getFileName() + ": " + new String(line, StandardCharsets.ISO_8859_1).replace('\0', ' '));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    @Test
    void noFailurePathShowsAnEnvironmentValue() throws Exception {
        Map<String, Object> seen = new LinkedHashMap<>();
        List<String> missed = new ArrayList<>();

        // the child really gets the secret (so the test means something), without printing it
        Command checksItsEnvironment = withSecret(sh("test \"$API_TOKEN\" = \"$SUBPROCESS4J_EXPECTED\"")).captureOutput();
        CompletedProcess ok = checksItsEnvironment.run();
        assertThat(ok.returnCode()).as("the child sees the secret").isZero();
        seen.put("command", checksItsEnvironment);
        seen.put("completed process", ok);

        try (Popen running = withSecret(cmd("sleep", "5")).stdin(Redirect.DEVNULL).start()) {
            seen.put("running popen", running);
            running.kill();
            running.waitFor();
            seen.put("reaped popen", running);
        }

        Map<String, Runnable> failures = new LinkedHashMap<>();
        failures.put("missing program", () -> withSecret(cmd("/nonexistent/subprocess4j-secret")).run());
        failures.put("program missing from a PATH holding the secret",
                () -> withSecret(cmd("subprocess4j-no-such-program")).putEnv("PATH", "/nonexistent/" + SECRET).run());
        failures.put("bad cwd", () -> withSecret(cmd("true")).cwd(dir.resolve("missing")).run());
        failures.put("missing stdin file", () -> withSecret(cmd("cat")).stdin(Redirect.read(dir.resolve("missing"))).run());
        failures.put("output file in a missing directory",
                () -> withSecret(cmd("true")).stdout(Redirect.file(dir.resolve("missing/out"))).run());
        failures.put("timeout", () -> withSecret(sh("echo partial; exec sleep 5")).captureOutput()
                .timeout(Duration.ofMillis(200)).run());
        failures.put("timeout with a kill grace", () -> withSecret(sh("trap '' TERM; exec sleep 5")).captureOutput()
                .timeout(Duration.ofMillis(100)).killSignal(Signal.SIGTERM).killGrace(Duration.ofMillis(100)).run());
        failures.put("check", () -> withSecret(sh("echo out; echo err >&2; exit 3")).captureOutput().check().run());
        failures.put("NUL in a value", () -> cmd("true").putEnv("API_TOKEN", SECRET + "\0x"));
        failures.put("unpaired surrogate in a value", () -> cmd("true").putEnv("API_TOKEN", SECRET + "\uD800"));
        failures.put("= in a key of a map", () -> cmd("true").env(Map.of("API=TOKEN", SECRET)));
        failures.put("NUL in a key", () -> cmd("true").putEnv("API\0TOKEN", SECRET));
        failures.put("unknown user", () -> withSecret(cmd("true")).user("subprocess4j-no-such-user").run());
        failures.put("session", () -> withSecret(cmd("true")).startNewSession().rlimit(Rlimit.CORE, 0, 0).umask(077)
                .cwd(dir.resolve("missing")).run());
        failures.put("runAsync", () -> join(withSecret(cmd("/nonexistent/subprocess4j-secret")).runAsync()));
        failures.put("runAsync timeout", () -> join(withSecret(cmd("sleep", "5")).timeout(Duration.ofMillis(100))
                .runAsync()));
        failures.put("pool", () -> {
            try (ProcessPool pool = ProcessPool.withMaxConcurrency(2)) {
                seen.put("pool", pool);
                join(pool.submit(withSecret(cmd("/nonexistent/subprocess4j-secret"))));
            }
        });
        failures.put("pool check", () -> {
            try (ProcessPool pool = ProcessPool.withMaxConcurrency(2)) {
                join(pool.submit(withSecret(cmd("false")).check()));
            }
        });
        failures.put("pipeline check", () -> {
            Pipeline p = Subprocess.pipeline(withSecret(cmd("echo", "x")), withSecret(cmd("false"))).check();
            seen.put("pipeline", p);
            p.run();
        });
        failures.put("pipeline with a missing stage",
                () -> Subprocess.pipeline(withSecret(cmd("echo", "x")), withSecret(cmd("/nonexistent/stage"))).run());
        failures.put("pipeline timeout", () -> Subprocess.pipeline(withSecret(cmd("sleep", "5")), withSecret(cmd("cat")))
                .timeout(Duration.ofMillis(100)).run());
        failures.put("a consumer that throws", () -> {
            CompletedProcess r = withSecret(sh("echo one; echo two")).stdout(Redirect.lines(line -> {
                throw new IllegalStateException("consumer failed on " + line);
            })).run();
            seen.put("after a failing consumer", r);
        });
        failures.put("waitFor timeout", () -> {
            try (Popen p = withSecret(cmd("sleep", "5")).stdin(Redirect.DEVNULL).start()) {
                try {
                    p.waitFor(Duration.ofMillis(10));
                } finally {
                    p.kill();
                }
            }
        });
        failures.put("communicate timeout", () -> {
            try (Popen p = withSecret(sh("echo partial; exec sleep 5")).captureOutput().start()) {
                try {
                    p.communicate((byte[]) null, Duration.ofMillis(200));
                } finally {
                    p.kill();
                }
            }
        });
        failures.put("an option the backend may refuse", () -> withSecret(cmd("true")).user("nobody")
                .processGroup(0).killSignal(Signal.SIGUSR1).timeout(Duration.ofMillis(1)).run());
        failures.put("completed process check", () -> withSecret(cmd("false")).run().checkReturnCode());

        for (Map.Entry<String, Runnable> f : failures.entrySet()) {
            try {
                f.getValue().run();
                missed.add(f.getKey());
            } catch (RuntimeException e) {
                seen.put(f.getKey(), e);
            }
        }
        // The messages quote the tail of the captured stderr: a child that prints the secret there
        // (its stderr() is the caller's data and keeps it; the message, toString and trace do not).
        Map<String, Runnable> printed = new LinkedHashMap<>();
        printed.put("check, the secret in stderr", () -> withSecret(sh("echo \"token $API_TOKEN refused\" >&2; exit 3"))
                .captureOutput().check().run());
        // The message can quote only what was read before the deadline: long enough for a remote
        // launcher's start (srun may wait for an allocation on a loaded machine).
        Duration untilPrinted = launcher() == null ? Duration.ofSeconds(1) : Duration.ofSeconds(8);
        printed.put("timeout, the secret in stderr", () -> withSecret(sh("echo \"$API_TOKEN\" >&2; exec sleep 30"))
                .captureOutput().timeout(untilPrinted).run());
        for (Map.Entry<String, Runnable> f : printed.entrySet()) {
            try {
                f.getValue().run();
                missed.add(f.getKey());
            } catch (CalledProcessException | TimeoutExpiredException e) {
                assertThat(e.getMessage()).as(f.getKey()).contains("***");
                assertThat(stackTrace(e) + e).as("%s: message, toString or trace shows the secret", f.getKey())
                        .doesNotContain(SECRET);
            }
        }
        Thread.sleep(100); // a consumer's failure is logged by its pump thread
        for (Map.Entry<String, Object> s : seen.entrySet()) {
            assertThat(render(s.getValue())).as("%s shows the secret", s.getKey()).doesNotContain(SECRET);
        }
        assertThat(logged).as("the log at DEBUG (the spawns are logged, so the capture works)")
                .anyMatch(l -> l.contains("spawned pid"));
        for (String l : logged) {
            assertThat(l).as("a log record shows the secret").doesNotContain(SECRET);
        }
        // every path except the consumer's and the one that may succeed fails
        assertThat(missed).isSubsetOf("a consumer that throws", "an option the backend may refuse");
        assertThat(seen).hasSizeGreaterThanOrEqualTo(25);
    }

    private static void join(CompletableFuture<?> f) {
        try {
            f.get(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("future failed", e); // the cause is what the library made
        } catch (InterruptedException | java.util.concurrent.TimeoutException e) {
            throw new AssertionError(e);
        }
    }

    /** Everything an object shows: toString, and for a throwable its messages and stack trace. */
    private static String render(Object o) {
        if (o instanceof Throwable t) {
            StringBuilder sb = new StringBuilder(stackTrace(t));
            for (Throwable c = t; c != null; c = c.getCause()) {
                sb.append('\n').append(c.getMessage()).append('\n').append(c.getLocalizedMessage());
                if (c instanceof TimeoutExpiredException te) {
                    sb.append(te.stdout()).append(te.stderr()).append(te.command());
                }
                if (c instanceof CalledProcessException ce) {
                    sb.append(ce);
                }
            }
            return sb.toString();
        }
        return String.valueOf(o);
    }

    private static String stackTrace(Throwable t) {
        StringWriter w = new StringWriter();
        t.printStackTrace(new PrintWriter(w));
        return w.toString();
    }
}
