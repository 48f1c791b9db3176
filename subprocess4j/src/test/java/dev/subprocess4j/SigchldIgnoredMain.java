package dev.subprocess4j;

import dev.subprocess4j.internal.BackendSelector;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.function.UnaryOperator;

/**
 * Run by {@link LinuxSigchldIgnoredTest} in a JVM of its own: native code sets SIGCHLD to
 * SIG_IGN (so the kernel reaps every child itself, at once, and its status is lost), then each
 * spawn path starts a program that exits at once, many times. Prints one line per path with the
 * counts, then the SIGCHLD disposition the JVM has at the end.
 *
 * <p>args: the program, the number of spawns per path.
 */
public final class SigchldIgnoredMain {
    private SigchldIgnoredMain() {}

    private static final int SIGCHLD = 17;

    public static void main(String[] args) throws Throwable {
        String program = args[0];
        int n = Integer.parseInt(args[1]);
        Linker linker = Linker.nativeLinker();
        MethodHandle signal = linker.downcallHandle(linker.defaultLookup().find("signal").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
        MemorySegment previous = (MemorySegment) signal.invokeExact(SIGCHLD, MemorySegment.ofAddress(1)); // SIG_IGN
        System.out.println("before=" + previous.address());
        command(program).run(); // the library's first use
        System.out.println("afterFirstUse=" + disposition(linker));
        // Ignored again in case the first use reset it (as native code could do at any time), so the
        // spawns below run with SIGCHLD ignored whatever the library did.
        MemorySegment ignored = (MemorySegment) signal.invokeExact(SIGCHLD, MemorySegment.ofAddress(1));

        run("default", n, program, c -> c);
        run("posix_spawn", n, program, c -> c.closeFds(false));
        run("copying", n, program, c -> c.closeFds(false).umask(022));
        run("helper", n / 10, program, c -> c.user("root"));
        // A Popen: waitFor, poll and kill after the child is gone (and reaped by the kernel).
        int exceptions = 0;
        int nonZero = 0;
        for (int i = 0; i < n / 10; i++) {
            try (Popen p = command(program).start()) {
                int rc = p.waitFor();
                nonZero += rc != 0 || p.poll().orElse(-1) != 0 ? 1 : 0;
                p.kill(); // a no-op: the child is gone, and nothing is signalled by its (maybe reused) pid
            } catch (RuntimeException e) {
                exceptions++;
                if (exceptions == 1) {
                    e.printStackTrace(System.out);
                }
            }
        }
        System.out.println("path=popen exceptions=" + exceptions + " nonzero=" + nonZero);
        System.out.println("after=" + disposition(linker));
    }

    private static Command command(String program) {
        return Subprocess.command(program).withBackend(BackendSelector.byName("linux-native"));
    }

    private static void run(String name, int n, String program, UnaryOperator<Command> path) {
        int exceptions = 0;
        int nonZero = 0;
        int withUsage = 0;
        String first = "";
        for (int i = 0; i < n; i++) {
            try {
                CompletedProcess r = path.apply(command(program)).run();
                nonZero += r.returnCode() != 0 ? 1 : 0;
                withUsage += r.usage().isPresent() ? 1 : 0;
            } catch (RuntimeException e) {
                if (exceptions++ == 0) {
                    first = " first=" + e;
                }
            }
        }
        System.out.println("path=" + name + " spawns=" + n + " exceptions=" + exceptions + " nonzero=" + nonZero
                + " usage=" + withUsage + first);
    }

    /** The handler of SIGCHLD now, through sigaction(SIGCHLD, NULL, &old): 1 is SIG_IGN. */
    private static long disposition(Linker linker) throws Throwable {
        MethodHandle sigaction = linker.downcallHandle(linker.defaultLookup().find("sigaction").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                        ValueLayout.ADDRESS));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment old = arena.allocate(256, 8);
            int rc = (int) sigaction.invokeExact(SIGCHLD, MemorySegment.NULL, old);
            if (rc != 0) {
                throw new IllegalStateException("sigaction failed");
            }
            return old.get(ValueLayout.JAVA_LONG, 0);
        }
    }
}
