package dev.subprocess4j.internal.jdk;

import dev.subprocess4j.Redirect;
import dev.subprocess4j.Signal;
import dev.subprocess4j.internal.ChildProcess;
import dev.subprocess4j.internal.Deadlines;
import dev.subprocess4j.internal.CommunicateTimeout;
import dev.subprocess4j.internal.Log;
import dev.subprocess4j.internal.Outcome;
import dev.subprocess4j.internal.PumpThreads;
import dev.subprocess4j.internal.SpawnRequest;
import dev.subprocess4j.internal.lifecycle.DeadlineKiller;
import dev.subprocess4j.internal.lifecycle.DrainGrace;
import dev.subprocess4j.internal.lifecycle.OutputDelivery;
import dev.subprocess4j.internal.lifecycle.SignalLedger;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A child started by {@link ProcessBuilder}. Pipes the caller does not read directly
 * ({@code from}/{@code to}/{@code lines}, {@code communicate}) are pumped by virtual threads; the
 * command's deadline is the shared {@link DeadlineKiller}'s.
 */
final class JdkChild implements ChildProcess {
    private final Process process;
    private final SpawnRequest request;
    private final long pid;
    private final long startNanos;
    private final AtomicLong endNanos = new AtomicLong();
    private final SignalLedger sent = new SignalLedger();
    private volatile boolean timedOut;
    /** When the drain grace started: the exit after a deadline kill, or the deadline when the child had exited before it. */
    private volatile long drainFromNanos;
    /** Completed when {@link #timedOut} is set, so that waits already under way apply the drain grace. */
    private final CompletableFuture<Void> timedOutSignal = new CompletableFuture<>();
    /** Completed when the caller settled the piped streams: communication started, or the streams were closed. */
    private final CompletableFuture<Void> pipesSettled = new CompletableFuture<>();
    private final OutputDelivery delivery = new OutputDelivery();

    /** Pumps of to/lines/fd output redirects, started with the child; waits include them. */
    private final List<CompletableFuture<Void>> pumps = new ArrayList<>();
    private final CompletableFuture<Outcome> exit;

    /** The PIPE outputs as the caller reads them: interruptible, as the native backend's. */
    private final InputStream stdoutView;
    private final InputStream stderrView;

    private final Object communicateLock = new Object();
    private boolean communicationStarted;
    private JdkCapture stdoutCapture;
    private JdkCapture stderrCapture;

    JdkChild(Process process, SpawnRequest request, long startNanos) {
        this.process = process;
        this.request = request;
        this.pid = process.pid();
        this.startNanos = startNanos;
        this.stdoutView = request.stdio().stdout() == Redirect.PIPE
                ? new InterruptibleInputStream(process.getInputStream(), "stdout of pid " + pid) : null;
        this.stderrView = request.stdio().stderr() == Redirect.PIPE
                ? new InterruptibleInputStream(process.getErrorStream(), "stderr of pid " + pid) : null;
        pumps.addAll(JdkPumps.start(process, request, delivery));
        CompletableFuture<Void> pumpsDone = CompletableFuture.allOf(pumps.toArray(CompletableFuture[]::new))
                .exceptionally(t -> null);
        this.exit = process.onExit()
                .thenCombine(pumpsDone, (p, ignored) -> outcome(null, null));
        process.onExit().thenRun(this::logExit);
        armDeadline();
    }

    /**
     * The command's deadline: the shared {@link DeadlineKiller} kills the child; an exit before it
     * is judged by {@link #exitedBeforeTheDeadline} on a virtual thread of its own.
     */
    private void armDeadline() {
        long deadline = Deadlines.after(startNanos, request.lifetime().timeout().orElse(null));
        if (deadline == Deadlines.NEVER) {
            return;
        }
        DeadlineKiller killer = DeadlineKiller.arm(deadline, request.lifetime().killSignal(), request.lifetime().killGrace(), false, false,
                new DeadlineKiller.Target() {
                    @Override
                    public boolean alive() {
                        return process.isAlive();
                    }

                    @Override
                    public void signal(Signal signal, boolean group) {
                        sendSignal(signal);
                    }

                    @Override
                    public void timedOut() {
                        timedOut = true;
                        timedOutSignal.complete(null); // a wait under way (the child may have exited meanwhile) applies the grace
                    }
                }, DeadlineKiller.SHARED, "pid " + pid);
        process.onExit().thenRun(() -> {
            if (killer.cancel()) {
                PumpThreads.start("deadline-" + pid, () -> exitedBeforeTheDeadline(deadline));
            }
        });
    }

    /**
     * The child exited before its deadline: when the pipes the library drains (captured output,
     * {@code to}/{@code lines} pumps) are still open at the deadline, something the child started
     * holds them, and the call ends as a timeout: the drain grace starts at the deadline.
     * ProcessBuilder gives no group, so nothing else is killed (as Python's {@code run()}).
     */
    private void exitedBeforeTheDeadline(long deadline) throws InterruptedException {
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                break;
            }
            // Until communicate starts, its pipes may still be drained: wait for that (or the deadline).
            CompletableFuture<Void> next = pipesSettled.isDone() || !hasPipedOutput() ? drainedParts() : pipesSettled;
            try {
                next.get(left, TimeUnit.NANOSECONDS);
            } catch (ExecutionException e) {
                // a failed part is finished all the same
            } catch (TimeoutException e) {
                break;
            }
            if (next != pipesSettled && !drainingPipes()) {
                return;
            }
        }
        if (drainingPipes()) {
            // A reader that is only late (a loaded machine) reaches the end within the grace; the JDK
            // cannot ask whether some process still holds a pipe (the native backend polls for
            // POLLHUP), so only what is still open after the grace counts as held: the call then
            // ends at the deadline plus the grace, as any timeout.
            try {
                drainedParts().get(DrainGrace.DURATION.toNanos(), TimeUnit.NANOSECONDS);
            } catch (ExecutionException | TimeoutException e) {
                // a failed part is finished all the same; a part still running is judged below
            }
            if (!drainingPipes()) {
                return;
            }
            Log.get().log(Level.DEBUG, "pid {0,number,#} exited before its deadline ({1}), but its pipes are still held open",
                    pid, request.lifetime().timeout().orElse(null));
            drainFromNanos = deadline; // before timedOut: readers check timedOut first; the grace is over
            timedOut = true;
            timedOutSignal.complete(null);
        }
    }

    private boolean hasPipedOutput() {
        return request.stdio().stdout() == Redirect.PIPE || request.stdio().stderr() == Redirect.PIPE;
    }

    /** The pumps and, once communication started, its captures. */
    private CompletableFuture<Void> drainedParts() {
        List<CompletableFuture<Void>> parts = new ArrayList<>(pumps);
        synchronized (communicateLock) {
            if (stdoutCapture != null) {
                parts.add(stdoutCapture.done);
            }
            if (stderrCapture != null) {
                parts.add(stderrCapture.done);
            }
        }
        return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new));
    }

    /** Whether the library still drains a pipe of the child: a pump, or a capture of communicate. */
    private boolean drainingPipes() {
        return !drainedParts().isDone();
    }

    private void logExit() {
        markEnd();
        if (Log.get().isLoggable(Level.DEBUG)) {
            Log.get().log(Level.DEBUG, "pid {0,number,#} exited with {1} after {2} ms", pid, returnCodeNow(),
                    TimeUnit.NANOSECONDS.toMillis(endNanos.get() - startNanos));
        }
    }

    private void markEnd() {
        endNanos.compareAndSet(0, System.nanoTime());
    }

    /** The exit status, with the JDK's 128+N turned into -N when the library sent signal N. */
    private int returnCodeNow() {
        int code = process.exitValue();
        synchronized (sent) {
            return sent.returnCode(code);
        }
    }

    private Outcome outcome(byte[] out, byte[] err) {
        markEnd();
        return new Outcome(returnCodeNow(), out, err, pid, Duration.ofNanos(endNanos.get() - startNanos), null);
    }

    @Override
    public long pid() {
        return pid;
    }

    @Override
    public OutputStream stdin() {
        return request.stdio().stdin() == Redirect.PIPE ? process.getOutputStream() : null;
    }

    @Override
    public InputStream stdout() {
        return stdoutView;
    }

    @Override
    public InputStream stderr() {
        return stderrView;
    }

    @Override
    public OptionalInt poll() {
        return process.isAlive() ? OptionalInt.empty() : OptionalInt.of(returnCodeNow());
    }

    @Override
    public OptionalInt waitFor(Duration timeout) throws InterruptedException {
        long deadline = Deadlines.fromNow(timeout);
        if (timeout == null) {
            process.waitFor();
        } else if (!process.waitFor(Deadlines.nanos(timeout), TimeUnit.NANOSECONDS)) {
            return OptionalInt.empty();
        }
        markEnd();
        if (!awaitDrained(pumps, deadline)) {
            return OptionalInt.empty();
        }
        return OptionalInt.of(returnCodeNow());
    }

    /**
     * Whether a wait past its deadline goes on for the drain grace: the child exited before the
     * deadline and its pipes are not yet at their end, which on a loaded machine may only be a
     * reader not yet scheduled. The deadline watcher decides at the grace's end whether something
     * holds them (a timeout) or not.
     */
    private boolean lateReadersGetTheGrace(long deadline, long now) {
        return !timedOut && deadline != Long.MAX_VALUE && now - deadline >= 0 && !process.isAlive()
                && now - DrainGrace.endNanos(deadline) < 0;
    }

    /**
     * Waits until every future is done, or the deadline passes (false), or, after a timeout kill,
     * until the drain grace after the exit has passed (true: the pipes are then closed).
     */
    private boolean awaitDrained(List<CompletableFuture<Void>> parts, long deadline) throws InterruptedException {
        CompletableFuture<Void> all = CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new));
        while (true) {
            long now = System.nanoTime();
            long limit = deadline;
            boolean graceRuns = timedOut;
            if (graceRuns) {
                limit = Math.min(limit, DrainGrace.endNanos(drainFrom()));
            } else if (lateReadersGetTheGrace(deadline, now)) {
                limit = DrainGrace.endNanos(deadline);
            }
            // Until the deadline passes, also wake when it does: the drain grace then bounds the wait.
            CompletableFuture<?> until = graceRuns ? all : CompletableFuture.anyOf(all, timedOutSignal);
            try {
                if (limit == Long.MAX_VALUE) {
                    until.get();
                } else {
                    until.get(Math.max(0, limit - now), TimeUnit.NANOSECONDS);
                }
                if (all.isDone()) {
                    return true;
                }
            } catch (ExecutionException e) {
                if (all.isDone()) {
                    return true; // a failed pump has logged why; its stream is finished either way
                }
            } catch (TimeoutException e) {
                if (timedOut && DrainGrace.isOver(drainFrom())) {
                    Log.get().log(Level.DEBUG, "pid {0,number,#}: pipes still open {1} after the deadline (a grandchild holds them); closing",
                            pid, DrainGrace.DURATION);
                    closeDrainedStreams();
                    return true;
                }
                if (System.nanoTime() >= deadline && !lateReadersGetTheGrace(deadline, System.nanoTime())) {
                    return false;
                }
                // the child was killed for its deadline meanwhile, or exited before it: loop to apply the drain grace
            }
        }
    }

    @Override
    public Outcome communicate(byte[] input, Duration timeout) throws CommunicateTimeout, InterruptedException {
        long deadline = Deadlines.fromNow(timeout);
        List<CompletableFuture<Void>> parts = new ArrayList<>(pumps);
        synchronized (communicateLock) {
            if (!communicationStarted) {
                communicationStarted = true;
                startCommunication(input);
            } else if (input != null) {
                throw new IllegalStateException("Cannot send input after starting communication");
            }
            if (stdoutCapture != null) {
                parts.add(stdoutCapture.done);
            }
            if (stderrCapture != null) {
                parts.add(stderrCapture.done);
            }
        }
        if (timeout == null) {
            process.waitFor();
        } else if (!process.waitFor(Deadlines.nanos(timeout), TimeUnit.NANOSECONDS)) {
            throw timeoutWithPartialOutput();
        }
        markEnd();
        if (!awaitDrained(parts, deadline)) {
            throw timeoutWithPartialOutput();
        }
        return outcome(snapshot(stdoutCapture, false), snapshot(stderrCapture, false));
    }

    private CommunicateTimeout timeoutWithPartialOutput() {
        return new CommunicateTimeout(snapshot(stdoutCapture, true), snapshot(stderrCapture, true));
    }

    private static byte[] snapshot(JdkCapture c, boolean emptyAsNull) {
        if (c == null) {
            return null;
        }
        byte[] b = c.bytes();
        return emptyAsNull && b.length == 0 ? null : b;
    }

    /** When the drain grace started: at the deadline after an early exit, else at the exit (callers have marked it). */
    private long drainFrom() {
        long d = drainFromNanos;
        return d != 0 ? d : endNanos.get();
    }

    /** Closes every pipe the library drains (captured or pumped), after the drain grace. */
    private void closeDrainedStreams() {
        closeStreams();
        closeQuietly(process.getInputStream());
        closeQuietly(process.getErrorStream());
    }

    private void startCommunication(byte[] input) {
        OutputStream in = stdin();
        if (input != null && in == null) {
            throw new IllegalStateException("input given but stdin is not a pipe: start the command with stdin(Redirect.PIPE)");
        }
        if (in != null) {
            if (input == null || input.length == 0) {
                closeQuietly(in);
            } else {
                PumpThreads.start("input-" + pid, () -> {
                    try (in) {
                        in.write(input);
                    } catch (IOException e) {
                        // The child closed its stdin (EPIPE): ignored, as Python does.
                        Log.get().log(Level.DEBUG, "pid {0,number,#} did not read all its input: {1}", pid, e.toString());
                    }
                });
            }
        }
        InputStream out = stdout();
        if (out != null) {
            stdoutCapture = new JdkCapture(out, "stdout-" + pid);
        }
        InputStream err = stderr();
        if (err != null) {
            stderrCapture = new JdkCapture(err, "stderr-" + pid);
        }
        pipesSettled.complete(null);
    }

    @Override
    public void sendSignal(Signal signal) {
        if (signal != Signal.SIGTERM && signal != Signal.SIGKILL) {
            throw new UnsupportedOperationException("sendSignal(" + signal + ") is not supported by the " + JdkBackend.NAME
                    + " backend (ProcessBuilder sends only SIGTERM and SIGKILL); use the linux-native backend");
        }
        synchronized (sent) {
            // Once the JDK has reaped the child (isAlive false) the signal is a no-op, and must not be
            // recorded: an exit status of 128+N would then read as a death by signal N.
            if (!process.isAlive()) {
                return;
            }
            sent.sent(signal);
        }
        // Process.destroy does nothing once the JDK has reaped the child: no recycled pid is hit.
        if (signal == Signal.SIGKILL) {
            process.destroyForcibly();
        } else {
            process.destroy();
        }
    }

    @Override
    public void signalGroup(Signal signal) {
        throw new UnsupportedOperationException("signalGroup(" + signal + ") is not supported by the " + JdkBackend.NAME
                + " backend (ProcessBuilder cannot signal process groups); use the linux-native backend");
    }

    @Override
    public CompletableFuture<Outcome> onExit() {
        return exit.copy();
    }

    @Override
    public boolean timedOut() {
        return timedOut;
    }

    @Override
    public OutputDelivery.Failure deliveryFailure() {
        return delivery.failure();
    }

    /** {@code ProcessBuilder}, and the JDK's launch mechanism when one was set ({@code jdk.lang.Process.launchMechanism}). */
    @Override
    public String spawnPath() {
        String mechanism = System.getProperty("jdk.lang.Process.launchMechanism");
        return mechanism == null ? "ProcessBuilder" : "ProcessBuilder (" + mechanism + ")";
    }

    @Override
    public ProcessHandle toHandle() {
        return process.toHandle();
    }

    @Override
    public void closeStreams() {
        pipesSettled.complete(null);
        if (request.stdio().stdin() == Redirect.PIPE) {
            closeQuietly(process.getOutputStream());
        }
        if (stdoutView != null) {
            closeQuietly(stdoutView);
        }
        if (stderrView != null) {
            closeQuietly(stderrView);
        }
    }

    private static void closeQuietly(java.io.Closeable c) {
        try {
            c.close();
        } catch (IOException e) {
            // EPIPE on the final flush of stdin: the child is gone or closed it, as Python ignores
        }
    }
}
