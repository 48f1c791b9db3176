package dev.subprocess4j;

import java.nio.file.Path;

/**
 * A JVM of its own for {@link SshLauncherTest}: starts {@code sleep 300} on the test's sshd,
 * prints {@code pid <remote pid>}, then waits to be killed. Arguments: the server's directory
 * and port.
 */
public final class SshDeathMain {
    private SshDeathMain() {}

    public static void main(String[] args) throws Exception {
        SshLauncher ssh = SshServer.launcherFor(Path.of(args[0]), Integer.parseInt(args[1]));
        Popen p = Subprocess.command("sleep", "300").on(ssh).stdin(Redirect.DEVNULL).start();
        System.out.println("pid " + p.pid());
        System.out.flush();
        Thread.sleep(300_000);
    }
}
