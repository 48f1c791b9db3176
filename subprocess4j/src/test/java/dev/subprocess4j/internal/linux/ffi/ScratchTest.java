package dev.subprocess4j.internal.linux.ffi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.subprocess4j.Subprocess;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * The per-thread native scratch memory of the spawn and wait paths, and the bulk struct copies
 * that replaced a buffer view per field: a platform thread reuses one block from call to call,
 * every segment comes zeroed, what does not fit or is nested or on a virtual thread gets memory of
 * its own, and a struct written in one copy reads back field by field as C lays it out.
 */
@EnabledOnOs(OS.LINUX)
class ScratchTest {

    @Test
    void aPlatformThreadReusesItsBlockAndEverySegmentComesZeroed() {
        long first;
        try (Scratch s = Scratch.open()) {
            MemorySegment a = s.allocate(64, 8);
            a.fill((byte) 0x5A);
            first = a.address();
        }
        try (Scratch s = Scratch.open()) {
            MemorySegment b = s.allocate(64, 8);
            assertThat(b.address()).as("the same block, from its start, at the next call").isEqualTo(first);
            assertThat(b.toArray(ValueLayout.JAVA_BYTE)).containsOnly((byte) 0);
        }
    }

    @Test
    void segmentsAreAlignedAndDoNotOverlap() {
        try (Scratch s = Scratch.open()) {
            MemorySegment a = s.allocate(3, 1);
            MemorySegment b = s.allocate(16, 8);
            MemorySegment c = s.allocate(4, 4);
            assertThat(b.address() % 8).isZero();
            assertThat(c.address() % 4).isZero();
            assertThat(b.address()).isGreaterThanOrEqualTo(a.address() + 3);
            assertThat(c.address()).isGreaterThanOrEqualTo(b.address() + 16);
        }
    }

    @Test
    void whatDoesNotFitANestedUseAndAVirtualThreadGetMemoryOfTheirOwn() throws Exception {
        MemorySegment overflow;
        try (Scratch outer = Scratch.open()) {
            MemorySegment small = outer.allocate(16, 8);
            MemorySegment big = outer.allocate(Scratch.BLOCK + 1, 8);
            assertThat(big.byteSize()).isEqualTo(Scratch.BLOCK + 1);
            assertThat(big.toArray(ValueLayout.JAVA_BYTE)).containsOnly((byte) 0);
            try (Scratch inner = Scratch.open()) {
                MemorySegment mine = inner.allocate(16, 8);
                assertThat(mine.address()).as("a nested scratch must not hand out the outer one's memory")
                        .isNotEqualTo(small.address());
                mine.fill((byte) 1);
            }
            try (Scratch again = Scratch.open()) { // the nested one's close gave back nothing of the outer's
                MemorySegment other = again.allocate(16, 8);
                assertThat(other.address()).isNotEqualTo(small.address());
                other.fill((byte) 2);
            }
            MemorySegment more = outer.allocate(16, 8);
            assertThat(more.address()).as("the outer scratch still allocates from its block, after small")
                    .isGreaterThanOrEqualTo(small.address() + 16);
            assertThat(small.toArray(ValueLayout.JAVA_BYTE)).containsOnly((byte) 0);
            assertThat(big.scope().isAlive()).isTrue();
            overflow = big;
        }
        assertThat(overflow.scope().isAlive()).as("the overflow is freed with the scratch").isFalse();
        AtomicReference<Long> onVirtual = new AtomicReference<>();
        AtomicReference<Boolean> aliveAfter = new AtomicReference<>();
        long platform;
        try (Scratch s = Scratch.open()) {
            platform = s.allocate(8, 8).address();
        }
        Thread.ofVirtual().start(() -> {
            MemorySegment seg;
            try (Scratch s = Scratch.open()) {
                seg = s.allocate(8, 8);
                onVirtual.set(seg.address());
            }
            aliveAfter.set(seg.scope().isAlive());
        }).join();
        assertThat(onVirtual.get()).isNotEqualTo(platform);
        assertThat(aliveAfter.get()).as("a virtual thread's scratch is a confined arena, closed with it").isFalse();
    }

    @Test
    void aPlainRunAndACapturedRunMakeNoArenaOnAPlatformThread() {
        // The spawn, the wait and the reap each take the thread's block in turn; none nests in
        // another (a nested scratch would fall back to a confined arena: a malloc per call).
        Subprocess.run("/bin/true");
        Subprocess.command("/bin/echo", "x").captureOutput().run();
        long before = Scratch.overflowsOnThisThread();
        for (int i = 0; i < 20; i++) {
            assertThat(Subprocess.run("/bin/true").returnCode()).isZero();
            assertThat(Subprocess.command("/bin/echo", "x").captureOutput().run().stdout()).isEqualTo("x\n");
        }
        assertThat(Scratch.overflowsOnThisThread() - before).isZero();
    }

    @Test
    void badSizesAndAlignmentsAreRefusedAsAnArenaRefusesThem() {
        try (Scratch s = Scratch.open()) {
            assertThatThrownBy(() -> s.allocate(8, 0)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("alignment 0");
            assertThatThrownBy(() -> s.allocate(8, 3)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> s.allocate(-1, 8)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("size -1");
        }
    }

    @Test
    void aScratchRefusesUseAfterClose() {
        Scratch s = Scratch.open();
        s.close();
        assertThatThrownBy(() -> s.allocate(8, 8)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("after close");
    }

    @Test
    void structsWrittenInOneCopyReadBackAsCLaysThemOut() {
        try (Scratch s = Scratch.open()) {
            ChildSetup.Spec spec = new ChildSetup.Spec();
            spec.put(ChildSetup.SPEC_FLAGS, 0x21);
            spec.put(ChildSetup.SPEC_REDIRECT_FD + 16, 7);
            spec.put(ChildSetup.SPEC_CTTY_FD, -1);
            MemorySegment n = spec.in(s);
            assertThat(n.byteSize()).isEqualTo(ChildSetup.SPEC_SIZE);
            assertThat(Mem.getLong(n, ChildSetup.SPEC_FLAGS)).isEqualTo(0x21);
            assertThat(Mem.getLong(n, ChildSetup.SPEC_REDIRECT_FD + 16)).isEqualTo(7);
            assertThat(Mem.getLong(n, ChildSetup.SPEC_CTTY_FD)).isEqualTo(-1);
            assertThat(Mem.getLong(n, ChildSetup.SPEC_PATH)).isZero();
            assertThatThrownBy(() -> spec.put(ChildSetup.SPEC_FLAGS + 4, 1))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("offset 36");

            MemorySegment info = s.allocate(Pidfd.SIGINFO_SIZE, 8);
            Mem.putInt(info, Pidfd.SI_PID, 4321);
            Mem.putInt(info, Pidfd.SI_CODE, Pidfd.CLD_EXITED);
            Mem.putInt(info, Pidfd.SI_STATUS, 3);
            assertThat(Pidfd.Exit.of(info)).isEqualTo(new Pidfd.Exit(4321, Pidfd.CLD_EXITED, 3));
            assertThat(Pidfd.Exit.of(info).code()).isEqualTo(3);
            Mem.putInt(info, Pidfd.SI_CODE, 2); // CLD_KILLED
            Mem.putInt(info, Pidfd.SI_STATUS, 9);
            assertThat(Pidfd.Exit.of(info).code()).isEqualTo(-9);

            assertThat(java.nio.ByteOrder.nativeOrder()).as("Epoll.pollfd packs a struct as a little-endian word")
                    .isEqualTo(java.nio.ByteOrder.LITTLE_ENDIAN);
            MemorySegment pollfd = s.allocate(8, 8);
            Mem.putLong(pollfd, 0, Epoll.pollfd(5, Epoll.POLLIN));
            assertThat(Mem.getInt(pollfd, 0)).isEqualTo(5);
            assertThat(Mem.getShort(pollfd, 4)).isEqualTo(Epoll.POLLIN);
            assertThat(Mem.getShort(pollfd, 6)).isZero();
            Mem.putShort(pollfd, 6, (short) 0x11);
            assertThat(Epoll.revents(pollfd, 1)).containsExactly((short) 0x11);

            MemorySegment c = Mem.cString(s, new byte[] {'a', 'b'});
            assertThat(c.toArray(ValueLayout.JAVA_BYTE)).containsExactly((byte) 'a', (byte) 'b', (byte) 0);
        }
    }
}
