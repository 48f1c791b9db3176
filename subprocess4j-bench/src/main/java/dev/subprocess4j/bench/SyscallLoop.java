package dev.subprocess4j.bench;

import dev.subprocess4j.Command;
import dev.subprocess4j.Subprocess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The loop that {@code syscalls.sh} runs under {@code strace -f}: warms up, then marks the start and
 * the end of N calls with a {@code stat} of a path that does not exist ({@code /s4j-mark-begin},
 * {@code /s4j-mark-end}), so the script counts only the system calls of the measured calls, per
 * thread (the caller, the reactor, the children before their exec).
 *
 * <p>Usage: {@code SyscallLoop WORK WARMUP N}, WORK one of {@code true} (library
 * {@code Subprocess.run("/bin/true")}), {@code echo} (library {@code /bin/echo test} with
 * {@code captureOutput()}), {@code floor} ({@link Floor}: FFM {@code posix_spawn} +
 * {@code waitpid} of {@code /bin/true}), {@code fresh-true} and {@code fresh-echo} (the same as true and echo
 * with a new {@code Command} per call, {@code Subprocess.run("/bin/true")}, as a user writes it).
 */
public final class SyscallLoop {
    private SyscallLoop() {
    }

    public static void main(String[] args) throws Throwable {
        String work = args[0];
        int warmup = Integer.parseInt(args[1]);
        int n = Integer.parseInt(args[2]);
        Command trueCmd = Subprocess.command("/bin/true");
        Command echoCmd = Subprocess.command(List.of("/bin/echo", "test")).captureOutput();
        try (Floor floor = new Floor("/bin/true")) {
            ThrowingRunnable call = switch (work) {
                case "true" -> () -> check(trueCmd.run().returnCode() == 0);
                case "echo" -> () -> check(EchoBenchmark.check(echoCmd.run().stdoutBytes()).length == 5);
                case "floor" -> () -> check(floor.spawnAndWait() == 0);
                case "fresh-true" -> () -> check(Subprocess.run("/bin/true").returnCode() == 0);
                case "fresh-echo" -> () -> check(EchoBenchmark.check(
                        Subprocess.command("/bin/echo", "test").captureOutput().run().stdoutBytes()).length == 5);
                default -> throw new IllegalArgumentException(
                        "work: true, echo, floor, fresh-true or fresh-echo, not " + work);
            };
            for (int i = 0; i < warmup; i++) {
                call.run();
            }
            Files.exists(Path.of("/s4j-mark-begin"));
            for (int i = 0; i < n; i++) {
                call.run();
            }
            Files.exists(Path.of("/s4j-mark-end"));
        }
    }

    private static void check(boolean ok) {
        if (!ok) {
            throw new IllegalStateException("unexpected result");
        }
    }

    private interface ThrowingRunnable {
        void run() throws Throwable;
    }
}
