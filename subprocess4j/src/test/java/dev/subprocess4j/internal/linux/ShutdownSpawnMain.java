package dev.subprocess4j.internal.linux;

import dev.subprocess4j.Redirect;
import dev.subprocess4j.Subprocess;

/**
 * A JVM of its own for {@link EpollReactorTest}: runs one child, then, from a shutdown hook (when
 * the reactor's waits are already capped for the exit), another one asynchronously (served by
 * the reactor) and prints its output.
 */
public final class ShutdownSpawnMain {
    private ShutdownSpawnMain() {}

    public static void main(String[] args) throws Exception {
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().unstarted(() -> {
            try {
                String out = Subprocess.command("sh", "-c", "sleep 0.2; echo from-hook").stdin(Redirect.DEVNULL)
                        .stdout(Redirect.PIPE).runAsync().get().stdout();
                System.out.print(out);
                System.out.flush();
            } catch (Exception e) {
                System.out.println("failed: " + e);
            }
        }));
        System.out.println("main: " + Subprocess.command("echo", "ok").stdout(Redirect.PIPE).run().stdout().strip());
    }
}
