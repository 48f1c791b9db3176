package dev.subprocess4j.internal.linux;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subprocess4j.BackendContract;
import dev.subprocess4j.CompletedProcess;
import dev.subprocess4j.ProcessPool;
import dev.subprocess4j.Redirect;
import dev.subprocess4j.fixtures.ContractSupport;
import dev.subprocess4j.internal.Backend;
import dev.subprocess4j.internal.BackendSelector;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The linux-native backend runs a thousand pool jobs without a thread per child (the rest of the pool
 * contract: {@link dev.subprocess4j.PoolContract}).
 */
class LinuxPoolTest extends BackendContract {
    @Override
    protected Backend backend() {
        return BackendSelector.byName("linux-native");
    }

    @Test
    @Timeout(120)
    void aThousandJobsRunWithoutAThreadPerChild() throws Exception {
        // warm up: the virtual-thread carriers and the reactor exist before the baseline
        try (ProcessPool warm = ProcessPool.withMaxConcurrency(16)) {
            for (int i = 0; i < 64; i++) {
                warm.submit(cmd("true"));
            }
        }
        int before = ContractSupport.platformThreads();
        int max = before;
        try (ProcessPool pool = ProcessPool.withMaxConcurrency(64)) {
            List<CompletableFuture<CompletedProcess>> futures = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                futures.add(pool.submit(i % 2 == 0 ? cmd("true") : cmd("echo", Integer.toString(i)).stdout(Redirect.PIPE)));
                if (i % 50 == 0) {
                    max = Math.max(max, ContractSupport.platformThreads());
                }
            }
            while (!futures.stream().allMatch(CompletableFuture::isDone)) {
                max = Math.max(max, ContractSupport.platformThreads());
                Thread.sleep(2);
            }
            for (int i = 0; i < 1000; i++) {
                CompletedProcess r = futures.get(i).join();
                assertThat(r.returnCode()).isZero();
                assertThat(r.stdout()).isEqualTo(i % 2 == 0 ? null : i + "\n");
            }
        }
        assertThat(max - before).as("platform threads added while 1,000 jobs ran 64 at a time (before: %d)", before)
                .isLessThanOrEqualTo(2);
    }
}
