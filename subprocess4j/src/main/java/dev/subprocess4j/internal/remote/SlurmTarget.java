package dev.subprocess4j.internal.remote;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * How to run one command as a Slurm job step with {@code srun}.
 *
 * @param srun the srun program
 * @param scancel the scancel program
 * @param squeue the squeue program
 * @param scontrol the scontrol program
 * @param partition the partition, or {@code null} for the cluster's default
 * @param timeLimit the job's time limit, or {@code null} for the partition's default
 * @param cpus CPUs per task, or {@code null}
 * @param memoryMiB memory per node in MiB, or {@code null}
 * @param extraOptions more srun options, each one word such as {@code --qos=short}
 * @param slurmConf the {@code SLURM_CONF} for the client commands, or {@code null} for Slurm's own
 * @param name the launcher's name for messages
 */
public record SlurmTarget(String srun, String scancel, String squeue, String scontrol, String partition,
        Duration timeLimit, Integer cpus, Long memoryMiB, List<String> extraOptions, Path slurmConf, String name) {

    /**
     * The srun argv that runs {@code command} as job {@code jobName}: one node, one task, with
     * {@code --export=<export>} (variable names or {@code ALL}, never a value) after the extra
     * options, so that it wins.
     */
    public List<String> srunArgv(String jobName, String export, List<String> command) {
        List<String> a = new ArrayList<>();
        a.add(srun);
        a.add("--job-name=" + jobName);
        a.add("--nodes=1");
        a.add("--ntasks=1");
        a.add("--quiet");
        if (partition != null) {
            a.add("--partition=" + partition);
        }
        if (timeLimit != null) {
            long minutes = Math.max(1, (timeLimit.toSeconds() + 59) / 60);
            a.add("--time=" + minutes);
        }
        if (cpus != null) {
            a.add("--cpus-per-task=" + cpus);
        }
        if (memoryMiB != null) {
            a.add("--mem=" + memoryMiB + "M");
        }
        a.addAll(extraOptions);
        a.add("--export=" + export);
        a.add("--");
        a.addAll(command);
        return a;
    }
}
