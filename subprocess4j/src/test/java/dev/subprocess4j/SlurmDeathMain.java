package dev.subprocess4j;

import java.nio.file.Path;

/**
 * A JVM of its own for {@link SlurmLauncherTest}: starts {@code sh -c 'echo $$; exec sleep 300'}
 * as a Slurm job, copies the task's pid line to stdout, then waits to be killed. Argument: the
 * cluster's slurm.conf.
 */
public final class SlurmDeathMain {
    private SlurmDeathMain() {}

    public static void main(String[] args) throws Exception {
        SlurmLauncher slurm = SlurmLauncher.create().slurmConf(Path.of(args[0]));
        Popen p = Subprocess.command("sh", "-c", "echo $$; exec sleep 300").on(slurm).stdin(Redirect.DEVNULL)
                .stdout(Redirect.PIPE).start();
        int c;
        while ((c = p.stdout().read()) >= 0) {
            System.out.write(c);
            if (c == '\n') {
                break;
            }
        }
        System.out.flush();
        Thread.sleep(300_000);
    }
}
