package dev.subprocess4j.internal.jdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.subprocess4j.BackendHook;
import dev.subprocess4j.Subprocess;
import dev.subprocess4j.TimeoutExpiredException;
import dev.subprocess4j.fixtures.LeakCheckExtension;
import java.time.Duration;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The jdk backend's deadline fires while the child is alive, but the child exits on its own
 * before the deadline's step marks the call as timed out (the step is held up here by a slow log
 * handler, as a loaded machine would hold it up). A grandchild keeps the captured pipe open: the
 * wait must end at the deadline plus the drain grace, as any timeout, not when the grandchild
 * exits.
 */
@ExtendWith(LeakCheckExtension.class)
@Timeout(120)
class JdkDeadlineRaceTest {
    @Test
    void aChildThatExitsWhileItsDeadlineFiresStillEndsTheWaitAtTheDrainGrace() throws Exception {
        Logger jul = Logger.getLogger("dev.subprocess4j");
        Level before = jul.getLevel();
        Handler slowAtTheDeadline = new Handler() {
            @Override
            public void publish(LogRecord r) {
                if ("{0} timed out; sending {1}".equals(r.getMessage())) {
                    try {
                        Thread.sleep(1500); // the child (sleep 1) exits meanwhile
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        jul.setLevel(Level.FINE);
        jul.addHandler(slowAtTheDeadline);
        Throwable t;
        long start = System.nanoTime();
        try {
            t = catchThrowable(() -> BackendHook.withBackend(
                    Subprocess.command("sh", "-c", "sleep 30 & echo $!; sleep 1").captureOutput().timeout(Duration.ofMillis(500)),
                    JdkBackend.INSTANCE).run());
        } finally {
            jul.removeHandler(slowAtTheDeadline);
            jul.setLevel(before);
        }
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertThat(t).isInstanceOf(TimeoutExpiredException.class);
        String out = ((TimeoutExpiredException) t).stdout();
        String grandchild = out == null ? "" : out.strip();
        if (!grandchild.isEmpty()) {
            ProcessHandle.of(Long.parseLong(grandchild)).ifPresent(ProcessHandle::destroyForcibly);
        }
        // Deadline 0.5 s, the step held until 2 s, then the drain grace (1 s): well before the grandchild's 30 s.
        assertThat(millis).as("the wait ended at the deadline's step plus the drain grace").isLessThan(15_000);
    }
}
