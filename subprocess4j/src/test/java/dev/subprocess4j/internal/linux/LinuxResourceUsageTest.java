package dev.subprocess4j.internal.linux;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subprocess4j.BackendContract;
import dev.subprocess4j.Command;
import dev.subprocess4j.CompletedProcess;
import dev.subprocess4j.Redirect;
import dev.subprocess4j.ResourceUsage;
import dev.subprocess4j.internal.Backend;
import dev.subprocess4j.internal.BackendSelector;
import dev.subprocess4j.internal.linux.ffi.Unistd;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link ResourceUsage#maxRssBytes()} is the child's own peak or empty, never the JVM's size:
 * Linux folds the JVM's high-water mark into a vfork-style child's peak at its exec, so
 * {@code /bin/true} used to report the JVM's ~45 MB (or more) as its own.
 */
class LinuxResourceUsageTest extends BackendContract {
    @Override
    protected Backend backend() {
        return BackendSelector.byName("linux-native");
    }

    /** The spawn paths: shared-table clone, posix_spawn, copying child setup, the exec'd helper. */
    private static final List<SpawnWay> WAYS = List.of(
            new SpawnWay("shared table", c -> c, false),
            new SpawnWay("posix_spawn", c -> c, true),
            new SpawnWay("child setup, copying", c -> c.umask(022), true),
            new SpawnWay("helper (user nobody)", c -> c.user("nobody"), false));


    @Test
    void theJvmsPeakIsNeverReportedAsTheChilds() {
        long jvmPeak = Unistd.selfMaxRssBytes();
        assertThat(jvmPeak).as("this JVM's peak: far above what /bin/true uses").isGreaterThan(20L << 20);
        for (SpawnWay way : WAYS) {
            Command c = way.how().apply(cmd("/bin/true"));
            ResourceUsage u = way.run(c::run).usage().orElseThrow();
            assertThat(u.maxRssBytes()).as(way.name() + ": /bin/true's peak cannot be told from the JVM's").isEmpty();
            assertThat(u.minorFaults()).as(way.name()).isPositive();
        }
    }

    @Test
    void aChildThatAllocatesMoreThanTheJvmReportsItsOwnPeak() {
        // 200 MiB, or more when this JVM is larger: dd reads that much from /dev/zero into one buffer.
        long size = Math.max(200L << 20, Unistd.selfMaxRssBytes() + (64L << 20)) / (1 << 20) * (1 << 20);
        for (SpawnWay way : WAYS) {
            Command c = way.how().apply(cmd("dd", "if=/dev/zero", "of=/dev/null", "bs=" + (size >> 20) + "M", "count=1"))
                    .stderr(Redirect.DEVNULL);
            CompletedProcess r = way.run(c::run);
            assertThat(r.returnCode()).as(way.name()).isZero();
            java.util.OptionalLong peak = r.usage().orElseThrow().maxRssBytes();
            assertThat(peak).as(way.name() + ", " + size + " bytes allocated").isPresent();
            assertThat(peak.getAsLong()).as(way.name()).isGreaterThanOrEqualTo(size);
        }
    }
}
