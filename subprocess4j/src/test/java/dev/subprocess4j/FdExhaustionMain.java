package dev.subprocess4j;

import java.io.FileInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Run in a JVM with a small fd limit by {@link FaultContract}: uses up every fd, tries a spawn
 * that needs pipes (expecting a clean SpawnException), frees the fds and spawns again.
 */
public final class FdExhaustionMain {
    private FdExhaustionMain() {}

    public static void main(String[] args) throws Exception {
        String backend = args[0];
        Command c = Subprocess.command("/bin/echo", "recovered").captureOutput()
                .withBackend(dev.subprocess4j.internal.BackendSelector.byName(backend));
        c.run(); // load everything the spawn path needs while fds are free...
        dev.subprocess4j.internal.Backend b = dev.subprocess4j.internal.BackendSelector.byName(backend);
        Pipeline pipeline = Subprocess.pipeline(Subprocess.command("/bin/echo", "x").withBackend(b),
                Subprocess.command("cat").withBackend(b)).stdout(Redirect.PIPE);
        pipeline.run();
        try {
            Subprocess.pipeline(Subprocess.command("/bin/echo", "x").withBackend(b), Subprocess.command("/nonexistent/program")
                    .withBackend(dev.subprocess4j.internal.BackendSelector.byName(backend))).stdout(Redirect.PIPE).run();
        } catch (SpawnException expected) {
            // ...a failing pipeline's path too
        }
        System.out.println(Shlex.join(java.util.List.of("loaded")));
        try {
            Subprocess.command("/nonexistent/program").withBackend(dev.subprocess4j.internal.BackendSelector.byName(backend)).run();
        } catch (SpawnException expected) {
            // ...the failure path too (class loading needs fds)
        }
        System.out.println(new SpawnException(SpawnException.Step.FDS, 24, "x", "y").toString().length()
                + new dev.subprocess4j.internal.linux.ffi.ErrnoException("x", 24).getMessage().length() > 0 ? "loaded" : "");
        List<FileInputStream> hog = new ArrayList<>();
        try {
            while (true) {
                hog.add(new FileInputStream("/dev/null"));
            }
        } catch (IOException e) {
            System.out.println("exhausted after " + hog.size() + ": " + e.getMessage());
        }
        try {
            c.run();
            System.out.println("unexpected: spawned without fds");
        } catch (SpawnException e) {
            System.out.println("spawn-error errno=" + e.errnoName() + " step=" + e.step() + " cause=" + e.getCause());
        }
        try {
            pipeline.run();
            System.out.println("unexpected: a pipeline without fds");
        } catch (RuntimeException e) {
            System.out.println("pipeline-error " + e.getClass().getName() + (e instanceof SpawnException s
                    ? " errno=" + s.errnoName() + " step=" + s.step() : ": " + e.getMessage()));
        }
        for (FileInputStream f : hog) {
            f.close();
        }
        System.out.println("after: " + c.run().stdout().strip());
    }
}
