package dev.subprocess4j.internal.linux;

import dev.subprocess4j.Command;
import dev.subprocess4j.Subprocess;
import dev.subprocess4j.internal.linux.ffi.ChildSetup;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.function.UnaryOperator;

/**
 * Run by {@link ChildSignalsTest} in a JVM of its own (it changes the JVM's signal dispositions):
 * native code sets SIGURG (23), SIGWINCH (28) and real-time signal 40 to SIG_IGN, the calling
 * thread blocks SIGWINCH and signal 41, then each spawn path starts {@code grep ^Sig[BI]
 * /proc/self/status} with {@code restoreSignals(true)} and {@code (false)}, once with the clone
 * that clears the handlers itself (clone3) and once with glibc's clone. Prints the clone mode
 * after the first spawn, then one line per path, mode and restoreSignals with the child's SigBlk
 * and SigIgn.
 */
public final class SignalDispositionsMain {
    private SignalDispositionsMain() {}

    public static void main(String[] args) throws Throwable {
        Linker linker = Linker.nativeLinker();
        MethodHandle signal = linker.downcallHandle(linker.defaultLookup().find("signal").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
        for (int sig : new int[] {23, 28, 40}) {
            MemorySegment previous = (MemorySegment) signal.invokeExact(sig, MemorySegment.ofAddress(1)); // SIG_IGN
        }
        MethodHandle sigmask = linker.downcallHandle(linker.defaultLookup().find("pthread_sigmask").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment set = arena.allocate(128, 8);
            set.set(ValueLayout.JAVA_LONG, 0, (1L << (28 - 1)) | (1L << (41 - 1)));
            if ((int) sigmask.invokeExact(0 /* SIG_BLOCK */, set, MemorySegment.NULL) != 0) {
                throw new IllegalStateException("pthread_sigmask failed");
            }
        }
        MethodHandle dup = linker.downcallHandle(linker.defaultLookup().find("dup").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
        int passed = (int) dup.invokeExact(0);
        Subprocess.run("/bin/true");
        ChildSetup library = ChildSetupSpawner.library();
        System.out.println("clone3=" + library.clone3(ChildSetup.CLONE3_READ));
        for (String mode : new String[] {"clone3", "clone"}) {
            library.clone3(mode.equals("clone3") ? ChildSetup.CLONE3_RETRY : ChildSetup.CLONE3_OFF);
            for (boolean restore : new boolean[] {true, false}) {
                print("default", mode, restore, c -> c);
                print("copying", mode, restore, c -> c.closeFds(false).umask(022));
                print("passFds", mode, restore, c -> c.passFds(passed));
                print("helper", mode, restore, c -> c.user("root"));
                print("posix_spawn", mode, restore, c -> c.closeFds(false)); // glibc's, whatever the mode
            }
        }
        library.clone3(ChildSetup.CLONE3_RETRY);
    }

    private static void print(String path, String mode, boolean restore, UnaryOperator<Command> how) {
        String out = how.apply(Subprocess.command("grep", "^Sig[BI]", "/proc/self/status").restoreSignals(restore))
                .captureOutput().check().run().stdout();
        System.out.println("path=" + path + " mode=" + mode + " restore=" + restore + " "
                + out.strip().replace("\t", "").replace("\n", " "));
    }
}
