package dev.subprocess4j.internal.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.subprocess4j.BackendContract;
import dev.subprocess4j.Redirect;
import dev.subprocess4j.Rlimit;
import dev.subprocess4j.SpawnException;
import dev.subprocess4j.fixtures.LeakCheckExtension;
import dev.subprocess4j.internal.Backend;
import dev.subprocess4j.internal.BackendSelector;
import dev.subprocess4j.internal.linux.ffi.Unistd;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Child-setup spawns (in-process clone, helper, spawner thread, failures) from several threads
 * at once, looped, mixed with fast-path spawns: every result is right and nothing leaks (the
 * class's leak check). Replay with {@code -Dsubprocess4j.seed=N}.
 */
@Tag("stress")
class LinuxChildSetupStressTest extends BackendContract {
    static final long SEED = Long.getLong("subprocess4j.seed", System.nanoTime());

    @Override
    protected Backend backend() {
        return BackendSelector.byName("linux-native");
    }

    @Test
    @Timeout(180)
    void hundredsOfChildSetupSpawnsFromFourThreadsAllGiveTheRightResult() throws Exception {
        System.out.println("LinuxChildSetupStressTest seed " + SEED);
        int[] shared = Unistd.pipe2(Unistd.O_CLOEXEC);
        int fdsBefore = LeakCheckExtension.openFds();
        try (ExecutorService pool = Executors.newFixedThreadPool(4)) {
            List<Future<?>> workers = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                Random random = new Random(SEED + t);
                int thread = t;
                workers.add(pool.submit(() -> {
                    for (int i = 0; i < 75; i++) {
                        int kind = random.nextInt(7);
                        String note = "seed " + SEED + ", thread " + thread + ", iteration " + i + ", kind " + kind;
                        switch (kind) {
                            case 0 -> assertThat(sh("ulimit -n").rlimit(Rlimit.NOFILE, 64, 64).captureOutput().run().stdout())
                                    .as(note).isEqualTo("64\n");
                            case 1 -> assertThat(sh("umask").umask(027).captureOutput().run().stdout())
                                    .as(note).isEqualTo("0027\n");
                            case 2 -> assertThat(sh("[ -e /proc/self/fd/" + shared[1] + " ]").passFds(shared[1]).run()
                                    .returnCode()).as(note).isZero();
                            case 3 -> assertThat(cmd("id", "-u").user("nobody").captureOutput().run().stdout())
                                    .as(note).isEqualTo("65534\n");
                            case 4 -> assertThat(cmd("cat").killOnParentExit().input("x").captureOutput().run().stdout())
                                    .as(note).isEqualTo("x");
                            case 5 -> assertThatThrownBy(() -> cmd("true").passFds(1017).stderr(Redirect.PIPE).run())
                                    .as(note).isInstanceOf(SpawnException.class);
                            default -> assertThat(cmd("echo", "fast").captureOutput().run().stdout()).as(note)
                                    .isEqualTo("fast\n");
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> w : workers) {
                w.get();
            }
        } finally {
            Unistd.closeQuietly(shared[0]);
            Unistd.closeQuietly(shared[1]);
        }
        assertThat(LeakCheckExtension.openFds()).isLessThanOrEqualTo(fdsBefore - 2);
        assertThat(ProcessHandle.current().children()).isEmpty();
    }
}
