package dev.subprocess4j;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Measures jobs per second through {@link SshLauncher} against plain {@code ssh} in a shell loop
 * over the same shared connection, on a test sshd on 127.0.0.1 (started here), and through
 * {@link SlurmLauncher} against plain {@code srun} in a shell loop on a single-node Slurm
 * (started here). Run by
 * {@code subprocess4j/src/test/remote/measure-ssh.sh}; prints one line per figure.
 */
public final class RemoteThroughputMain {
    private RemoteThroughputMain() {}

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        ssh(n);
        slurm(n);
    }

    private static void slurm(int n) throws Exception {
        Path dir = Files.createTempDirectory("sp4j-slurm-bench");
        try (SlurmCluster cluster = SlurmCluster.start(dir)) {
            Command t = Subprocess.command("true").on(cluster.launcher()).stdin(Redirect.DEVNULL);
            for (int i = 0; i < 10; i++) {
                t.run();
            }
            String loop = "i=0; while [ $i -lt " + n + " ]; do srun --nodes=1 --ntasks=1 --quiet true </dev/null || exit 1; "
                    + "i=$((i+1)); done";
            Command plainLoop = Subprocess.command("sh", "-c", loop).stdin(Redirect.DEVNULL)
                    .putEnv("SLURM_CONF", cluster.conf().toString()).check();
            for (int round = 0; round < 3; round++) {
                long a = System.nanoTime();
                for (int i = 0; i < n; i++) {
                    if (t.run().returnCode() != 0) {
                        throw new IllegalStateException("srun true failed");
                    }
                }
                long lib = System.nanoTime() - a;
                a = System.nanoTime();
                plainLoop.run();
                long plain = System.nanoTime() - a;
                System.out.printf("slurm round %d: library sequential %.1f jobs/s, plain srun loop %.1f jobs/s%n",
                        round, n / (lib / 1e9), n / (plain / 1e9));
            }
        }
    }

    private static void ssh(int n) throws Exception {
        Path dir = Files.createTempDirectory("sp4j-ssh-bench");
        try (SshServer server = SshServer.start(dir)) {
            SshLauncher ssh = server.launcher();
            Command t = Subprocess.command("true").on(ssh).stdin(Redirect.DEVNULL);
            for (int i = 0; i < 20; i++) {
                t.run(); // opens the shared connection, warms up
            }
            List<String> sshArgv = sshArgv(server);
            String loop = "i=0; while [ $i -lt " + n + " ]; do \"$@\" true </dev/null || exit 1; i=$((i+1)); done";
            List<String> shellLoop = new ArrayList<>(List.of("sh", "-c", loop, "sh"));
            shellLoop.addAll(sshArgv);
            for (int round = 0; round < 3; round++) {
                long a = System.nanoTime();
                for (int i = 0; i < n; i++) {
                    if (t.run().returnCode() != 0) {
                        throw new IllegalStateException("remote true failed");
                    }
                }
                long lib = System.nanoTime() - a;
                a = System.nanoTime();
                Subprocess.command(shellLoop).stdin(Redirect.DEVNULL).check().run();
                long plain = System.nanoTime() - a;
                a = System.nanoTime();
                try (ProcessPool pool = ProcessPool.withMaxConcurrency(8)) {
                    pool.invokeAll(java.util.Collections.nCopies(n, t)).forEach(f -> f.join());
                }
                long pooled = System.nanoTime() - a;
                System.out.printf("ssh round %d: library sequential %.1f jobs/s, plain ssh loop %.1f jobs/s, "
                        + "library pool(8) %.1f jobs/s%n", round, n / (lib / 1e9), n / (plain / 1e9), n / (pooled / 1e9));
            }
        }
    }

    /** Plain ssh on the launcher's shared connection (the same options the launcher uses). */
    private static List<String> sshArgv(SshServer server) {
        Path d = server.dir();
        return List.of("ssh", "-o", "BatchMode=yes", "-l", System.getProperty("user.name"), "-p",
                Integer.toString(server.port()), "-i", d.resolve("client_key").toString(), "-o", "IdentitiesOnly=yes",
                "-o", "ControlMaster=auto", "-o", "ControlPath=" + System.getProperty("java.io.tmpdir")
                        + "/subprocess4j-ssh-" + System.getProperty("user.name") + "/%C",
                "-o", "ControlPersist=60", "-o", "UserKnownHostsFile=" + d.resolve("known_hosts"),
                "-o", "StrictHostKeyChecking=yes", "-o", "LogLevel=ERROR", "-T", "127.0.0.1");
    }
}
