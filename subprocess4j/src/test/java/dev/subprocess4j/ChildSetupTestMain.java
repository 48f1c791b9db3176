package dev.subprocess4j;

import java.util.ArrayList;
import java.util.List;

/**
 * A JVM of its own for {@link LinuxChildSetupTest}, on the linux-native backend; prints one line
 * of results and, in some modes, waits to be killed.
 *
 * <ul>
 *   <li>{@code kill-on-parent-exit}: starts {@code sleep 1000} three times: with
 *       {@code killOnParentExit()} from the main thread, with it from a short-lived thread that
 *       has ended by the time the line is printed, without it, and with it as user nobody. Prints
 *       {@code pids <main> <short-lived> <without> <nobody>}, then sleeps until killed.</li>
 *   <li>{@code unprivileged}: run as an ordinary user; tries the credential changes such a user
 *       may not make and prints {@code <case>=<step>/<errno name>} for each, or {@code <case>=ok:<output>}.</li>
 * </ul>
 */
public final class ChildSetupTestMain {
    private ChildSetupTestMain() {}

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "kill-on-parent-exit" -> killOnParentExit();
            case "unprivileged" -> unprivileged();
            default -> throw new IllegalArgumentException(args[0]);
        }
    }

    private static void killOnParentExit() throws Exception {
        Command sleep = Subprocess.command("sleep", "1000").stdin(Redirect.DEVNULL).stdout(Redirect.DEVNULL)
                .stderr(Redirect.DEVNULL);
        Popen fromMain = sleep.killOnParentExit().start();
        Popen[] fromThread = new Popen[1];
        Thread shortLived = Thread.ofPlatform().name("short-lived").start(() -> fromThread[0] = sleep.killOnParentExit().start());
        shortLived.join(); // its thread has ended: the child must live on as long as this JVM
        Popen without = sleep.start();
        Popen asNobody = sleep.killOnParentExit().user("nobody").start(); // set by the helper, after the user change
        System.out.println("pids " + fromMain.pid() + " " + fromThread[0].pid() + " " + without.pid() + " "
                + asNobody.pid());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }

    private static void unprivileged() {
        List<String> out = new ArrayList<>();
        out.add(attempt("user-root", Subprocess.command("id", "-u").user("root")));
        out.add(attempt("user-root-own-group", Subprocess.command("id", "-u").user("root").group("65534")));
        out.add(attempt("extra-group-root", Subprocess.command("id", "-G").extraGroups("0")));
        out.add(attempt("user-self", Subprocess.command("id", "-u").user("nobody")));
        out.add(attempt("raise-hard-nofile", Subprocess.command("true").rlimit(Rlimit.NOFILE, 1, hardNofile() + 1)));
        System.out.println(String.join(" ", out));
    }

    private static String attempt(String name, Command c) {
        try {
            return name + "=ok:" + c.captureOutput().run().stdout().strip();
        } catch (SpawnException e) {
            return name + "=" + e.step() + "/" + e.errnoName();
        }
    }

    private static long hardNofile() {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/limits"))) {
                if (line.startsWith("Max open files")) {
                    return Long.parseLong(line.substring(26).trim().split("\\s+")[1]);
                }
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        throw new IllegalStateException("no NOFILE line in /proc/self/limits");
    }
}
