package dev.subprocess4j.internal.jdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.subprocess4j.fixtures.PropertySeed;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The JDK backend's child output stream, over a real pipe as the JDK gives it (the stdout of a
 * {@code cat} started by {@link ProcessBuilder}, fed by the test): every byte arrives once and in
 * order, an interrupt ends a blocked read without losing data, a close wakes a blocked reader.
 */
@Timeout(60)
class InterruptibleInputStreamTest {
    private Process cat;
    private InterruptibleInputStream in;

    @BeforeEach
    void startCat() throws IOException {
        cat = new ProcessBuilder("cat").redirectError(ProcessBuilder.Redirect.DISCARD).start();
        in = new InterruptibleInputStream(cat.getInputStream(), "stdout of cat");
    }

    @AfterEach
    void stopCat() throws Exception {
        in.close();
        cat.destroyForcibly();
        assertThat(cat.waitFor(10, TimeUnit.SECONDS)).isTrue();
    }

    /** One generated transfer: the payload and how it is written and read. */
    record Transfer(int index, byte[] payload, long seed) {
        @Override
        public String toString() {
            return PropertySeed.describe(index, payload.length + " bytes");
        }
    }

    static Stream<Transfer> transfers() {
        return IntStream.range(0, 24).mapToObj(i -> {
            Random random = PropertySeed.random("interruptible-input", i);
            byte[] payload = new byte[i == 0 ? 0 : random.nextInt(4) == 0 ? random.nextInt(300_000) : random.nextInt(5_000)];
            random.nextBytes(payload);
            return new Transfer(i, payload, random.nextLong());
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("transfers")
    void everyByteArrivesOnceAndInOrderWhateverTheReadAndWriteSizes(Transfer t) throws Exception {
        Random random = new Random(t.seed());
        OutputStream toCat = cat.getOutputStream();
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
            try {
                Random w = new Random(t.seed() ^ 1);
                for (int off = 0; off < t.payload().length; ) {
                    int n = Math.min(t.payload().length - off, 1 + w.nextInt(70_000));
                    toCat.write(t.payload(), off, n);
                    toCat.flush();
                    off += n;
                    if (w.nextInt(8) == 0) {
                        Thread.sleep(w.nextInt(3)); // sometimes the reader finds the pipe empty
                    }
                }
                toCat.close();
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        byte[] buffer = new byte[100_000];
        while (true) {
            int n = random.nextInt(10) == 0 ? readOne(buffer) : in.read(buffer, 0, 1 + random.nextInt(buffer.length));
            if (n < 0) {
                break;
            }
            got.write(buffer, 0, n);
        }
        writer.get(30, TimeUnit.SECONDS);
        assertThat(got.toByteArray()).isEqualTo(t.payload());
        assertThat(in.read(buffer)).as("end of file again").isEqualTo(-1);
    }

    private int readOne(byte[] into) throws IOException {
        int b = in.read();
        if (b < 0) {
            return -1;
        }
        into[0] = (byte) b;
        return 1;
    }

    /** What a blocked read ended with (null: data or end of file), and the interrupt flag after it. */
    private record Ended(Throwable failure, boolean interrupted) {}

    /**
     * A platform thread reading {@link #in}, returned once it waits (the read found no data and
     * waits for the pump); {@code ended} completes when its read returns or throws.
     */
    private Thread blockedReader(CompletableFuture<Ended> ended) throws InterruptedException {
        Thread t = Thread.ofPlatform().start(() -> {
            Throwable failure = null;
            try {
                in.read(new byte[16]);
            } catch (IOException e) {
                failure = e;
            }
            ended.complete(new Ended(failure, Thread.currentThread().isInterrupted()));
        });
        for (int i = 0; i < 1000 && t.getState() != Thread.State.WAITING; i++) {
            Thread.sleep(5);
        }
        assertThat(t.getState()).as("the reader waits").isEqualTo(Thread.State.WAITING);
        return t;
    }

    @Test
    void anInterruptEndsABlockedReadAndLosesNoData() throws Exception {
        CompletableFuture<Ended> ended = new CompletableFuture<>();
        blockedReader(ended).interrupt(); // nothing was written: the read waits for the pipe
        Ended e = ended.get(10, TimeUnit.SECONDS);
        assertThat(e.failure()).isInstanceOf(InterruptedIOException.class).hasMessageContaining("stdout of cat");
        assertThat(e.interrupted()).as("the interrupt flag stays set").isTrue();
        cat.getOutputStream().write("after\n".getBytes());
        cat.getOutputStream().close();
        assertThat(new String(in.readAllBytes())).isEqualTo("after\n");
    }

    @Test
    void closeWakesAReaderBlockedOnAnEmptyPipeAndLaterReadsFail() throws Exception {
        CompletableFuture<Ended> ended = new CompletableFuture<>();
        blockedReader(ended);
        in.close();
        assertThat(ended.get(10, TimeUnit.SECONDS).failure()).isInstanceOf(IOException.class).hasMessage("Stream closed");
        assertThatThrownBy(() -> in.read()).isInstanceOf(IOException.class).hasMessage("Stream closed");
        assertThatThrownBy(() -> in.available()).isInstanceOf(IOException.class);
    }
}
