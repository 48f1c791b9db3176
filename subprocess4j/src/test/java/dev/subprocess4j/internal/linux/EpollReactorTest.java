package dev.subprocess4j.internal.linux;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subprocess4j.fixtures.LeakCheckExtension;
import dev.subprocess4j.fixtures.ShutdownSpawnMain;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** The reactor's deadline queue: cancelled timers never run, cost little and hold nothing. */
@ExtendWith(LeakCheckExtension.class)
@Timeout(60)
class EpollReactorTest {
    private final EpollReactor reactor = EpollReactor.get();

    @Test
    void cancellingFourHundredThousandTimersTakesFarLessThanALinearScanEach() {
        long far = System.nanoTime() + Duration.ofHours(1).toNanos();
        List<EpollReactor.Timer> timers = new ArrayList<>();
        int before = reactor.queuedTimers();
        for (int i = 0; i < 400_000; i++) {
            timers.add(reactor.schedule(far + i, () -> {
                throw new AssertionError("a cancelled timer ran");
            }));
        }
        long start = System.nanoTime();
        for (int i = timers.size() - 1; i >= 0; i--) { // newest first: the end of the heap, a linear scan's worst case
            reactor.cancel(timers.get(i));
        }
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        System.out.println("EpollReactorTest: cancelled 400,000 timers in " + took.toMillis() + " ms");
        // a linear remove per cancel is 8 * 10^10 comparisons here (about a minute); amortized removal is milliseconds
        assertThat(took).as("cancelling 400,000 timers").isLessThan(Duration.ofSeconds(3));
        assertThat(reactor.queuedTimers() - before).as("cancelled timers left in the queue").isLessThanOrEqualTo(64);
    }

    @Test
    void cancelledTimersNeverRunAndTheOthersRunInDeadlineOrder() throws InterruptedException {
        ConcurrentLinkedQueue<Integer> ran = new ConcurrentLinkedQueue<>();
        CountDownLatch done = new CountDownLatch(50);
        long base = System.nanoTime() + Duration.ofMillis(100).toNanos();
        List<EpollReactor.Timer> timers = new ArrayList<>();
        for (int i = 99; i >= 0; i--) { // scheduled in reverse, run by deadline
            int n = i;
            timers.add(0, reactor.schedule(base + i * 100_000L, () -> {
                ran.add(n);
                done.countDown();
            }));
        }
        for (int i = 0; i < 100; i += 2) {
            reactor.cancel(timers.get(i));
            reactor.cancel(timers.get(i)); // twice: no effect
        }
        assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
        Thread.sleep(50);
        List<Integer> odd = new ArrayList<>();
        for (int i = 1; i < 100; i += 2) {
            odd.add(i);
        }
        assertThat(ran).containsExactlyElementsOf(odd);
    }

    @Test
    void aCancelledTimerLetsGoOfItsActionAtOnce() throws InterruptedException {
        List<WeakReference<Object>> ref = new ArrayList<>();
        EpollReactor.Timer t = scheduleHolding(ref);
        reactor.cancel(t);
        for (int i = 0; i < 50 && ref.getFirst().get() != null; i++) {
            System.gc();
            Thread.sleep(10);
        }
        assertThat(ref.getFirst().get()).as("what the cancelled timer's action referenced (a child, in the library)")
                .isNull();
        assertThat(t.cancelled).isTrue(); // the timer itself is still referenced here
    }

    /** Schedules a far timer whose action holds an object only it references; {@code ref} gets a weak reference to it. */
    private EpollReactor.Timer scheduleHolding(List<WeakReference<Object>> ref) {
        Object held = new Object();
        ref.add(new WeakReference<>(held));
        return reactor.schedule(System.nanoTime() + Duration.ofHours(1).toNanos(), () -> {
            throw new AssertionError("cancelled: " + held);
        });
    }

    @Test
    void epollTimeoutFollowsTheNextTimerAndTheShutdownCap() {
        assertThat(EpollReactor.timeoutMillis(null, -1)).isEqualTo(-1); // no timer: wait without end
        assertThat(EpollReactor.timeoutMillis(-5L, -1)).isZero();
        assertThat(EpollReactor.timeoutMillis(1L, -1)).isEqualTo(1); // rounded up, never early
        assertThat(EpollReactor.timeoutMillis(2_500_000L, -1)).isEqualTo(3);
        assertThat(EpollReactor.timeoutMillis(Long.MAX_VALUE, -1)).isEqualTo(Integer.MAX_VALUE);
        // shutting down: never in epoll_wait longer than the cap (HotSpot's exit waits for
        // threads in native code, up to 300 ms)
        assertThat(EpollReactor.timeoutMillis(null, 2)).isEqualTo(2);
        assertThat(EpollReactor.timeoutMillis(60_000_000_000L, 2)).isEqualTo(2);
        assertThat(EpollReactor.timeoutMillis(1_000_000L, 2)).isEqualTo(1);
        assertThat(EpollReactor.timeoutMillis(0L, 2)).isZero();
    }

    @Test
    void theReactorStillServesChildrenStartedByShutdownHooks() {
        String javaBin = java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString();
        dev.subprocess4j.CompletedProcess r = dev.subprocess4j.Subprocess.command(javaBin, "--enable-native-access=ALL-UNNAMED",
                        "-cp", System.getProperty("java.class.path"), ShutdownSpawnMain.class.getName())
                .stdin(dev.subprocess4j.Redirect.DEVNULL).captureOutput().timeout(Duration.ofSeconds(30)).run();
        assertThat(r.returnCode()).as(r.stderr()).isZero();
        assertThat(r.stdout()).isEqualTo("main: ok\nfrom-hook\n");
    }
}
