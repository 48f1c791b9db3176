package dev.subprocess4j.internal.jdk;

import dev.subprocess4j.Redirect;
import dev.subprocess4j.internal.Log;
import dev.subprocess4j.internal.PumpThreads;
import dev.subprocess4j.internal.SpawnRequest;
import dev.subprocess4j.internal.TextCodec;
import dev.subprocess4j.internal.lifecycle.OutputDelivery;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** The pumps of a {@link JdkChild}: {@code from} into its stdin, {@code to}/{@code lines}/fd redirects out of its stdout and stderr, on virtual threads. */
final class JdkPumps {
    static final int CHUNK = 64 * 1024;

    private final Process process;
    private final SpawnRequest request;
    private final long pid;
    private final OutputDelivery delivery;
    private final List<CompletableFuture<Void>> pumps = new ArrayList<>();

    private JdkPumps(Process process, SpawnRequest request, OutputDelivery delivery) {
        this.process = process;
        this.request = request;
        this.pid = process.pid();
        this.delivery = delivery;
    }

    /** Starts the pumps of a new child: the stdin pump (not waited for), and the output pumps, returned. */
    static List<CompletableFuture<Void>> start(Process process, SpawnRequest request, OutputDelivery delivery) {
        JdkPumps p = new JdkPumps(process, request, delivery);
        p.startAll();
        return p.pumps;
    }

    private void startAll() {
        if (request.stdio().stdin() instanceof Redirect.FromStream(InputStream in)) {
            OutputStream to = process.getOutputStream();
            // Not in pumps, so nothing waits for it: once the child has exited it can take no
            // more input, and a stream with no data yet (System.in, a socket) must not hold
            // run()/waitFor(). The pump ends at the stream's end or its next write (EPIPE).
            PumpThreads.start("stdin-" + pid, () -> {
                try (to) {
                    in.transferTo(to);
                } catch (IOException e) {
                    Log.get().log(Level.DEBUG, "pid {0,number,#} stopped reading stdin: {1}", pid, e.toString());
                }
            });
        }
        startOutputPump(request.stdio().stdout(), process.getInputStream(), "stdout", 1);
        if (request.stdio().stderr() != Redirect.STDOUT) {
            startOutputPump(request.stdio().stderr(), process.getErrorStream(), "stderr", 2);
        }
    }

    private void startOutputPump(Redirect redirect, InputStream from, String name, int own) {
        String thread = name + "-" + pid;
        switch (redirect) {
            case Redirect.ToStream(OutputStream out) -> pumps.add(PumpThreads.start(thread, () -> copy(from, out, name)));
            case Redirect.Fd(int fd) when fd != own -> {
                OutputStream jvmStream = new FileOutputStream(fd == 1 ? FileDescriptor.out : FileDescriptor.err);
                pumps.add(PumpThreads.start(thread, () -> copy(from, jvmStream, name)));
            }
            case Redirect.Lines(var perLine) -> pumps.add(PumpThreads.start(thread, () -> {
                TextCodec.LineSplitter lines = request.stdio().text().new LineSplitter(perLine);
                boolean delivering = true;
                try (from) {
                    byte[] buffer = new byte[CHUNK];
                    int n;
                    while ((n = from.read(buffer)) > 0) {
                        if (delivering) {
                            try {
                                lines.feed(buffer, 0, n);
                            } catch (Throwable e) { // an Error from a consumer too: a dead pump would block the child
                                // Keep draining so the child never blocks on a full pipe; the wait then fails with it.
                                delivering = false;
                                delivery.failed(pid, name, e);
                            }
                        }
                    }
                } catch (IOException e) {
                    Log.get().log(Level.DEBUG, "pid {0,number,#} {1} closed: {2}", pid, name, e.toString());
                }
                if (delivering) {
                    try {
                        lines.finish();
                    } catch (Throwable e) { // the consumer of the last line
                        delivery.failed(pid, name, e);
                    }
                }
            }));
            default -> { } // PIPE is the caller's; the rest is set up by ProcessBuilder
        }
    }

    /** Copies to the end; the target is flushed, not closed (it is the caller's, or the JVM's fd). */
    private void copy(InputStream from, OutputStream to, String name) {
        byte[] buffer = new byte[CHUNK];
        boolean targetOk = true;
        try (from) {
            int n;
            while ((n = from.read(buffer)) > 0) {
                if (targetOk) {
                    try {
                        to.write(buffer, 0, n);
                    } catch (Throwable e) { // a RuntimeException or Error too: a dead pump would block the child
                        // Keep draining so the child never blocks on a full pipe; the wait then fails with it.
                        targetOk = false;
                        delivery.failed(pid, name, e);
                    }
                }
            }
        } catch (IOException e) {
            Log.get().log(Level.DEBUG, "pid {0,number,#} output closed: {1}", pid, e.toString());
        }
        if (targetOk) {
            try {
                to.flush();
            } catch (Throwable e) {
                delivery.failed(pid, name, e);
            }
        }
    }
}
