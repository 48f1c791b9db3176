package dev.subprocess4j.examples;

import dev.subprocess4j.Popen;
import dev.subprocess4j.Subprocess;

/**
 * Run by {@link PlatformExamplesTest} in a second JVM with {@code -Dsubprocess4j.backend=jdk}:
 * what the {@code ProcessBuilder} backend does, as a program on macOS or Windows would see it.
 */
public final class JdkBackendDemo {
    private JdkBackendDemo() {}

    public static void main(String[] args) {
        // tag::jdk-backend-demo[]
        System.out.println("backend: " + Subprocess.backend());

        try (Popen p = Subprocess.command("sleep", "30").start()) {
            p.terminate();                      // the library sent it: reported as -15
            System.out.println("terminated: " + p.waitFor());
        }
        // Killed by someone else: the JDK only reports 128 + 15.
        System.out.println("killed itself: " + Subprocess.call("sh", "-c", "kill -TERM $$"));

        try {
            Subprocess.command("sleep", "1").startNewSession().run();
        } catch (UnsupportedOperationException e) {
            System.out.println("refused: " + e.getMessage());
        }
        // end::jdk-backend-demo[]
    }
}
