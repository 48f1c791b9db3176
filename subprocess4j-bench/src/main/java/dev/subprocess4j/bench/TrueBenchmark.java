package dev.subprocess4j.bench;

import com.zaxxer.nuprocess.NuAbstractProcessHandler;
import com.zaxxer.nuprocess.NuProcessBuilder;
import dev.subprocess4j.Command;
import dev.subprocess4j.Subprocess;
import java.util.concurrent.TimeUnit;
import org.apache.commons.exec.CommandLine;
import org.apache.commons.exec.DefaultExecutor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.zeroturnaround.exec.ProcessExecutor;

/**
 * subprocess4j-bench/README.md P1 and P8: {@code /bin/true}, from the call to the child reaped, for every
 * contender, and the FFM floor ({@code posix_spawn} + {@code waitpid} and nothing else). Each
 * contender's object is built once, as a user would keep a configured command.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
@Fork(value = 2, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
@State(Scope.Thread)
public class TrueBenchmark {
    private static final String TRUE = "/bin/true";

    private final ProcessBuilder processBuilder = new ProcessBuilder(TRUE);
    private final ProcessBuilder processBuilderDiscard = new ProcessBuilder(TRUE)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .redirectError(ProcessBuilder.Redirect.DISCARD);
    private final ProcessExecutor ztExec = new ProcessExecutor().command(TRUE);
    private final DefaultExecutor commonsExec = DefaultExecutor.builder().get();
    private final CommandLine commonsExecLine = new CommandLine(TRUE);
    private Floor floor;

    /** The library's command, built after {@link LibraryBackend} chose the backend. */
    @State(Scope.Thread)
    public static class Library {
        Command command;
        Command keepFds;

        @Setup
        public void setup(LibraryBackend backend) {
            command = Subprocess.command(TRUE);
            keepFds = Subprocess.command(TRUE).closeFds(false);
        }
    }

    @Setup
    public void setup() {
        floor = new Floor(TRUE);
    }

    @TearDown
    public void tearDown() {
        floor.close();
    }

    @Benchmark
    public int library(Library library) {
        return library.command.run().returnCode();
    }

    /**
     * P8: the library without its {@code closeFds} (no {@code close_range} in the child), like the
     * FFM floor and the C loop, which close nothing: the rest of the gap to the floor is the library's.
     */
    @Benchmark
    public int libraryKeepFds(Library library) {
        return library.keepFds.run().returnCode();
    }

    @Benchmark
    public int processBuilder() throws Exception {
        return processBuilder.start().waitFor();
    }

    @Benchmark
    public int processBuilderDiscard() throws Exception {
        return processBuilderDiscard.start().waitFor();
    }

    @Benchmark
    public int ztExec() throws Exception {
        return ztExec.execute().getExitValue();
    }

    @Benchmark
    public int commonsExec() throws Exception {
        return commonsExec.execute(commonsExecLine);
    }

    @Benchmark
    public int nuProcess() throws Exception {
        return new NuProcessBuilder(new NuAbstractProcessHandler() { }, TRUE).start().waitFor(0, TimeUnit.SECONDS);
    }

    @Benchmark
    public int ffmFloor() throws Throwable {
        return floor.spawnAndWait();
    }
}
