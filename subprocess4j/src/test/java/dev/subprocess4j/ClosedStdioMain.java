package dev.subprocess4j;

/**
 * Run with fds 0 and 2 closed by {@link LinuxChildSetupClosedStdioTest}: a child-setup spawn whose
 * exec fails must still report the failure, though its error pipe could have taken fd 0 or 2.
 */
public final class ClosedStdioMain {
    private ClosedStdioMain() {}

    public static void main(String[] args) throws Throwable {
        // Load the spawn path first (class loading needs fds), then free fds 0 and 2 so that the
        // next pipe the library makes would get them.
        Subprocess.command("/bin/true").rlimit(Rlimit.NOFILE, 256, 256)
                .withBackend(dev.subprocess4j.internal.BackendSelector.byName("linux-native")).run();
        try {
            Subprocess.command("/nonexistent/program").rlimit(Rlimit.NOFILE, 256, 256)
                    .withBackend(dev.subprocess4j.internal.BackendSelector.byName("linux-native")).run();
        } catch (SpawnException expected) {
            // the failure path is loaded too
        }
        java.lang.invoke.MethodHandle close = java.lang.foreign.Linker.nativeLinker().downcallHandle(
                java.lang.foreign.Linker.nativeLinker().defaultLookup().find("close").orElseThrow(),
                java.lang.foreign.FunctionDescriptor.of(java.lang.foreign.ValueLayout.JAVA_INT,
                        java.lang.foreign.ValueLayout.JAVA_INT));
        int ignored0 = (int) close.invokeExact(0);
        int ignored2 = (int) close.invokeExact(2);
        Command c = Subprocess.command("/nonexistent/program").rlimit(Rlimit.NOFILE, 256, 256)
                .stdin(Redirect.DEVNULL).stderr(Redirect.DEVNULL)
                .withBackend(dev.subprocess4j.internal.BackendSelector.byName("linux-native"));
        try {
            CompletedProcess r = c.run();
            System.out.println("no-error returncode=" + r.returnCode());
        } catch (SpawnException e) {
            System.out.println("spawn-error errno=" + e.errnoName() + " step=" + e.step());
        }
        System.out.println("ok=" + Subprocess.command("/bin/echo", "fine").rlimit(Rlimit.NOFILE, 256, 256)
                .stdout(Redirect.PIPE).stderr(Redirect.DEVNULL)
                .withBackend(dev.subprocess4j.internal.BackendSelector.byName("linux-native")).run().stdout().strip());
    }
}
