package dev.subprocess4j.internal.remote;

import dev.subprocess4j.Redirect;
import dev.subprocess4j.Signal;
import dev.subprocess4j.SpawnException;
import dev.subprocess4j.SubprocessException;
import dev.subprocess4j.internal.Backend;
import dev.subprocess4j.internal.ChildProcess;
import dev.subprocess4j.internal.CommunicateTimeout;
import dev.subprocess4j.internal.Deadlines;
import dev.subprocess4j.internal.Errno;
import dev.subprocess4j.internal.Outcome;
import dev.subprocess4j.internal.SpawnRequest;
import dev.subprocess4j.internal.lifecycle.DeadlineKiller;
import dev.subprocess4j.internal.lifecycle.SignalLedger;
import dev.subprocess4j.internal.Uninterruptibly;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * A command running as a Slurm job step: a local {@code srun} carries stdin, stdout and stderr
 * and exits with the task's exit code; {@code scancel --name} delivers signals to every process
 * of the step; a small local guard ({@code sh}, not tied to the JVM) cancels the job when the JVM
 * dies before the command ends. The exit status of a signal death and a spawn error (written
 * into the job's comment by the task script, see {@link RemoteScript#slurmTask}) are read back
 * with {@code squeue}/{@code scontrol} when the exit code asks for it.
 */
public final class SlurmChild extends RemoteChild {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Duration GUARD_GRACE = Duration.ofSeconds(5);

    private final SlurmTarget target;
    private final String jobName;
    private final ChildProcess srun; // the same as local
    private final ChildProcess guard;
    private final SpawnRequest request;
    private final Backend backend; // runs srun, the guard and the Slurm client commands
    private final SignalLedger sentSignals = new SignalLedger();
    private Integer returnCode; // guarded by this
    private SpawnException spawnError; // guarded by this

    private SlurmChild(SlurmTarget target, String jobName, ChildProcess srun, ChildProcess guard, SpawnRequest request,
            Backend backend) {
        super(srun);
        this.target = target;
        this.jobName = jobName;
        this.srun = srun;
        this.guard = guard;
        this.request = request;
        this.backend = backend;
    }

    /**
     * Submits {@code r} with srun.
     *
     * @param inheritEnv whether the JVM's environment (Slurm's default export) is the base
     * @param envChanges the variables to set, a {@code null} value removing one
     * @param backend the local backend that runs srun
     */
    public static ChildProcess start(SlurmTarget target, SpawnRequest r, boolean inheritEnv,
            Map<String, String> envChanges, Backend backend) {
        long startNanos = System.nanoTime();
        byte[] b = new byte[16];
        RANDOM.nextBytes(b);
        String jobName = "subprocess4j-" + HexFormat.of().formatHex(b);
        RemoteScript.checkNames(envChanges, "slurm");
        // the values travel in srun's environment under carrier names (srun then exports them to
        // the task), never in its argv; the task script moves each to its own name
        String carrierPrefix = carrierPrefix(envChanges);
        String script = RemoteScript.slurmTask(r.argv(), r.exec().cwd().orElse(null),
                r.identity().umask().isPresent() ? r.identity().umask().getAsInt() : null, inheritEnv, envChanges, carrierPrefix);
        boolean pdeath = backend.features().contains(Backend.Feature.KILL_ON_PARENT_EXIT);
        Map<String, String> env = clientEnvironment(target);
        List<Map.Entry<String, String>> carriers = RemoteScript.slurmCarriers(envChanges, carrierPrefix);
        Map<String, String> srunEnv = env;
        if (!carriers.isEmpty()) {
            Map<String, String> withCarriers = new HashMap<>(env);
            carriers.forEach(c -> withCarriers.put(c.getKey(), c.getValue()));
            srunEnv = Map.copyOf(withCarriers);
        }
        // ALL: the JVM's environment is the base; else srun exports only the carriers (and Slurm's own)
        String export = inheritEnv ? "ALL" : carriers.isEmpty() ? carrierPrefix + "none"
                : String.join(",", carriers.stream().map(Map.Entry::getKey).toList());
        ChildProcess guard = backend.start(local(List.of("/bin/sh", "-c",
                "read -r x || exec \"$0\" --quiet --name=\"$1\"", target.scancel(), jobName), env,
                Redirect.PIPE, Redirect.DEVNULL, Redirect.DEVNULL, null, false, r));
        ChildProcess srun;
        try {
            srun = backend.start(local(target.srunArgv(jobName, export, List.of("/bin/sh", "-c", script, "sh")), srunEnv,
                    r.stdio().stdin(), r.stdio().stdout(), r.stdio().stderr(), r.stdio().input().orElse(null), pdeath, r));
        } catch (RuntimeException | Error e) {
            guard.closeStreams(); // end of file: it cancels a job that never existed, harmlessly
            try {
                guard.waitFor(null);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
            }
            throw e;
        }
        SlurmChild child = new SlurmChild(target, jobName, srun, guard, r, backend);
        child.armDeadline(startNanos, r);
        return child;
    }

    /** {@code SUBPROCESS4J_V<n>_} for the first n that no variable of the JVM or of the command starts with. */
    private static String carrierPrefix(Map<String, String> envChanges) {
        for (int n = 0;; n++) {
            String prefix = "SUBPROCESS4J_V" + n + "_";
            if (envChanges.keySet().stream().noneMatch(k -> k.startsWith(prefix))
                    && System.getenv().keySet().stream().noneMatch(k -> k.startsWith(prefix))) {
                return prefix;
            }
        }
    }

    private static Map<String, String> clientEnvironment(SlurmTarget target) {
        if (target.slurmConf() == null) {
            return System.getenv();
        }
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put("SLURM_CONF", target.slurmConf().toString());
        return Map.copyOf(env);
    }

    private static SpawnRequest local(List<String> argv, Map<String, String> env, Redirect in, Redirect out, Redirect err,
            byte[] input, boolean killOnParentExit, SpawnRequest user) {
        return SpawnRequest.builder(argv).environment(env, env == System.getenv()).stdio(in, out, err).input(input)
                .kill(Signal.SIGKILL, Duration.ZERO, false).killOnParentExit(killOnParentExit).text(user.stdio().text())
                .build();
    }

    /**
     * The deadline: the shared {@link DeadlineKiller} signals every process of the step with
     * scancel, SIGKILL after the kill grace, and cancels the job and kills srun when that did not
     * end it within one second plus the grace.
     */
    private void armDeadline(long startNanos, SpawnRequest r) {
        DeadlineKiller killer = DeadlineKiller.arm(Deadlines.after(startNanos, r.lifetime().timeout().orElse(null)), r.lifetime().killSignal(), r.lifetime().killGrace(),
                true, true, new DeadlineKiller.Target() {
                    @Override
                    public boolean alive() {
                        return srun.poll().isEmpty();
                    }

                    @Override
                    public void signal(Signal s, boolean group) {
                        SlurmChild.this.signal(s); // scancel reaches every process of the step
                    }

                    @Override
                    public void timedOut() {
                        timedOut = true;
                    }

                    @Override
                    public void unresponsive() {
                        cancel();
                        srun.sendSignal(Signal.SIGKILL);
                    }
                }, DeadlineKiller.SHARED, "job " + jobName);
        srun.onExit().whenComplete((o, t) -> killer.cancel());
    }

    /** What a Slurm client command printed, and its exit code. */
    private record ClientResult(int returnCode, String stdout) {}

    /**
     * Runs a Slurm client command ({@code scancel}, {@code squeue}, {@code scontrol}) to its end on
     * the backend that runs srun, with the JVM's environment and the launcher's {@code SLURM_CONF};
     * stdout captured, stderr too (and dropped).
     *
     * @throws SubprocessException when the thread is interrupted meanwhile (the command is killed
     *     and reaped, the interrupt kept)
     */
    private ClientResult client(String... argv) {
        ChildProcess c = backend.startForRun(local(List.of(argv), clientEnvironment(target), Redirect.DEVNULL,
                Redirect.PIPE, Redirect.PIPE, null, false, request));
        try {
            Outcome o = c.communicate(null, null);
            return new ClientResult(o.returnCode(), o.stdout() == null ? "" : new String(o.stdout(), StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            c.sendSignal(Signal.SIGKILL);
            Thread.currentThread().interrupt();
            throw new SubprocessException("interrupted while waiting for pid " + c.pid() + " (" + argv[0] + ")", e);
        } catch (CommunicateTimeout e) {
            throw new IllegalStateException("a communicate without a timeout timed out", e); // cannot happen
        } catch (RuntimeException | Error e) {
            c.sendSignal(Signal.SIGKILL);
            throw e;
        } finally {
            c.closeStreams();
            Uninterruptibly.get(() -> c.waitFor(null));
        }
    }

    private void signal(Signal s) {
        synchronized (this) {
            if (returnCode != null) {
                return;
            }
            sentSignals.sent(s);
        }
        client(target.scancel(), "--quiet", "--name=" + jobName, "--signal=" + s.name().substring(3));
    }

    private void cancel() {
        client(target.scancel(), "--quiet", "--name=" + jobName);
    }

    /** {@code id|comment} of the job from squeue, or {@code null}. */
    private String[] jobInfo() {
        ClientResult r = client(target.squeue(), "--noheader", "--states=all", "--name=" + jobName, "--format=%i|%k");
        String line = r.stdout().strip();
        if (r.returnCode() != 0 || line.isEmpty()) {
            return null;
        }
        return line.lines().findFirst().orElse("").split("\\|", 2);
    }

    /** The signal of a finished job from scontrol's {@code ExitCode=E:S}, or 0. */
    private int exitSignal(String jobId) {
        ClientResult r = client(target.scontrol(), "show", "job", jobId);
        for (String word : r.stdout().split("\\s+")) {
            if (word.startsWith("ExitCode=") && word.contains(":")) {
                try {
                    return Integer.parseInt(word.substring(word.indexOf(':') + 1));
                } catch (NumberFormatException e) {
                    return 0;
                }
            }
        }
        return 0;
    }

    /** Maps srun's exit to the program's return code, once; throws the spawn error if there was one. */
    @Override
    synchronized int finish(int srunCode) {
        if (returnCode == null) {
            int rc = srunCode;
            if (rc == 127 || rc > 128) {
                String[] info = jobInfo();
                if (rc == 127 && info != null && info.length > 1 && info[1].startsWith(RemoteScript.SLURM_ERROR_MARK)) {
                    String[] parts = info[1].substring(RemoteScript.SLURM_ERROR_MARK.length()).trim().split(" ");
                    int errno = Errno.number(parts[0]);
                    SpawnException.Step step = parts.length > 1 && parts[1].equals("chdir")
                            ? SpawnException.Step.CHDIR : SpawnException.Step.EXEC;
                    String subject = step == SpawnException.Step.CHDIR ? String.valueOf(request.exec().cwd().orElse(null))
                            : request.program();
                    spawnError = new SpawnException(step, errno < 0 ? Errno.EIO : errno, request.program(),
                            subject + "' on '" + target.name());
                } else if (sentSignals.killedByOurSignal(rc)) {
                    rc = sentSignals.returnCode(rc);
                } else if (rc > 128 && info != null) {
                    int sig = exitSignal(info[0]);
                    if (sig > 0) {
                        rc = -sig;
                    }
                }
            }
            returnCode = rc;
            endGuard();
        }
        if (spawnError != null) {
            SpawnException e = spawnError;
            spawnError = null; // raised once, as a local start() would; later calls see 127
            throw e;
        }
        return returnCode;
    }

    private void endGuard() {
        try {
            OutputStream out = guard.stdin();
            out.write("done\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
        } catch (IOException | RuntimeException e) {
            // the guard is gone
        }
        guard.closeStreams();
        try {
            if (guard.waitFor(GUARD_GRACE).isEmpty()) {
                guard.sendSignal(Signal.SIGKILL);
                guard.waitFor(null);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public long pid() {
        return srun.pid();
    }

    @Override
    public void sendSignal(Signal signal) {
        signal(signal);
    }

    @Override
    public void signalGroup(Signal signal) {
        signal(signal);
    }

    @Override
    String where() {
        return target.name();
    }
}
