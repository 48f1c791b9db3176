package dev.subprocess4j.internal.linux;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subprocess4j.BackendContract;
import dev.subprocess4j.CompletedProcess;
import dev.subprocess4j.Redirect;
import dev.subprocess4j.fixtures.ContractSupport;
import dev.subprocess4j.internal.Backend;
import dev.subprocess4j.internal.BackendSelector;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The linux-native backend runs a thousand concurrent {@code runAsync} calls with capture on its reactor,
 * not on a thread each (the rest of the asynchronous contract: {@link dev.subprocess4j.AsyncContract}).
 */
class LinuxAsyncTest extends BackendContract {
    @Override
    protected Backend backend() {
        return BackendSelector.byName("linux-native");
    }

    @Test
    @Timeout(120)
    void aThousandConcurrentRunAsyncWithCaptureStartNoThreadEach() throws Exception {
        for (int i = 0; i < 32; i++) {
            cmd("echo", "warm").stdout(Redirect.PIPE).runAsync().get(10, TimeUnit.SECONDS);
        }
        int before = ContractSupport.platformThreads();
        int max = before;
        List<CompletableFuture<CompletedProcess>> runs = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            runs.add(sh("sleep 1; echo " + i).captureOutput().runAsync());
            if (i % 50 == 0) {
                max = Math.max(max, ContractSupport.platformThreads());
            }
        }
        while (!runs.stream().allMatch(CompletableFuture::isDone)) {
            max = Math.max(max, ContractSupport.platformThreads());
            Thread.sleep(5);
        }
        for (int i = 0; i < runs.size(); i++) {
            assertThat(runs.get(i).join().stdout()).isEqualTo(i + "\n");
        }
        assertThat(max - before).as("platform threads added while 1,000 runs were in flight (before: %d)", before)
                .isLessThanOrEqualTo(2);
    }
}
