package dev.subprocess4j;

import dev.subprocess4j.internal.BackendSelector;

/**
 * Run in a separate JVM by {@link BackendSelectionTest}: prints the backend this JVM chose, why
 * the others are unavailable, and what a child received as its first argument (or the error).
 */
public final class BackendProbeMain {
    private BackendProbeMain() {}

    /**
     * With no argument: the backend, why others are unavailable, and a child's argument. With
     * {@code calls N}: N runs of {@code true}, each printing {@code call=OK} or the throwable's class
     * and message (an {@code Error} included), and nothing else that could touch a backend.
     */
    public static void main(String[] args) {
        if (args.length == 2 && args[0].equals("calls")) {
            for (int i = 0; i < Integer.parseInt(args[1]); i++) {
                try {
                    Subprocess.command("true").run();
                    System.out.println("call=OK backend=" + Subprocess.backend());
                } catch (Throwable e) {
                    System.out.println("call=" + e.getClass().getName() + ": " + e.getMessage());
                }
            }
            return;
        }
        if (args.length == 1 && args[0].equals("bytes")) {
            printBytes();
            return;
        }
        System.out.println("backend=" + Subprocess.backend());
        System.out.println("unavailable=" + BackendSelector.unavailable());
        String word = "caf\u00e9-\u2603";
        try {
            String out = Subprocess.command("printf", "%s", word).stdout(Redirect.PIPE).run().stdout();
            System.out.println("child-argv-equal=" + out.equals(word));
        } catch (RuntimeException e) {
            System.out.println("error=" + e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    /**
     * What a child received, in hex: a String argument and a String environment value
     * {@code "café ü"}, then the bytes {@code ff fe c3} as an argument and as a value.
     */
    private static void printBytes() {
        System.out.println("backend=" + Subprocess.backend() + " jnu=" + System.getProperty("sun.jnu.encoding"));
        String word = "caf\u00e9 \u00fc";
        byte[] raw = {(byte) 0xff, (byte) 0xfe, (byte) 0xc3};
        byte[] printf = "printf".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        byte[] format = "%s".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        report("string-arg", () -> Subprocess.command("printf", "%s", word));
        report("string-env", () -> Subprocess.command("sh", "-c", "printf %s \"$V\"").putEnv("V", word));
        report("bytes-arg", () -> Subprocess.command(printf, format, raw));
        report("bytes-env", () -> Subprocess.command("sh", "-c", "printf %s \"$V\"")
                .putEnv("V".getBytes(java.nio.charset.StandardCharsets.US_ASCII), raw));
    }

    private static void report(String what, java.util.function.Supplier<Command> command) {
        try {
            byte[] out = command.get().stdout(Redirect.PIPE).run().stdoutBytes();
            System.out.println(what + "=" + java.util.HexFormat.of().formatHex(out));
        } catch (RuntimeException e) {
            System.out.println(what + "=" + e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }
}
