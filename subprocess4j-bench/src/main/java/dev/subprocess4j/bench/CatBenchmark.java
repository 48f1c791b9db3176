package dev.subprocess4j.bench;

import com.zaxxer.nuprocess.NuProcess;
import com.zaxxer.nuprocess.NuProcessBuilder;
import dev.subprocess4j.Command;
import dev.subprocess4j.Subprocess;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.apache.commons.exec.CommandLine;
import org.apache.commons.exec.DefaultExecutor;
import org.apache.commons.exec.PumpStreamHandler;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.zeroturnaround.exec.ProcessExecutor;

/**
 * 1 MiB into {@code cat} and 1 MiB back (Python's {@code communicate(input)}): writing stdin while
 * reading stdout, which deadlocks if done in turn. ProcessBuilder needs a second thread for it;
 * the others do it themselves.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
@Fork(value = 2, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
@State(Scope.Thread)
public class CatBenchmark {
    static final int SIZE = 1 << 20;
    static final byte[] DATA = new byte[SIZE];

    static {
        for (int i = 0; i < SIZE; i++) {
            DATA[i] = (byte) (i * 31 + (i >>> 8));
        }
    }

    private final ProcessBuilder processBuilder = new ProcessBuilder("cat");
    private final DefaultExecutor commonsExec = DefaultExecutor.builder().get();
    private final CommandLine commonsExecLine = new CommandLine("cat");

    /** The library's command, built after {@link LibraryBackend} chose the backend. */
    @State(Scope.Thread)
    public static class Library {
        Command command;

        @Setup
        public void setup(LibraryBackend backend) {
            command = Subprocess.command("cat").input(DATA).captureOutput();
        }
    }

    static byte[] check(byte[] out) {
        if (out.length != SIZE) {
            throw new IllegalStateException("expected " + SIZE + " bytes back, got " + out.length);
        }
        return out;
    }

    @Benchmark
    public byte[] library(Library library) {
        return check(library.command.run().stdoutBytes());
    }

    @Benchmark
    public byte[] processBuilder() throws Exception {
        Process p = processBuilder.start();
        Thread writer = Thread.ofVirtual().start(() -> {
            try (OutputStream in = p.getOutputStream()) {
                in.write(DATA);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        byte[] out = p.getInputStream().readAllBytes();
        p.getErrorStream().readAllBytes();
        writer.join();
        p.waitFor();
        return check(out);
    }

    @Benchmark
    public byte[] ztExec() throws Exception {
        return check(new ProcessExecutor().command("cat").redirectInput(new ByteArrayInputStream(DATA))
                .readOutput(true).execute().output());
    }

    @Benchmark
    public byte[] commonsExec() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream(SIZE);
        commonsExec.setStreamHandler(new PumpStreamHandler(out, out, new ByteArrayInputStream(DATA)));
        commonsExec.execute(commonsExecLine);
        return check(out.toByteArray());
    }

    @Benchmark
    public byte[] nuProcess() throws Exception {
        Feeder feeder = new Feeder();
        new NuProcessBuilder(feeder, "cat").start().waitFor(0, TimeUnit.SECONDS);
        return check(feeder.stdout());
    }

    /** Writes DATA when NuProcess says stdin is ready, collects stdout. Callbacks run on its thread. */
    static final class Feeder extends NuCollector {
        private NuProcess process;
        private int written;

        Feeder() {
            super(SIZE);
        }

        @Override
        public void onStart(NuProcess nuProcess) {
            process = nuProcess;
            nuProcess.wantWrite();
        }

        @Override
        public boolean onStdinReady(ByteBuffer buffer) {
            int n = Math.min(buffer.remaining(), SIZE - written);
            buffer.put(DATA, written, n);
            buffer.flip();
            written += n;
            if (written == SIZE) {
                process.closeStdin(false);
                return false;
            }
            return true;
        }
    }
}
