package dev.subprocess4j;

import java.util.ArrayList;
import java.util.List;

/**
 * A JVM of its own for {@link LinuxChildSetupTest}, on the linux-native backend; prints one line
 * of results and, in some modes, waits to be killed.
 *
 * <ul>
 *   <li>{@code kill-on-parent-exit N}: starts N {@code sleep 1000} with {@code killOnParentExit()}
 *       (one from a short-lived thread that has ended by the time the pids are printed, two as user
 *       nobody, the rest from the main thread) and N without it. Prints {@code kill <pids>} and
 *       {@code keep <pids>}, then sleeps until killed.</li>
 *   <li>{@code unprivileged}: run as an ordinary user; tries the credential changes such a user
 *       may not make and prints {@code <case>=<step>/<errno name>} for each, or {@code <case>=ok:<output>}.</li>
 * </ul>
 */
public final class ChildSetupTestMain {
    private ChildSetupTestMain() {}

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "kill-on-parent-exit" -> killOnParentExit(Integer.parseInt(args[1]));
            case "unprivileged" -> unprivileged();
            default -> throw new IllegalArgumentException(args[0]);
        }
    }

    private static void killOnParentExit(int count) throws Exception {
        Command sleep = Subprocess.command("sleep", "1000").stdin(Redirect.DEVNULL).stdout(Redirect.DEVNULL)
                .stderr(Redirect.DEVNULL);
        List<Popen> kill = new ArrayList<>();
        Popen[] fromThread = new Popen[1];
        Thread shortLived = Thread.ofPlatform().name("short-lived").start(() -> fromThread[0] = sleep.killOnParentExit().start());
        shortLived.join(); // its thread has ended: the child must live on as long as this JVM
        kill.add(fromThread[0]);
        kill.add(sleep.killOnParentExit().user("nobody").start()); // set by the helper, after the user change
        kill.add(sleep.killOnParentExit().rlimit(Rlimit.CORE, 0, 0).user("nobody").group("daemon").start());
        while (kill.size() < count) {
            kill.add(sleep.killOnParentExit().start());
        }
        List<Popen> keep = new ArrayList<>();
        while (keep.size() < count) {
            keep.add(sleep.start());
        }
        System.out.println("kill " + String.join(" ", kill.stream().map(p -> Long.toString(p.pid())).toList()));
        System.out.println("keep " + String.join(" ", keep.stream().map(p -> Long.toString(p.pid())).toList()));
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
