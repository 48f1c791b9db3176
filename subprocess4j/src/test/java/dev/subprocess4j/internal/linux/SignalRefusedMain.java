package dev.subprocess4j.internal.linux;

import dev.subprocess4j.Popen;
import dev.subprocess4j.Signal;
import dev.subprocess4j.Subprocess;

/**
 * Run as an unprivileged user by {@link GroupSignalTest}: starts {@code args[0]}, a set-user-id
 * program that makes itself root for good, so this JVM may no longer signal it. Prints its pid,
 * then what {@code kill()} and {@code signalGroup} threw. Leaves the child for the test to end.
 */
public final class SignalRefusedMain {
    private SignalRefusedMain() {}

    public static void main(String[] args) throws Exception {
        Popen p = Subprocess.command(args[0]).startNewSession().stdout(dev.subprocess4j.Redirect.PIPE).start();
        System.out.println("pid=" + p.pid());
        p.stdout().read(); // it wrote a byte once it was root
        for (Runnable r : new Runnable[] {p::kill, () -> p.signalGroup(Signal.SIGTERM)}) {
            try {
                r.run();
                System.out.println("refused=none");
            } catch (RuntimeException e) {
                System.out.println("refused=" + e.getClass().getName() + ": " + e.getMessage());
            }
        }
        try {
            Subprocess.command(args[0], "2").captureOutput().timeout(java.time.Duration.ofMillis(300)).run();
            System.out.println("timeout=none");
        } catch (RuntimeException e) {
            System.out.println("timeout=" + e.getClass().getName() + ": " + e.getMessage().lines().findFirst().orElse(""));
        }
    }
}
