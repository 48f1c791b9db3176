package dev.subprocess4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subprocess4j.CompletedProcess;
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
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * End to end through {@code ./sp}: when sp parallel gets SIGINT (Ctrl-C), SIGTERM or SIGHUP, no
 * job and no job's child survives it (checked in /proc), also a job that ignores SIGTERM (it gets
 * SIGKILL after --kill-grace); sp prints the summary and exits with 128+N. Run by Failsafe after
 * the package phase built the jar ./sp runs.
 */
class SpParallelSignalIT {
    private static final Path SP = Path.of("..", "sp").toAbsolutePath().normalize();

    @TempDir
    Path dir;

    enum Stop {
        SIGINT(Signal.SIGINT), SIGTERM(Signal.SIGTERM), SIGHUP(Signal.SIGHUP);

        final Signal signal;

        Stop(Signal signal) {
            this.signal = signal;
        }
    }

    @ParameterizedTest
    @EnumSource(Stop.class)
    @Timeout(120)
    void aSignalToSpKillsEveryRunningJobsGroupAndPrintsTheSummary(Stop stop) throws Exception {
        List<String> jobs = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            // The job's shell and a child of it, both recorded; the third ignores SIGTERM (so does its child).
            String trap = i == 3 ? "trap '' TERM; " : "";
            jobs.add(trap + "echo $$ > " + dir.resolve("sh" + i) + "; sleep 300 & echo $! > " + dir.resolve("bg" + i)
                    + "; wait");
        }
        jobs.add("echo never started");
        Path file = dir.resolve("jobs.txt");
        Files.write(file, jobs);
        Popen sp = Subprocess.command(SP.toString(), "parallel", "-j", "3", "--shell", "--kill-grace", "1s",
                        "--progress", "never", file.toString())
                .stdin(Redirect.DEVNULL).stdout(Redirect.PIPE).stderr(Redirect.PIPE).start();
        List<Long> pids = new ArrayList<>();
        try {
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            for (String name : List.of("sh1", "bg1", "sh2", "bg2", "sh3", "bg3")) {
                Path f = dir.resolve(name);
                while (!(Files.exists(f) && Files.readString(f).endsWith("\n")) && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                pids.add(Long.parseLong(Files.readString(f).strip()));
            }
            for (long pid : pids) {
                assertThat(alive(pid)).as("job process %d runs before the signal", pid).isTrue();
            }
            sp.sendSignal(stop.signal);
            CompletedProcess r = sp.communicate((byte[]) null, Duration.ofSeconds(60));
            List<Long> survivors = pids.stream().filter(SpParallelSignalIT::alive).toList();
            assertThat(survivors).as("job processes alive after sp exited; stderr: %s", r.stderr()).isEmpty();
            assertThat(r.returnCode()).as(r.stderr()).isEqualTo(128 + stop.signal.number());
            assertThat(r.stderr()).contains("sp: 4 jobs, 0 succeeded, 0 failed, 0 retries used, 1 not run, 3 killed")
                    .contains("(sp was stopped by a signal)");
            assertThat(r.stdout()).doesNotContain("never started");
        } finally {
            for (long pid : pids) {
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            }
            sp.kill();
            sp.close();
        }
    }

    /** Running: in /proc and not a zombie (an orphan waits there for whoever reaps orphans). */
    static boolean alive(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            return !stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
        } catch (IOException e) {
            return false;
        }
    }
}
