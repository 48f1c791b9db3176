package dev.subprocess4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subprocess4j.CompletedProcess;
import dev.subprocess4j.Popen;
import dev.subprocess4j.Redirect;
import dev.subprocess4j.Signal;
import dev.subprocess4j.Subprocess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code sp run} leaves nothing running, end to end through {@code ./sp}: on a timeout and when
 * sp itself gets SIGINT, SIGTERM or SIGHUP, every process the command started is gone when sp
 * exits, also a grandchild and a process that ignores the first signal.
 *
 * <p>Each command runs with a marker of its own in its environment ({@code --env}), which every
 * descendant inherits; the processes left are those whose {@code /proc/PID/environ} holds it.
 */
class SpRunStopIT {
    private static final Path SP = Path.of("..", "sp").toAbsolutePath().normalize();

    private final String marker = "SP_STOP_IT=" + UUID.randomUUID();

    @AfterEach
    void killLeftovers() {
        for (long pid : marked()) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    /** The pids of running processes (not zombies) that carry this test's marker. */
    private List<Long> marked() {
        return marked(false);
    }

    /** Those of {@link #marked()} that run {@code sleep}, with {@code sleeping}. */
    private List<Long> marked(boolean sleeping) {
        List<Long> pids = new ArrayList<>();
        byte[] needle = marker.getBytes(StandardCharsets.UTF_8);
        try (DirectoryStream<Path> proc = Files.newDirectoryStream(Path.of("/proc"),
                p -> p.getFileName().toString().matches("[0-9]+"))) {
            for (Path p : proc) {
                try {
                    if (contains(Files.readAllBytes(p.resolve("environ")), needle)
                            && !Files.readString(p.resolve("stat")).replaceFirst(".*\\) ", "").startsWith("Z")
                            && (!sleeping || Files.readString(p.resolve("comm")).strip().equals("sleep"))) {
                        pids.add(Long.parseLong(p.getFileName().toString()));
                    }
                } catch (IOException gone) {
                    // exited meanwhile
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return pids;
    }

    private static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    /** {@code ./sp run --env MARKER OPTIONS... -- COMMAND...}, started. */
    private Popen start(List<String> options, String... command) {
        List<String> args = new ArrayList<>(List.of(SP.toString(), "run", "--env", marker));
        args.addAll(options);
        args.add("--");
        args.addAll(List.of(command));
        return Subprocess.command(args).stdin(Redirect.DEVNULL).captureOutput().start();
    }

    /**
     * Waits until {@code n} marked processes run and one of them is {@code sleep} (the command and
     * its descendants started, and the traps before the sleep are set).
     */
    private void awaitMarked(int n) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (marked().size() < n || marked(true).isEmpty()) {
            assertThat(System.nanoTime() - deadline).as("%d processes with the marker started", n).isNegative();
            Thread.sleep(20);
        }
    }

    /**
     * Waits for sp to exit, asserts that no process with the marker runs then, and returns sp's
     * result (its output is read after the check: a process left behind may hold its pipes).
     */
    private CompletedProcess finish(Popen sp) {
        sp.waitFor(Duration.ofSeconds(60));
        List<Long> left = marked();
        killLeftovers();
        CompletedProcess r = sp.communicate((byte[]) null, Duration.ofSeconds(60));
        assertThat(left).as("processes left running after sp exited %d: %s", r.returnCode(), r.stderr()).isEmpty();
        return r;
    }

    /** "PID PGID" of the shell that sp runs, as it sees them. */
    private static String[] pidAndGroup(String... options) {
        List<String> args = new ArrayList<>(List.of(SP.toString(), "run"));
        args.addAll(List.of(options));
        args.addAll(List.of("--", "sh", "-c", "echo $$ $(cut -d ' ' -f 5 /proc/$$/stat)"));
        CompletedProcess r = Subprocess.command(args).stdin(Redirect.DEVNULL).captureOutput()
                .timeout(Duration.ofSeconds(60)).run();
        assertThat(r.returnCode()).as(r.stderr()).isZero();
        return r.stdout().strip().split(" ");
    }

    @Test
    @Timeout(120)
    void theCommandLeadsAGroupOfItsOwnUnlessForeground() {
        String[] own = pidAndGroup();
        assertThat(own[1]).as("its process group is its pid").isEqualTo(own[0]);
        String[] foreground = pidAndGroup("--foreground");
        assertThat(foreground[1]).as("--foreground: sp's group").isNotEqualTo(foreground[0])
                .isEqualTo(Long.toString(currentGroup()));
    }

    /** This JVM's process group, which ./sp (started by it) shares. */
    private static long currentGroup() {
        try {
            String stat = Files.readString(Path.of("/proc/self/stat"));
            return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[2]);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    @Timeout(120)
    void aTimeoutKillsTheGrandchildToo() {
        Popen sp = start(List.of("--timeout", "1"), "sh", "-c", "sleep 34; echo x");
        CompletedProcess r = finish(sp);
        assertThat(r.returnCode()).as(r.stderr()).isEqualTo(124);
    }

    @Test
    @Timeout(120)
    void aTimeoutWithTermEscalatesToKillForAGroupThatIgnoresTerm() {
        Popen sp = start(List.of("--timeout", "500ms", "--kill-signal", "TERM", "--kill-grace", "500ms",
                "--preserve-status"), "sh", "-c", "trap '' TERM; sleep 35; echo x");
        CompletedProcess r = finish(sp);
        assertThat(r.returnCode()).as("the command's own status: killed by SIGKILL. " + r.stderr()).isEqualTo(137);
    }

    private void signalledSpLeavesNothing(Signal signal, List<String> options) throws InterruptedException {
        Popen sp = start(options, "sh", "-c", "sleep 36; echo x");
        awaitMarked(2);
        sp.sendSignal(signal);
        CompletedProcess r = finish(sp);
        assertThat(r.returnCode()).as("sp ends by the signal it got, re-raised. " + r.stderr())
                .isEqualTo(-signal.number());
    }

    @Test
    @Timeout(120)
    void sigintStopsTheWholeGroup() throws InterruptedException {
        signalledSpLeavesNothing(Signal.SIGINT, List.of());
    }

    @Test
    @Timeout(120)
    void sigtermStopsTheWholeGroup() throws InterruptedException {
        signalledSpLeavesNothing(Signal.SIGTERM, List.of());
    }

    @Test
    @Timeout(120)
    void sighupStopsTheWholeGroup() throws InterruptedException {
        signalledSpLeavesNothing(Signal.SIGHUP, List.of());
    }

    @Test
    @Timeout(120)
    void sigintStopsANewSessionToo() throws InterruptedException {
        signalledSpLeavesNothing(Signal.SIGINT, List.of("--new-session"));
    }

    @Test
    @Timeout(120)
    void aGroupThatIgnoresTermGetsKillAfterTheGrace() throws InterruptedException {
        Popen sp = start(List.of("--kill-grace", "500ms", "--preserve-status"), "sh", "-c", "trap '' TERM; sleep 37; echo x");
        awaitMarked(2);
        sp.sendSignal(Signal.SIGTERM);
        CompletedProcess r = finish(sp);
        assertThat(r.returnCode()).as("--preserve-status: the command's status, killed by SIGKILL. " + r.stderr())
                .isEqualTo(137);
    }

    @Test
    @Timeout(120)
    void aGrandchildThatIgnoresTermIsKilledAfterItsParentExited() throws InterruptedException {
        // sh dies of the TERM at once (and is reaped); the sleep it started ignores TERM.
        Popen sp = start(List.of("--kill-grace", "500ms"), "sh", "-c", "(trap '' TERM; exec sleep 38) & wait");
        awaitMarked(2);
        sp.sendSignal(Signal.SIGTERM);
        CompletedProcess r = finish(sp);
        assertThat(r.returnCode()).as(r.stderr()).isEqualTo(-Signal.SIGTERM.number());
    }
}
