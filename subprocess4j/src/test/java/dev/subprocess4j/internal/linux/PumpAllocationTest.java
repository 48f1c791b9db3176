package dev.subprocess4j.internal.linux;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subprocess4j.fixtures.LeakCheckExtension;
import dev.subprocess4j.Redirect;
import dev.subprocess4j.Subprocess;
import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * An output pump ({@code Redirect.to}, {@code Redirect.lines}) allocates what it reads, not a
 * 64 KiB chunk each time its pipe becomes readable (issue [17]: `sp parallel` runs every job with
 * both streams to a buffer, and most jobs print little or nothing). Counted with the JVM's total
 * allocated bytes (a virtual thread's allocations count to its carrier), so nothing is timed; and
 * the bytes still arrive whole, large and small.
 */
@ExtendWith(LeakCheckExtension.class)
@Timeout(120)
class PumpAllocationTest {
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    @Test
    void aChildPrintingNothingCostsItsPumpsNo64KiBChunks() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        for (int i = 0; i < 50; i++) { // warm: classes loaded, code compiled
            Subprocess.command("/bin/true").stdout(Redirect.to(out)).stderr(Redirect.to(err)).run();
        }
        int calls = 200;
        long before = THREADS.getTotalThreadAllocatedBytes();
        for (int i = 0; i < calls; i++) {
            assertThat(Subprocess.command("/bin/true").stdout(Redirect.to(out)).stderr(Redirect.to(err)).run()
                    .returnCode()).isZero();
        }
        long perCall = (THREADS.getTotalThreadAllocatedBytes() - before) / calls;
        assertThat(out.size() + err.size()).isZero();
        // Everything else a run allocates is ~10 KiB; two pumps each taking a 64 KiB chunk were 128 KiB.
        assertThat(perCall).as("heap bytes allocated per run with both streams pumped").isLessThan(48 * 1024);
    }

    @Test
    void pumpedOutputArrivesWholeLargeAndSmall() {
        for (int size : new int[] {0, 1, 4095, 65536, 65537, 1 << 20}) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            Subprocess.command("/bin/sh", "-c", "head -c " + size + " /dev/zero | tr '\\0' x; printf e >&2")
                    .stdout(Redirect.to(out)).stderr(Redirect.to(err)).run();
            byte[] expected = new byte[size];
            Arrays.fill(expected, (byte) 'x');
            assertThat(out.toByteArray()).as("stdout of %d bytes", size).isEqualTo(expected);
            assertThat(err.toString()).isEqualTo("e");
        }
    }
}
