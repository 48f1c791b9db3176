package dev.subprocess4j.bench;

import com.zaxxer.nuprocess.NuAbstractProcessHandler;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;

/** Collects a NuProcess child's stdout; NuProcess calls {@link #onStdout} on its own thread. */
class NuCollector extends NuAbstractProcessHandler {
    private final ByteArrayOutputStream out;

    NuCollector(int expectedSize) {
        out = new ByteArrayOutputStream(expectedSize);
    }

    @Override
    public void onStdout(ByteBuffer buffer, boolean closed) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        synchronized (out) {
            out.writeBytes(bytes);
        }
    }

    byte[] stdout() {
        synchronized (out) {
            return out.toByteArray();
        }
    }
}
