package dev.subprocess4j;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subprocess4j.fixtures.PropertySeed;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Property: any byte payload (0 to 2 MiB of random bytes) sent through {@code cat} comes back
 * equal, whichever way it is sent and read. Cases are seeded; see {@link PropertySeed} to replay one.
 */
@EveryBackend
public class PayloadPropertyContract extends BackendContract {
    private static final int CASES = 40;
    private static final int MAX = 2 << 20;
    /** Sizes around the pipe buffer and chunk boundaries, tried first. */
    private static final int[] EDGES = {0, 1, 4095, 4096, 65535, 65536, 65537, MAX};

    /** How the payload goes in and comes out. */
    enum Route {
        /** {@code input(bytes)} and {@code captureOutput()} with {@code run()}. */ RUN_INPUT,
        /** {@code Redirect.from(InputStream)} and {@code Redirect.to(OutputStream)}. */ STREAMS,
        /** {@code Popen.communicate(bytes, timeout)}. */ COMMUNICATE,
        /** The caller writes {@code Popen.stdin()} on one thread and reads {@code Popen.stdout()}. */ POPEN_PIPES
    }

    /** One generated payload, named by its seed and index; the bytes are made when the case runs. */
    record PayloadCase(int index, int length, Route route) {
        byte[] bytes() {
            byte[] b = new byte[length];
            PropertySeed.random("payload-bytes", index).nextBytes(b);
            return b;
        }

        @Override
        public String toString() {
            return PropertySeed.describe(index, length + " bytes via " + route);
        }
    }

    static Stream<PayloadCase> payloadCases() {
        Route[] routes = Route.values();
        return IntStream.range(0, CASES).mapToObj(i -> {
            Random random = PropertySeed.random("payload", i);
            int length = i < EDGES.length ? EDGES[i]
                    : random.nextBoolean() ? random.nextInt(70_000) : random.nextInt(MAX + 1);
            return new PayloadCase(i, length, routes[i % routes.length]);
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("payloadCases")
    void anyBytePayloadThroughCatComesBackEqual(PayloadCase c) throws Exception {
        byte[] payload = c.bytes();
        byte[] back = switch (c.route()) {
            case RUN_INPUT -> {
                CompletedProcess r = cmd("cat").input(payload).captureOutput().run();
                assertThat(r.stderrBytes()).as(c::toString).isEmpty();
                yield r.stdoutBytes();
            }
            case STREAMS -> {
                ByteArrayOutputStream sink = new ByteArrayOutputStream();
                cmd("cat").stdin(Redirect.from(new ByteArrayInputStream(payload))).stdout(Redirect.to(sink)).run();
                yield sink.toByteArray();
            }
            case COMMUNICATE -> {
                try (Popen p = cmd("cat").stdin(Redirect.PIPE).stdout(Redirect.PIPE).start()) {
                    yield p.communicate(payload, Duration.ofSeconds(30)).stdoutBytes();
                }
            }
            case POPEN_PIPES -> {
                try (Popen p = cmd("cat").stdin(Redirect.PIPE).stdout(Redirect.PIPE).start()) {
                    CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                        try (OutputStream in = p.stdin()) {
                            in.write(payload);
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    });
                    byte[] read = p.stdout().readAllBytes();
                    writer.get(30, TimeUnit.SECONDS);
                    assertThat(p.waitFor()).as(c::toString).isZero();
                    yield read;
                }
            }
        };
        assertThat(back).as(c::toString).hasSize(payload.length);
        assertThat(back).as(c::toString).isEqualTo(payload);
    }
}
