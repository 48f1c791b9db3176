package dev.subprocess4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subprocess4j.Popen;
import dev.subprocess4j.Redirect;
import dev.subprocess4j.Signal;
import dev.subprocess4j.Subprocess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** sp's stop policy on real process groups: the signal, SIGKILL after the grace, the wait. */
class GroupReaperTest {

    private static Popen startInOwnGroup(String script) {
        return Subprocess.command("sh", "-c", script).processGroup(0).stdin(Redirect.DEVNULL)
                .stdout(Redirect.DEVNULL).start();
    }

    /** The running processes (not zombies) of process group {@code pgid}. */
    private static List<Long> group(long pgid) throws IOException {
        List<Long> pids = new ArrayList<>();
        try (var proc = Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName().toString().matches("[0-9]+"))) {
            for (Path p : proc) {
                try {
                    String stat = Files.readString(p.resolve("stat"));
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    if (!f[0].equals("Z") && Long.parseLong(f[2]) == pgid) {
                        pids.add(Long.parseLong(p.getFileName().toString()));
                    }
                } catch (IOException gone) {
                    // exited meanwhile
                }
            }
        }
        return pids;
    }

    /** Waits until {@code n} processes of the group run {@code sleep} (so the traps before it are set). */
    private static void awaitSleeping(long pgid, int n) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (sleeping(pgid) < n) {
            assertThat(System.nanoTime() - deadline).as("%d processes in the group", n).isNegative();
            Thread.sleep(10);
        }
    }

    private static long sleeping(long pgid) throws IOException {
        long n = 0;
        for (long pid : group(pgid)) {
            try {
                if (Files.readString(Path.of("/proc", Long.toString(pid), "comm")).strip().equals("sleep")) {
                    n++;
                }
            } catch (IOException gone) {
                // exited meanwhile
            }
        }
        return n;
    }

    @Test
    @Timeout(60)
    void aGroupThatGoesOnTheSignalNeedsNoKill() throws Exception {
        try (Popen p = startInOwnGroup("sleep 41 & sleep 41; wait")) {
            awaitSleeping(p.pid(), 2);
            boolean killed = new GroupReaper(p, true).stop(Signal.SIGTERM, Duration.ofSeconds(20));
            assertThat(killed).isFalse();
            assertThat(p.poll()).hasValue(-15);
            assertThat(group(p.pid())).isEmpty();
        }
    }

    @Test
    @Timeout(60)
    void aMemberThatIgnoresTheSignalIsKilledAfterTheGraceAlsoOnceTheLeaderIsReaped() throws Exception {
        try (Popen p = startInOwnGroup("(trap '' TERM; exec sleep 42) & wait")) {
            awaitSleeping(p.pid(), 1);
            boolean killed = new GroupReaper(p, true).stop(Signal.SIGTERM, Duration.ofMillis(300));
            assertThat(killed).isTrue();
            assertThat(p.poll()).hasValue(-15); // the shell went on the TERM
            assertThat(group(p.pid())).isEmpty();
        }
    }

    @Test
    @Timeout(60)
    void aSecondStopSkipsTheRestOfTheGrace() throws Exception {
        try (Popen p = startInOwnGroup("trap '' TERM; sleep 43; sleep 43")) {
            awaitSleeping(p.pid(), 1);
            GroupReaper reaper = new GroupReaper(p, true);
            Thread first = Thread.ofPlatform().start(() -> reaper.stop(Signal.SIGTERM, Duration.ofSeconds(50)));
            Thread.sleep(200);
            assertThat(reaper.stop(Signal.SIGINT, Duration.ofSeconds(50))).isTrue();
            first.join(Duration.ofSeconds(20));
            assertThat(first.isAlive()).isFalse();
            assertThat(p.poll()).hasValue(-9);
            assertThat(group(p.pid())).isEmpty();
        }
    }

    @Test
    @Timeout(60)
    void withoutAGroupOnlyTheCommandIsSignalled() throws Exception {
        try (Popen p = Subprocess.command("sleep", "44").stdin(Redirect.DEVNULL).start()) {
            assertThat(new GroupReaper(p, false).stop(Signal.SIGTERM, Duration.ofSeconds(20))).isFalse();
            assertThat(p.poll()).hasValue(-15);
        }
    }
}
