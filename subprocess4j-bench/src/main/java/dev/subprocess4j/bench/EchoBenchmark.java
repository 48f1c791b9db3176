package dev.subprocess4j.bench;

import com.zaxxer.nuprocess.NuProcessBuilder;
import dev.subprocess4j.Command;
import dev.subprocess4j.Subprocess;
import java.io.ByteArrayOutputStream;
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
 * subprocess4j-bench/README.md P2: {@code echo test} with its output captured, each contender in its usual way
 * (the library's {@code captureOutput()} takes stdout and stderr, as Python's
 * {@code capture_output=True}; {@code processBuilder} reads both pipes, {@code processBuilderDiscard}
 * reads stdout and discards stderr).
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
@Fork(value = 2, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
@State(Scope.Thread)
public class EchoBenchmark {
    private static final String[] ECHO = {"/bin/echo", "test"};

    private final ProcessBuilder processBuilder = new ProcessBuilder(ECHO);
    private final ProcessBuilder processBuilderDiscard = new ProcessBuilder(ECHO)
            .redirectError(ProcessBuilder.Redirect.DISCARD);
    private final ProcessExecutor ztExec = new ProcessExecutor().command(ECHO).readOutput(true);
    private final DefaultExecutor commonsExec = DefaultExecutor.builder().get();
    private final CommandLine commonsExecLine = new CommandLine(ECHO[0]).addArgument(ECHO[1]);

    /** The library's command, built after {@link LibraryBackend} chose the backend. */
    @State(Scope.Thread)
    public static class Library {
        Command command;

        @Setup
        public void setup(LibraryBackend backend) {
            command = Subprocess.command(java.util.List.of(ECHO)).captureOutput();
        }
    }

    static byte[] check(byte[] out) {
        if (out.length != 5) {
            throw new IllegalStateException("expected \"test\\n\", got " + out.length + " bytes");
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
        byte[] out = p.getInputStream().readAllBytes();
        p.getErrorStream().readAllBytes();
        p.waitFor();
        return check(out);
    }

    @Benchmark
    public byte[] processBuilderDiscard() throws Exception {
        Process p = processBuilderDiscard.start();
        byte[] out = p.getInputStream().readAllBytes();
        p.waitFor();
        return check(out);
    }

    @Benchmark
    public byte[] ztExec() throws Exception {
        return check(ztExec.execute().output());
    }

    @Benchmark
    public byte[] commonsExec() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        commonsExec.setStreamHandler(new PumpStreamHandler(out));
        commonsExec.execute(commonsExecLine);
        return check(out.toByteArray());
    }

    @Benchmark
    public byte[] nuProcess() throws Exception {
        NuCollector collector = new NuCollector(32);
        new NuProcessBuilder(collector, ECHO).start().waitFor(0, TimeUnit.SECONDS);
        return check(collector.stdout());
    }
}
