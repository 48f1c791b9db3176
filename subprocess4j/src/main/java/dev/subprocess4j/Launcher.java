package dev.subprocess4j;

/**
 * Where a {@link Command} runs: on this machine ({@link #local()}, the default) or on another
 * host or cluster through an existing engine: OpenSSH ({@link SshLauncher}) or Slurm
 * ({@link SlurmLauncher}).
 *
 * <p>A command keeps its meaning on every launcher: argv reaches the program byte for byte (no
 * shell unless asked for), stdin, stdout and stderr stream or are captured as locally, the return
 * code is the program's, a timeout kills the program's process group, and
 * {@link Popen#terminate()}, {@link Popen#kill()} and {@link Popen#sendSignal(Signal)} reach the
 * program itself. An option a launcher cannot honour makes {@link Command#start()} and
 * {@link Command#run()} throw {@link UnsupportedOperationException} naming the option and the
 * launcher.
 *
 * {@snippet :
 * SshLauncher build = SshLauncher.to("build-1").user("ci");
 * CompletedProcess r = Subprocess.command("make", "-j8").cwd(Path.of("/srv/src"))
 *         .on(build).timeout(Duration.ofMinutes(30)).captureOutput().run();
 * }
 */
public sealed interface Launcher permits LocalLauncher, SshLauncher, SlurmLauncher {

    /** This machine, through the JVM's backend ({@link Subprocess#backend()}); the default. */
    static Launcher local() {
        return LocalLauncher.INSTANCE;
    }

    /** A short name for messages, e.g. {@code local} or {@code ssh ci@build-1:22}. */
    String name();
}
