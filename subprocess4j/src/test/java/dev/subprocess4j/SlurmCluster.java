package dev.subprocess4j;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * A real single-node Slurm for the launcher tests: {@code src/test/remote/slurm-single-node.sh}
 * starts munged, slurmctld and slurmd with every file (configuration, munge key, state, logs) in
 * a directory of the test's, on free ports; {@link #close()} stops them. When the packages are
 * missing, {@code install-engines.sh slurm} installs them first (as root); when that fails, the
 * test fails saying so.
 */
public final class SlurmCluster implements AutoCloseable {
    private final Path dir;

    private SlurmCluster(Path dir) {
        this.dir = dir;
    }

    public static SlurmCluster start(Path dir) throws IOException {
        if (!Files.isExecutable(Path.of("/usr/sbin/slurmctld")) || !Files.isExecutable(Path.of("/usr/sbin/munged"))) {
            CompletedProcess r = Subprocess.command("sh", SshServer.remoteScript("install-engines.sh").toString(), "slurm")
                    .stdin(Redirect.DEVNULL).captureOutput().stderr(Redirect.STDOUT).run();
            if (r.returnCode() != 0) {
                throw new IllegalStateException("the Slurm tests need slurm-wlm and munge; install-engines.sh slurm failed ("
                        + r.returnCode() + "): " + r.stdout());
            }
        }
        Set<Integer> used = SshServer.listeningPorts();
        int base = 30_000 + new java.util.Random().nextInt(20_000);
        while (used.contains(base) || used.contains(base + 1)) {
            base += 2;
        }
        SlurmCluster cluster = new SlurmCluster(dir);
        CompletedProcess r = Subprocess.command("sh", SshServer.remoteScript("slurm-single-node.sh").toString(), dir.toString(),
                Integer.toString(base)).stdin(Redirect.DEVNULL).captureOutput().stderr(Redirect.STDOUT).run();
        if (r.returnCode() != 0) {
            cluster.close();
            throw new IllegalStateException("slurm-single-node.sh failed (" + r.returnCode() + "): " + r.stdout()
                    + "\nslurmctld.log: " + tail(dir.resolve("slurmctld.log")) + "\nslurmd.log: " + tail(dir.resolve("slurmd.log")));
        }
        return cluster;
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 10), lines.size()));
        } catch (IOException e) {
            return "(none)";
        }
    }

    public Path conf() {
        return dir.resolve("slurm.conf");
    }

    public SlurmLauncher launcher() {
        return SlurmLauncher.create().slurmConf(conf());
    }

    @Override
    public void close() {
        for (Path pidFile : List.of(dir.resolve("slurmd.pid"), dir.resolve("slurmctld.pid"), dir.resolve("munge/munged.pid"))) {
            try {
                long pid = Long.parseLong(Files.readString(pidFile).strip());
                ProcessHandle.of(pid).ifPresent(h -> {
                    h.destroy();
                    try {
                        h.onExit().get(10, java.util.concurrent.TimeUnit.SECONDS);
                    } catch (Exception e) {
                        h.destroyForcibly();
                    }
                });
            } catch (IOException | NumberFormatException e) {
                // not started
            }
        }
    }
}
