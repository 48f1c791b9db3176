package dev.subprocess4j;

/** The default launcher: this machine, through the JVM's backend. */
final class LocalLauncher implements Launcher {
    static final LocalLauncher INSTANCE = new LocalLauncher();

    private LocalLauncher() {}

    @Override
    public String name() {
        return "local";
    }

    @Override
    public String toString() {
        return "local";
    }
}
