package dev.subprocess4j.examples;

import dev.subprocess4j.Redirect;
import dev.subprocess4j.Subprocess;

/** Run by {@link LoggingExamplesTest} in a second JVM whose java.util.logging shows DEBUG. */
public final class LoggingDemo {
    private LoggingDemo() {}

    public static void main(String[] args) {
        Subprocess.command("echo", "hello world").putEnv("TOKEN", "s3cr3t").stdout(Redirect.DEVNULL).run();
    }
}
