package dev.subprocess4j;

import dev.subprocess4j.internal.Backend;
import dev.subprocess4j.internal.ChildProcess;
import dev.subprocess4j.internal.SpawnRequest;
import dev.subprocess4j.internal.remote.SlurmChild;
import dev.subprocess4j.internal.remote.SlurmTarget;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Runs each command as a one-task Slurm job step with {@code srun} (one node, one task), with the
 * semantics of a local run where Slurm allows. Immutable; share one value between threads.
 *
 * {@snippet :
 * SlurmLauncher cluster = SlurmLauncher.create().partition("short").timeLimit(Duration.ofMinutes(10))
 *         .cpus(4).memoryMiB(8192);
 * CompletedProcess r = Subprocess.command("./simulate", "--steps", "1000").on(cluster).captureOutput().run();
 * }
 *
 * <h2>Semantics</h2>
 * <ul>
 *   <li>argv reaches the program exactly ({@code srun} passes argv without a shell; the task
 *       script quotes every value with {@link Shlex#quote}).
 *   <li>stdin, stdout and stderr stream through srun: every {@link Redirect} but {@code fd(n>2)}.
 *       srun adds its own line to stderr when the task fails ({@code srun: error: node: task 0:
 *       Exited with exit code 3}).
 *   <li>The environment's base is the JVM's (Slurm exports the submitter's environment), changed
 *       by {@link Command#putEnv}, {@link Command#removeEnv}, {@link Command#env} and
 *       {@link Command#clearEnv} on the node; {@link Command#cwd} and {@link Command#umask} apply
 *       on the node. The values never appear on a command line: they travel in srun's own
 *       environment under names of the library's ({@code --export} names variables only) and the
 *       task's shell moves them to their names with {@code export}. Names must be shell names
 *       ({@code [A-Za-z_][A-Za-z0-9_]*}); others are refused with {@link IllegalArgumentException}
 *       when the command starts. srun's {@code --export} follows {@link #option}'s, so it wins.
 *   <li>A missing program or directory ends the job with {@link SpawnException} (the errno a local
 *       spawn gives), thrown by {@link Command#run()} and by {@link Popen#waitFor()}: the job
 *       must run before the node can tell.
 *   <li>The return code is the program's; {@code -N} for a death by signal N (read from Slurm's
 *       record of the job when srun says {@code 128+N}).
 *   <li>A timeout, {@link Popen#terminate()}, {@link Popen#kill()}, {@link Popen#sendSignal} and
 *       {@link Popen#signalGroup} all use {@code scancel --signal}, which Slurm delivers to every
 *       process of the job step (the program and its children). SIGKILL is Slurm's cancel of the
 *       step: SIGTERM first, SIGKILL after the cluster's {@code KillWait} (30 s by default), so a
 *       program killed this way usually reads {@code -15}. When the JVM dies, a small local guard
 *       process cancels the job.
 *   <li>{@link Popen#pid()} is the local srun's pid; {@link Popen#toHandle()} and
 *       {@link CompletedProcess#usage()} are not available.
 * </ul>
 * Refused with {@link UnsupportedOperationException}: the same options as {@link SshLauncher}.
 */
public final class SlurmLauncher extends LauncherBase implements Launcher {
    private final String srun;
    private final String partition;
    private final Duration timeLimit;
    private final Integer cpus;
    private final Long memoryMiB;
    private final List<String> options;
    private final Path slurmConf;

    private SlurmLauncher(String srun, String partition, Duration timeLimit, Integer cpus, Long memoryMiB,
            List<String> options, Path slurmConf) {
        this.srun = srun;
        this.partition = partition;
        this.timeLimit = timeLimit;
        this.cpus = cpus;
        this.memoryMiB = memoryMiB;
        this.options = options;
        this.slurmConf = slurmConf;
    }

    /** A launcher for the cluster the Slurm client commands on the PATH talk to, with its defaults. */
    public static SlurmLauncher create() {
        return new SlurmLauncher("srun", null, null, null, null, List.of(), null);
    }

    /**
     * Runs in {@code partition} ({@code srun --partition}).
     *
     * @throws IllegalArgumentException for an empty name or one with whitespace or a comma
     */
    public SlurmLauncher partition(String partition) {
        Objects.requireNonNull(partition, "partition");
        if (partition.isEmpty() || partition.chars().anyMatch(c -> Character.isWhitespace(c) || c == ',' || c == 0)) {
            throw new IllegalArgumentException("partition must be one name without whitespace or commas: '" + partition + "'");
        }
        return new SlurmLauncher(srun, partition, timeLimit, cpus, memoryMiB, options, slurmConf);
    }

    /**
     * The job's time limit ({@code srun --time}, in whole minutes, rounded up). Slurm ends the job
     * when it passes; use {@link Command#timeout} for the library's own deadline.
     *
     * @throws IllegalArgumentException for a zero or negative duration
     */
    public SlurmLauncher timeLimit(Duration limit) {
        Objects.requireNonNull(limit, "limit");
        if (limit.isZero() || limit.isNegative()) {
            throw new IllegalArgumentException("timeLimit must be positive: " + limit);
        }
        return new SlurmLauncher(srun, partition, limit, cpus, memoryMiB, options, slurmConf);
    }

    /**
     * CPUs for the task ({@code srun --cpus-per-task}).
     *
     * @throws IllegalArgumentException below 1
     */
    public SlurmLauncher cpus(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("cpus must be 1 or more: " + n);
        }
        return new SlurmLauncher(srun, partition, timeLimit, n, memoryMiB, options, slurmConf);
    }

    /**
     * Memory for the job in MiB ({@code srun --mem}).
     *
     * @throws IllegalArgumentException below 1
     */
    public SlurmLauncher memoryMiB(long mib) {
        if (mib < 1) {
            throw new IllegalArgumentException("memoryMiB must be 1 or more: " + mib);
        }
        return new SlurmLauncher(srun, partition, timeLimit, cpus, mib, options, slurmConf);
    }

    /**
     * Adds one more srun option, such as {@code --qos=short} or {@code --constraint=gpu}.
     *
     * @throws IllegalArgumentException unless it starts with {@code --} and has no whitespace
     */
    public SlurmLauncher option(String option) {
        Objects.requireNonNull(option, "option");
        if (!option.startsWith("--") || option.length() < 3 || option.chars().anyMatch(c -> Character.isWhitespace(c) || c == 0)) {
            throw new IllegalArgumentException("srun option must look like --name or --name=value: '" + option + "'");
        }
        List<String> copy = new ArrayList<>(options);
        copy.add(option);
        return new SlurmLauncher(srun, partition, timeLimit, cpus, memoryMiB, List.copyOf(copy), slurmConf);
    }

    /** The Slurm configuration file for srun, scancel, squeue and scontrol ({@code SLURM_CONF}). */
    public SlurmLauncher slurmConf(Path file) {
        Objects.requireNonNull(file, "file");
        return new SlurmLauncher(srun, partition, timeLimit, cpus, memoryMiB, options, file);
    }

    @Override
    public String name() {
        return "slurm" + (partition != null ? " partition " + partition : "");
    }

    /** The command as a job step under srun, run on {@code backend}; the options srun cannot carry are refused. */
    @Override
    ChildProcess start(Command command, SpawnRequest request, Backend backend, boolean forRun) {
        command.refuseRemoteOptions(this);
        SlurmTarget t = new SlurmTarget(srun, "scancel", "squeue", "scontrol", partition, timeLimit, cpus, memoryMiB,
                options, slurmConf, name());
        return SlurmChild.start(t, request, command.inheritsEnv(), command.envChanges(), backend);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SlurmLauncher l && srun.equals(l.srun) && Objects.equals(partition, l.partition)
                && Objects.equals(timeLimit, l.timeLimit) && Objects.equals(cpus, l.cpus)
                && Objects.equals(memoryMiB, l.memoryMiB) && options.equals(l.options)
                && Objects.equals(slurmConf, l.slurmConf);
    }

    @Override
    public int hashCode() {
        return Objects.hash(srun, partition, timeLimit, cpus, memoryMiB, options, slurmConf);
    }

    @Override
    public String toString() {
        return "SlurmLauncher[" + name() + "]";
    }
}
