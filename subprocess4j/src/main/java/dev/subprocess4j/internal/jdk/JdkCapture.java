package dev.subprocess4j.internal.jdk;

import dev.subprocess4j.internal.PumpThreads;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.CompletableFuture;

/** One pipe of a {@link JdkChild} read to its end into memory by {@code communicate}, on a virtual thread. */
final class JdkCapture {
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    final CompletableFuture<Void> done;

    JdkCapture(InputStream from, String name) {
        done = PumpThreads.start(name, () -> {
            byte[] chunk = new byte[JdkPumps.CHUNK];
            try (from) {
                int n;
                while ((n = from.read(chunk)) > 0) {
                    synchronized (buffer) {
                        buffer.write(chunk, 0, n);
                    }
                }
            } catch (IOException e) {
                // closed by close() or after the drain grace: what was read is kept
            }
        });
    }

    byte[] bytes() {
        synchronized (buffer) {
            return buffer.toByteArray();
        }
    }
}
