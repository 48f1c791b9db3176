package dev.subprocess4j.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * What any JVM pays for a spawn: {@code posix_spawn} of {@code /bin/true} and {@code waitpid}
 * through FFM, and nothing else (no pipes, no pidfd, no reactor). The library's time minus this is
 * what the library itself adds on top of the kernel and the FFM calls (subprocess4j-bench/README.md P8).
 */
final class Floor implements AutoCloseable {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final MethodHandle POSIX_SPAWN = LINKER.downcallHandle(LIBC.find("posix_spawn").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS,
                    ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
    private static final MethodHandle WAITPID = LINKER.downcallHandle(LIBC.find("waitpid").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MemorySegment ENVIRON = LIBC.find("environ").orElseThrow()
            .reinterpret(ValueLayout.ADDRESS.byteSize());

    private final Arena arena = Arena.ofConfined();
    private final MemorySegment path;
    private final MemorySegment argv;
    private final MemorySegment pid = arena.allocate(ValueLayout.JAVA_INT);
    private final MemorySegment status = arena.allocate(ValueLayout.JAVA_INT);

    Floor(String program) {
        path = arena.allocateFrom(program);
        argv = arena.allocate(ValueLayout.ADDRESS, 2);
        argv.setAtIndex(ValueLayout.ADDRESS, 0, path);
        argv.setAtIndex(ValueLayout.ADDRESS, 1, MemorySegment.NULL);
    }

    /** Spawns the program, waits for it, returns its wait status. */
    int spawnAndWait() throws Throwable {
        MemorySegment envp = ENVIRON.get(ValueLayout.ADDRESS, 0);
        int err = (int) POSIX_SPAWN.invokeExact(pid, path, MemorySegment.NULL, MemorySegment.NULL, argv, envp);
        if (err != 0) {
            throw new IllegalStateException("posix_spawn: errno " + err);
        }
        int child = pid.get(ValueLayout.JAVA_INT, 0);
        if ((int) WAITPID.invokeExact(child, status, 0) != child) {
            throw new IllegalStateException("waitpid failed");
        }
        return status.get(ValueLayout.JAVA_INT, 0);
    }

    @Override
    public void close() {
        arena.close();
    }
}
