package dev.subprocess4j.internal.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.subprocess4j.internal.Errno;
import dev.subprocess4j.internal.linux.ffi.ErrnoException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;

/**
 * The end of a terminal's output: Linux can answer a master's read with EIO while the child's last
 * write still waits to be moved into the master's buffer (it looks for data, then for the slave's
 * close), so EIO is the end only when a second read answers it too. The race itself cannot be
 * made on demand (a CI run lost {@code "end\r\n"} in {@code PtyTest} once); these are the answers
 * the kernel gives in it, one read at a time.
 */
class PipeChannelEioTest {
    private static final long EIO = Long.MIN_VALUE;
    private static final long EBADF = Long.MIN_VALUE + 1;

    /** The reads of one stream: a byte count, -1 (nothing now), or an error. */
    private static LongSupplier reads(Long... answers) {
        Deque<Long> left = new ArrayDeque<>(List.of(answers));
        return () -> {
            long n = left.removeFirst();
            if (n == EIO) {
                throw new ErrnoException("read(7)", Errno.EIO);
            }
            if (n == EBADF) {
                throw new ErrnoException("read(7)", Errno.EBADF);
            }
            return n;
        };
    }

    @Test
    void theBytesAnEioLeftBehindAreReadAndTheSecondEioIsTheEnd() {
        LongSupplier terminal = reads(4096L, EIO, 5L, EIO, EIO);
        assertThat(PipeChannel.readOrEio(true, terminal)).isEqualTo(4096);
        assertThat(PipeChannel.readOrEio(true, terminal)).as("the child's last write, after the first EIO").isEqualTo(5);
        assertThat(PipeChannel.readOrEio(true, terminal)).as("EIO twice: the end").isZero();
    }

    @Test
    void aSlaveOpenedAgainAfterTheEioIsNothingNowNotTheEnd() {
        assertThat(PipeChannel.readOrEio(true, reads(EIO, -1L))).isEqualTo(-1);
    }

    @Test
    void onAPipeEioAndOtherErrorsAreErrors() {
        assertThatThrownBy(() -> PipeChannel.readOrEio(false, reads(EIO))).isInstanceOf(ErrnoException.class);
        assertThatThrownBy(() -> PipeChannel.readOrEio(true, reads(EBADF))).isInstanceOf(ErrnoException.class);
        assertThatThrownBy(() -> PipeChannel.readOrEio(true, reads(EIO, EBADF))).isInstanceOf(ErrnoException.class);
        assertThat(PipeChannel.readOrEio(false, reads(0L))).as("a pipe's end of file").isZero();
    }
}
