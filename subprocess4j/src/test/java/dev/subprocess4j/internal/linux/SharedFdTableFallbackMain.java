package dev.subprocess4j.internal.linux;

import dev.subprocess4j.CompletedProcess;
import dev.subprocess4j.Redirect;
import dev.subprocess4j.Subprocess;
import dev.subprocess4j.internal.linux.ffi.Unistd;

/**
 * Run by {@link SharedFdTableFallbackTest} in a JVM where close_range(2) fails with ENOSYS: every
 * spawn must still work and close the JVM's fds, through the copying paths. Prints what it saw.
 */
public final class SharedFdTableFallbackMain {
    private SharedFdTableFallbackMain() {}

    public static void main(String[] args) {
        for (int i = 0; i < 500; i++) {
            Unistd.open("/dev/null", Unistd.O_RDONLY); // inheritable: none may reach a child
        }
        CompletedProcess fast = Subprocess.command("ls", "/proc/self/fd").stdin(Redirect.DEVNULL).captureOutput().run();
        System.out.println("fast " + fast.returnCode() + " " + fast.stdout().lines().toList());
        CompletedProcess umask = Subprocess.command("ls", "/proc/self/fd").umask(022).stdin(Redirect.DEVNULL)
                .captureOutput().run();
        System.out.println("umask " + umask.returnCode() + " " + umask.stdout().lines().toList());
        System.out.println("exit " + Subprocess.command("sh", "-c", "exit 3").run().returnCode());
        System.out.println("active " + SharedFdTable.active());
        System.out.println("reason " + SharedFdTable.unusableReason());
    }
}
