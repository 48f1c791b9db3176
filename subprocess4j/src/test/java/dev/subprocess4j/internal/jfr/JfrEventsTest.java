package dev.subprocess4j.internal.jfr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.subprocess4j.BackendHook;
import dev.subprocess4j.CompletedProcess;
import dev.subprocess4j.Popen;
import dev.subprocess4j.Redirect;
import dev.subprocess4j.SpawnException;
import dev.subprocess4j.Subprocess;
import dev.subprocess4j.TimeoutExpiredException;
import dev.subprocess4j.internal.jdk.JdkBackend;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import jdk.jfr.Configuration;
import jdk.jfr.EventType;
import jdk.jfr.FlightRecorder;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import jdk.jfr.consumer.RecordingStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The JFR events {@code dev.subprocess4j.Spawn} and {@code dev.subprocess4j.SpawnFailed}: recorded
 * with JFR's default settings, read back, no environment value in any field.
 */
class JfrEventsTest {
    private static final String SPAWN = "dev.subprocess4j.Spawn";
    private static final String FAILED = "dev.subprocess4j.SpawnFailed";
    private static final String SECRET = "jfr-secret-value-4711";

    @TempDir
    Path tmp;

    /** Records with the default settings (what -XX:StartFlightRecording uses) while {@code action} runs. */
    private static List<RecordedEvent> record(String eventName, int expected, Runnable action) throws Exception {
        BlockingQueue<RecordedEvent> seen = new LinkedBlockingQueue<>();
        try (RecordingStream rs = new RecordingStream(Configuration.getConfiguration("default"))) {
            rs.onEvent(eventName, seen::add);
            rs.startAsync();
            action.run();
            List<RecordedEvent> events = new ArrayList<>();
            while (events.size() < expected) {
                RecordedEvent e = seen.poll(30, TimeUnit.SECONDS);
                assertThat(e).as("%s event %d of %d within 30 s", eventName, events.size() + 1, expected).isNotNull();
                events.add(e);
            }
            return events;
        }
    }

    private static void assertNoEnvironmentValue(RecordedEvent e) {
        e.getFields().forEach(f -> assertThat(String.valueOf((Object) e.getValue(f.getName())))
                .as("field %s of %s", f.getName(), e.getEventType().getName()).doesNotContain(SECRET));
    }

    @Test
    void aSpawnIsRecordedAtTheChildsExitWithItsFields() throws Exception {
        long[] pid = new long[1];
        List<RecordedEvent> events = record(SPAWN, 1, () -> pid[0] = Subprocess
                .command("sh", "-c", "exit 3", "arg with space")
                .putEnv("TOKEN", SECRET).cwd(tmp).run().pid());

        RecordedEvent e = events.getFirst();
        assertThat(e.getLong("pid")).isEqualTo(pid[0]);
        assertThat(e.getString("program")).isEqualTo("sh");
        assertThat(e.getString("argv")).isEqualTo("sh -c 'exit 3' 'arg with space'");
        assertThat(e.getString("cwd")).isEqualTo(tmp.toString());
        assertThat(e.getString("backend")).isNotBlank();
        assertThat(e.getString("launcher")).isEqualTo("local");
        assertThat(e.getInt("exitStatus")).isEqualTo(3);
        assertThat(e.getString("signal")).isEmpty();
        assertThat(e.getBoolean("timedOut")).isFalse();
        assertThat(e.getLong("spawnTime")).isPositive();
        assertThat(e.getDuration()).isPositive().isGreaterThanOrEqualTo(Duration.ofNanos(e.getLong("spawnTime")));
        assertThat(e.getThread("spawningThread").getJavaName()).isEqualTo(Thread.currentThread().getName());
        if (e.getString("backend").equals("linux-native")) {
            assertThat(e.getString("spawnPath")).isIn("shared-table clone", "child-setup clone", "posix_spawn");
            // a small child's own peak cannot be told apart from the JVM's size: unknown (-1), never the JVM's
            assertThat(e.getLong("maxRss")).isEqualTo(-1);
            assertThat(e.getLong("userCpu") + e.getLong("systemCpu")).isNotNegative();
        }
        assertNoEnvironmentValue(e);
    }

    @Test
    void aKilledChildNamesItsSignalAndTheTimeout() throws Exception {
        List<RecordedEvent> events = record(SPAWN, 1, () -> catchThrowableOfType(TimeoutExpiredException.class,
                () -> Subprocess.command("sleep", "10").timeout(Duration.ofMillis(200)).run()));

        assertThat(events.getFirst().getInt("exitStatus")).isEqualTo(-9);
        assertThat(events.getFirst().getString("signal")).isEqualTo("SIGKILL");
        assertThat(events.getFirst().getBoolean("timedOut")).isTrue();
    }

    @Test
    void aStartedChildIsRecordedWhenItExits() throws Exception {
        List<RecordedEvent> events = record(SPAWN, 1, () -> {
            try (Popen p = Subprocess.command("true").start()) {
                p.waitFor();
            }
        });
        assertThat(events.getFirst().getString("argv")).isEqualTo("true");
        assertThat(events.getFirst().getInt("exitStatus")).isZero();
    }

    @Test
    void everyStageOfAPipelineHasItsEvent() throws Exception {
        List<RecordedEvent> events = record(SPAWN, 2, () -> Subprocess
                .pipeline(Subprocess.command("echo", "a"), Subprocess.command("cat")).stdout(Redirect.DEVNULL).run());

        assertThat(events).extracting(e -> e.getString("argv")).containsExactlyInAnyOrder("echo a", "cat");
    }

    @Test
    void theJdkBackendIsRecordedToo() throws Exception {
        List<RecordedEvent> events = record(SPAWN, 1, () -> BackendHook.withBackend(Subprocess.command("true"),
                JdkBackend.INSTANCE).run());

        assertThat(events.getFirst().getString("backend")).isEqualTo(JdkBackend.INSTANCE.name());
        assertThat(events.getFirst().getLong("maxRss")).isEqualTo(-1);
        assertThat(events.getFirst().getString("spawnPath")).startsWith("ProcessBuilder");
    }

    @Test
    void aFailedSpawnIsRecordedWithItsErrnoAndCaller() throws Exception {
        List<RecordedEvent> events = record(FAILED, 1, () -> catchThrowableOfType(SpawnException.class,
                () -> Subprocess.command("no-such-program-jfr", "x").putEnv("TOKEN", SECRET).run()));

        RecordedEvent e = events.getFirst();
        assertThat(e.getString("program")).isEqualTo("no-such-program-jfr");
        assertThat(e.getString("argv")).isEqualTo("no-such-program-jfr x");
        assertThat(e.getString("errno")).isEqualTo("ENOENT");
        assertThat(e.getString("step")).isEqualTo("EXEC");
        assertThat(e.getString("exception")).isEqualTo(SpawnException.class.getName());
        assertThat(e.getStackTrace().getFrames()).anyMatch(f -> f.getMethod().getType().getName().equals(getClass().getName()));
        assertNoEnvironmentValue(e);
    }

    /** Spawns once in a JVM where no recording was ever started. */
    public static final class NoRecordingMain {
        public static void main(String[] args) {
            Subprocess.command("true").run();
            catchThrowableOfType(SpawnException.class, () -> Subprocess.run("no-such-program-jfr"));
        }
    }

    @Test
    void withoutARecordingTheEventClassesAreNotEvenLoaded() throws Exception {
        Path log = tmp.resolve("classes.log");
        String java = ProcessHandle.current().info().command().orElseThrow();
        CompletedProcess r = Subprocess.command(java, "-Xlog:class+load:file=" + log, "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), NoRecordingMain.class.getName())
                .captureOutput().timeout(Duration.ofSeconds(60)).run();
        assertThat(r.returnCode()).as(r.stderr()).isZero();
        List<String> loaded = Files.readAllLines(log);
        assertThat(loaded).as("the spawn path was taken").anyMatch(l -> l.contains(" dev.subprocess4j.internal.jfr.SpawnRecording "));
        assertThat(loaded).noneMatch(l -> l.contains("SpawnEvent") || l.contains("SpawnFailedEvent"));
        assertThat(loaded.stream().filter(l -> l.contains(" jdk.jfr.")).toList()).as("jdk.jfr classes loaded")
                .hasSizeLessThanOrEqualTo(1);
    }

    @Test
    void bothEventsAreOnInTheDefaultSettingsAndReadBackFromAFile() throws Exception {
        Path file = tmp.resolve("rec.jfr");
        try (Recording r = new Recording(Configuration.getConfiguration("default"))) {
            r.start();
            Subprocess.command("true").run();
            catchThrowableOfType(SpawnException.class, () -> Subprocess.run("no-such-program-jfr"));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            List<RecordedEvent> events;
            do {
                Thread.sleep(50); // the Spawn event is committed by the thread that saw the exit
                r.dump(file);
                events = RecordingFile.readAllEvents(file);
            } while (events.stream().noneMatch(e -> e.getEventType().getName().equals(SPAWN)) && System.nanoTime() < deadline);
            r.stop();
            assertThat(events).extracting(e -> e.getEventType().getName()).contains(SPAWN, FAILED);
        }
        List<String> registered = FlightRecorder.getFlightRecorder().getEventTypes().stream().map(EventType::getName).toList();
        assertThat(registered).contains(SPAWN, FAILED);
    }
}
