package dev.subprocess4j;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A JVM of its own for {@link SshLauncherTest}: runs remote commands on the test's sshd with
 * stdin, stdout and stderr left at {@code INHERIT} (the JVM's own fds 0-2, pipes from the test)
 * and prints the {@code flags:} of {@code /proc/self/fdinfo} for fds 0, 1 and 2 (octal, as the
 * kernel shows them) while one runs ({@code running fdN FLAGS}) and after another ran
 * ({@code after fdN FLAGS}), then {@code done}. Arguments: the server's directory and port.
 */
public final class SshInheritMain {
    private SshInheritMain() {}

    public static void main(String[] args) throws Exception {
        SshLauncher ssh = SshServer.launcherFor(Path.of(args[0]), Integer.parseInt(args[1]));
        try (Popen p = Subprocess.command("sh", "-c", "echo remote; exec sleep 30").on(ssh).start()) {
            Thread.sleep(500); // the remote program has started (start() returned its pid) and written
            printFlags("running");
            p.kill();
            p.waitFor();
        }
        Subprocess.command("echo", "remote").on(ssh).run();
        printFlags("after");
        System.out.println("done");
        System.out.flush();
    }

    private static void printFlags(String when) throws Exception {
        for (int fd = 0; fd <= 2; fd++) {
            String flags = Files.readAllLines(Path.of("/proc/self/fdinfo/" + fd)).stream()
                    .filter(l -> l.startsWith("flags:")).findFirst().orElseThrow().substring(6).strip();
            System.out.println(when + " fd" + fd + " " + flags);
        }
    }
}
