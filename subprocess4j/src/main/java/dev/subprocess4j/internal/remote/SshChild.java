package dev.subprocess4j.internal.remote;

import dev.subprocess4j.Redirect;
import dev.subprocess4j.Signal;
import dev.subprocess4j.SpawnException;
import dev.subprocess4j.SubprocessException;
import dev.subprocess4j.TimeoutExpiredException;
import dev.subprocess4j.internal.Backend;
import dev.subprocess4j.internal.ChildProcess;
import dev.subprocess4j.internal.Deadlines;
import dev.subprocess4j.internal.Errno;
import dev.subprocess4j.internal.PumpThreads;
import dev.subprocess4j.internal.SpawnRequest;
import dev.subprocess4j.internal.lifecycle.DeadlineKiller;
import dev.subprocess4j.internal.lifecycle.SignalLedger;
import java.io.ByteArrayOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A command running on another host through OpenSSH: a local {@code ssh} process carries the
 * command's stdin, stdout and stderr (the <em>data session</em>), a second one on the same shared
 * connection carries signals and the exit status (the <em>lifeline</em>); see
 * {@link RemoteScript}. The local processes are ordinary children of the JVM's backend.
 */
public final class SshChild extends RemoteChild {
    private static final SecureRandom RANDOM = new SecureRandom();
    /** How long the lifeline may still report the pid after the data session ended. */
    private static final Duration START_GRACE = Duration.ofSeconds(10);
    /** How long a finished lifeline may take to exit before it is killed. */
    private static final Duration LIFELINE_GRACE = Duration.ofSeconds(5);

    private final SshTarget target;
    private final ChildProcess data; // the same as local
    private final ChildProcess lifeline;
    private final long remotePid;
    private final SignalLedger sentSignals = new SignalLedger();
    private final OutputStream control;
    private final InputStream replies;
    private Integer returnCode; // guarded by this

    private SshChild(SshTarget target, ChildProcess data, ChildProcess lifeline, long remotePid) {
        super(data);
        this.target = target;
        this.data = data;
        this.lifeline = lifeline;
        this.remotePid = remotePid;
        this.control = lifeline.stdin();
        this.replies = lifeline.stdout();
    }

    /**
     * Starts {@code r} on the host of {@code target}.
     *
     * @param inheritEnv whether the remote login environment is the base of the program's
     * @param envChanges the variables to set, a {@code null} value removing one
     * @param backend the local backend that runs the {@code ssh} processes
     * @throws SpawnException when ssh cannot connect, or the remote program or directory is
     *     missing (with the errno a local spawn would give)
     * @throws TimeoutExpiredException when the command's timeout passes before the host answers
     */
    public static ChildProcess start(SshTarget target, SpawnRequest r, boolean inheritEnv,
            Map<String, String> envChanges, Backend backend) {
        long startNanos = System.nanoTime();
        RemoteScript.checkNames(envChanges, "ssh");
        String token = HexFormat.of().formatHex(randomBytes());
        String supervisor = RemoteScript.supervisor(token, r.argv(), r.exec().cwd().orElse(null),
                r.identity().umask().isPresent() ? r.identity().umask().getAsInt() : null, inheritEnv, envChanges);
        // the values go over the lifeline's stdin, never on a command line
        byte[] environment = RemoteScript.setsValues(envChanges)
                ? RemoteScript.environmentFile(inheritEnv, envChanges).getBytes(StandardCharsets.UTF_8) : null;
        String lifelineScript = RemoteScript.lifeline(token,
                environment == null ? 0 : RemoteScript.lineCount(new String(environment, StandardCharsets.UTF_8)));
        boolean pdeath = backend.features().contains(Backend.Feature.KILL_ON_PARENT_EXIT);
        ChildProcess data = backend.start(local(target.argv(RemoteScript.commandLine(supervisor)), dataStdin(r.stdio().stdin()),
                dataOutput(r.stdio().stdout(), 1), dataOutput(r.stdio().stderr(), 2), r.stdio().input().orElse(null), pdeath, r));
        ChildProcess lifeline;
        try {
            lifeline = backend.start(local(target.argv(RemoteScript.commandLine(lifelineScript), false),
                    Redirect.PIPE, Redirect.PIPE, Redirect.PIPE, null, pdeath, r));
        } catch (RuntimeException | Error e) {
            abandon(data);
            throw e;
        }
        if (environment != null) {
            sendEnvironment(lifeline, environment);
        }
        String first;
        long deadline = Deadlines.after(startNanos, r.lifetime().timeout().orElse(null));
        try {
            first = firstLine(data, lifeline, deadline);
        } catch (TimeoutException e) {
            // A host that takes the connection but never answers (no banner, a login that hangs):
            // the command's timeout bounds the connection too, as it bounds a local start.
            abandon(data);
            abandon(lifeline);
            throw new TimeoutExpiredException(r.argv(), r.lifetime().timeout().orElseThrow(), null, null);
        } catch (RuntimeException | Error e) {
            abandon(data);
            abandon(lifeline);
            throw e;
        }
        if (first != null && first.startsWith("pid ")) {
            long pid;
            try {
                pid = Long.parseLong(first.substring(4).trim());
            } catch (NumberFormatException e) {
                pid = -1;
            }
            if (pid > 0) {
                SshChild child = new SshChild(target, data, lifeline, pid);
                child.armDeadline(startNanos, r);
                return child;
            }
        }
        if (first != null && first.startsWith("err ")) {
            String[] parts = first.substring(4).trim().split(" ");
            int errno = Errno.number(parts[0]);
            SpawnException.Step step = parts.length > 1 && parts[1].equals("chdir")
                    ? SpawnException.Step.CHDIR : SpawnException.Step.EXEC;
            abandon(data);
            abandon(lifeline);
            String subject = step == SpawnException.Step.CHDIR ? String.valueOf(r.exec().cwd().orElse(null)) : r.program();
            throw new SpawnException(step, errno < 0 ? Errno.EIO : errno, r.program(), subject + "' on '" + target.name());
        }
        String why = errorText(lifeline, first);
        abandon(data);
        abandon(lifeline);
        throw new SpawnException(SpawnException.Step.CONNECT, errnoOf(why), r.program(), target.name() + "': '" + why);
    }

    /**
     * The data session's stdin for the command's: never the JVM's own fd 0. OpenSSH makes the fds
     * it is given non-blocking unless they are terminals, on the open file description it shares
     * with the JVM, and its connection master never undoes that: the JVM's own reads would then
     * fail with EAGAIN. So {@code INHERIT} (and {@code fd(0)}) means no input, as {@code ssh -n}:
     * the remote program reads end of file. A pump from {@code System.in} is not an answer either:
     * it would go on reading (and take) the JVM's input after the command ended.
     */
    static Redirect dataStdin(Redirect stdin) {
        return stdin == Redirect.INHERIT || stdin instanceof Redirect.Fd(int fd) && fd == 0 ? Redirect.DEVNULL : stdin;
    }

    /**
     * The data session's stdout ({@code own} 1) or stderr ({@code own} 2) for the command's: the
     * JVM's own fd 1 or 2 ({@code INHERIT}, {@code fd(1)}, {@code fd(2)}) is written by a pump of
     * the JVM, for the reason {@link #dataStdin} gives; ssh gets a pipe.
     */
    static Redirect dataOutput(Redirect out, int own) {
        int fd = out == Redirect.INHERIT ? own : out instanceof Redirect.Fd(int n) ? n : -1;
        if (fd == 1 || fd == 2) {
            return Redirect.to(new FileOutputStream(fd == 1 ? FileDescriptor.out : FileDescriptor.err));
        }
        return out;
    }

    /**
     * Writes the environment file to the lifeline's stdin: at once when it fits in the pipe, else
     * from a thread (the lifeline reads it only once connected). A lifeline that is gone makes
     * the write fail: then its missing first line tells why.
     */
    private static void sendEnvironment(ChildProcess lifeline, byte[] environment) {
        OutputStream out = lifeline.stdin();
        Runnable write = () -> {
            try {
                out.write(environment);
                out.flush();
            } catch (IOException | RuntimeException e) {
                // the lifeline is gone: reported by firstLine
            }
        };
        if (environment.length <= 16 * 1024) {
            write.run();
        } else {
            PumpThreads.start("ssh-environment-" + lifeline.pid(), write::run);
        }
    }

    private static byte[] randomBytes() {
        byte[] b = new byte[16];
        RANDOM.nextBytes(b);
        return b;
    }

    private static SpawnRequest local(List<String> argv, Redirect in, Redirect out, Redirect err, byte[] input,
            boolean killOnParentExit, SpawnRequest user) {
        return SpawnRequest.builder(argv).environment(System.getenv(), true).stdio(in, out, err).input(input)
                .kill(Signal.SIGKILL, Duration.ZERO, false).killOnParentExit(killOnParentExit).text(user.stdio().text())
                .build();
    }

    /**
     * Reads the lifeline's first line: {@code pid N}, {@code err ERRNO STEP}, or {@code null} when
     * it ended without one (ssh could not connect). When the data session ends first, the lifeline
     * gets {@link #START_GRACE} to answer before it is killed.
     *
     * @throws TimeoutException when {@code deadline} (the command's) passes before either
     */
    private static String firstLine(ChildProcess data, ChildProcess lifeline, long deadline) throws TimeoutException {
        CompletableFuture<String> line = new CompletableFuture<>();
        InputStream in = lifeline.stdout();
        PumpThreads.start("ssh-lifeline-" + lifeline.pid(), () -> {
            try {
                line.complete(readLine(in));
            } catch (IOException e) {
                line.complete(null);
            }
        });
        try {
            CompletableFuture<Object> first = CompletableFuture.anyOf(line, data.onExit());
            if (deadline == Deadlines.NEVER) {
                first.get();
            } else {
                first.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS); // TimeoutException: the caller's
            }
            if (!line.isDone()) {
                long grace = Math.min(START_GRACE.toNanos(), deadline - System.nanoTime());
                try {
                    return line.get(Math.max(0, grace), TimeUnit.NANOSECONDS);
                } catch (TimeoutException e) {
                    lifeline.sendSignal(Signal.SIGKILL);
                    if (deadline - System.nanoTime() <= 0) {
                        throw e; // the command's deadline came first
                    }
                }
            }
            return line.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            // as every wait of the library reports an interrupt (the flag kept); not a CONNECT failure,
            // which would take a healthy host out of a pool
            throw new SubprocessException("interrupted while starting a command over ssh", e);
        } catch (ExecutionException e) {
            return null;
        }
    }

    /** One line without its newline, or {@code null} at end of file. Reads byte by byte: no read-ahead. */
    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream(32);
        while (true) {
            int c = in.read();
            if (c < 0) {
                return b.size() == 0 ? null : b.toString(StandardCharsets.UTF_8);
            }
            if (c == '\n') {
                return b.toString(StandardCharsets.UTF_8);
            }
            if (b.size() < 4096) {
                b.write(c);
            }
        }
    }

    /** The first line ssh wrote to the lifeline's stderr, for the error message. */
    private static String errorText(ChildProcess lifeline, String first) {
        String text = "";
        try {
            lifeline.sendSignal(Signal.SIGKILL);
            byte[] err = lifeline.stderr().readAllBytes();
            text = new String(err, StandardCharsets.UTF_8).strip();
        } catch (IOException | RuntimeException e) {
            // fall through with what we have
        }
        String firstErr = text.lines().filter(l -> !l.isBlank()).reduce((a, b) -> b).orElse("");
        if (firstErr.isEmpty()) {
            firstErr = first != null ? "unexpected answer '" + first + "'" : "ssh ended without starting the command";
        }
        return firstErr;
    }

    private static int errnoOf(String sshError) {
        String e = sshError.toLowerCase(java.util.Locale.ROOT);
        if (e.contains("connection refused")) {
            return Errno.ECONNREFUSED;
        }
        if (e.contains("permission denied") || e.contains("host key verification failed")) {
            return Errno.EACCES;
        }
        if (e.contains("could not resolve") || e.contains("no route") || e.contains("name or service not known")) {
            return Errno.EHOSTUNREACH;
        }
        if (e.contains("timed out")) {
            return Errno.ETIMEDOUT;
        }
        return Errno.EIO;
    }

    /** Kills and reaps a local ssh process that will not be handed to the caller. */
    private static void abandon(ChildProcess p) {
        try {
            p.sendSignal(Signal.SIGKILL);
            p.closeStreams();
            p.waitFor(null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            // already gone
        }
    }

    /**
     * The deadline: the shared {@link DeadlineKiller} sends the kill signal to the remote group
     * through the lifeline, SIGKILL after the kill grace, and kills the local ssh when the
     * connection hangs (it did not end one second plus the grace after that).
     */
    private void armDeadline(long startNanos, SpawnRequest r) {
        DeadlineKiller killer = DeadlineKiller.arm(Deadlines.after(startNanos, r.lifetime().timeout().orElse(null)), r.lifetime().killSignal(), r.lifetime().killGrace(),
                true, true, new DeadlineKiller.Target() {
                    @Override
                    public boolean alive() {
                        return data.poll().isEmpty();
                    }

                    @Override
                    public void signal(Signal signal, boolean group) {
                        send(group ? "killpg" : "kill", signal);
                    }

                    @Override
                    public void timedOut() {
                        timedOut = true;
                    }

                    @Override
                    public void unresponsive() {
                        data.sendSignal(Signal.SIGKILL); // the connection hangs: give up on the remote side
                    }
                }, DeadlineKiller.SHARED, "remote pid " + remotePid + " on " + target.name());
        data.onExit().whenComplete((o, t) -> killer.cancel());
    }

    /** Sends one control line; returns the reply, or {@code null} when the lifeline is gone. */
    private synchronized String ask(String line) {
        try {
            control.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            control.flush();
            return readLine(replies);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private void send(String op, Signal s) {
        synchronized (this) {
            if (returnCode != null) {
                return; // finished: never signal a pid that may be reused
            }
            sentSignals.sent(s);
            ask(op + " " + s.name().substring(3));
        }
    }

    /**
     * Maps the data session's exit to the program's return code, once, and ends the lifeline.
     * Only an exit code of 255 (ssh's own failure, or the program's exit(255)) costs a question
     * to the lifeline; the lifeline's end is not waited for (it is reaped when it exits, and
     * killed if it has not within {@link #LIFELINE_GRACE}).
     */
    @Override
    synchronized int finish(int sshCode) {
        if (returnCode != null) {
            return returnCode;
        }
        int rc = sshCode;
        if (sshCode == 255) {
            String reply = ask("rc");
            if (reply != null && reply.startsWith("rc ") && !reply.equals("rc none")) {
                try {
                    rc = Integer.parseInt(reply.substring(3).trim());
                } catch (NumberFormatException e) {
                    rc = sshCode;
                }
            }
        }
        rc = sentSignals.returnCode(rc);
        returnCode = rc;
        lifeline.closeStreams(); // end of file: the lifeline sees the exit code recorded, cleans up, exits
        CompletableFuture.delayedExecutor(LIFELINE_GRACE.toMillis(), TimeUnit.MILLISECONDS).execute(() -> {
            if (lifeline.poll().isEmpty()) {
                lifeline.sendSignal(Signal.SIGKILL);
            }
        });
        lifeline.onExit(); // the backend reaps it when it exits, no thread waits
        return rc;
    }

    @Override
    public long pid() {
        return remotePid;
    }

    @Override
    public void sendSignal(Signal signal) {
        send("kill", signal);
    }

    @Override
    public void signalGroup(Signal signal) {
        send("killpg", signal);
    }

    @Override
    String where() {
        return target.name();
    }
}
