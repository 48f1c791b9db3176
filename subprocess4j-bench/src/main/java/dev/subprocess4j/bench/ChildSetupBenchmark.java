package dev.subprocess4j.bench;

import dev.subprocess4j.Command;
import dev.subprocess4j.Rlimit;
import dev.subprocess4j.Subprocess;
import java.util.concurrent.TimeUnit;
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

/**
 * subprocess4j-bench/README.md P7, native backend only: {@code /bin/true} through the fast path
 * ({@code posix_spawn}) against the child-setup path (an rlimit, a umask: the library's own
 * in-process clone and setup code). The user/group helper needs root and a user to switch to:
 * {@code child-setup.sh} measures it.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
@Fork(value = 2, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
@State(Scope.Thread)
public class ChildSetupBenchmark {
    private Command fastPath;
    private Command rlimit;
    private Command umask;

    @Setup
    public void setup() {
        if (!Subprocess.backend().equals("linux-native")) {
            throw new IllegalStateException("the child-setup path is the native backend's; backend is "
                    + Subprocess.backend());
        }
        fastPath = Subprocess.command("/bin/true");
        rlimit = Subprocess.command("/bin/true").rlimit(Rlimit.NOFILE, 256, 256);
        umask = Subprocess.command("/bin/true").umask(027);
    }

    @Benchmark
    public int fastPath() {
        return fastPath.run().returnCode();
    }

    @Benchmark
    public int rlimit() {
        return rlimit.run().returnCode();
    }

    @Benchmark
    public int umask() {
        return umask.run().returnCode();
    }
}
