package dev.subprocess4j;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;

/**
 * A real OpenSSH server for the remote-launcher tests: {@code /usr/sbin/sshd} on 127.0.0.1 with
 * its own configuration, host key, client key and port in a directory of the test's, started
 * with {@code -D} as a child of the test JVM and stopped by {@link #close()}. Nothing in
 * {@code /etc} is read or changed. When sshd is missing, {@code src/test/remote/install-engines.sh}
 * installs the Debian package first (as root); when that fails, the test fails saying so.
 */
public final class SshServer implements AutoCloseable {
    private static final Path SSHD = Path.of("/usr/sbin/sshd");

    private final Path dir;
    private final int port;
    private final Popen sshd;

    private SshServer(Path dir, int port, Popen sshd) {
        this.dir = dir;
        this.port = port;
        this.sshd = sshd;
    }

    /** Starts a server in {@code dir} with a new host key and a new client key. */
    public static SshServer start(Path dir) throws IOException, InterruptedException {
        return start(dir, null);
    }

    /**
     * Starts a server in {@code dir}; with {@code clientKeyFrom}, it trusts the client key of
     * another server's directory (one identity for several "hosts").
     */
    public static SshServer start(Path dir, Path clientKeyFrom) throws IOException, InterruptedException {
        ensureInstalled();
        Files.createDirectories(Path.of("/run/sshd")); // sshd's privilege-separation directory
        keygen(dir.resolve("host_key"));
        if (clientKeyFrom == null) {
            keygen(dir.resolve("client_key"));
        } else {
            Files.copy(clientKeyFrom.resolve("client_key"), dir.resolve("client_key"));
            Files.copy(clientKeyFrom.resolve("client_key.pub"), dir.resolve("client_key.pub"));
        }
        Files.copy(dir.resolve("client_key.pub"), dir.resolve("authorized_keys"));
        int port = freePort();
        Files.writeString(dir.resolve("known_hosts"),
                "[127.0.0.1]:" + port + " " + Files.readString(dir.resolve("host_key.pub")), UTF_8);
        Files.writeString(dir.resolve("sshd_config"), String.join("\n",
                "ListenAddress 127.0.0.1",
                "Port " + port,
                "HostKey " + dir.resolve("host_key"),
                "AuthorizedKeysFile " + dir.resolve("authorized_keys"),
                "PermitRootLogin prohibit-password",
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "UsePAM no",
                "StrictModes no",
                "PidFile none",
                "MaxSessions 100",
                "MaxStartups 100:30:200",
                "LogLevel ERROR",
                "AcceptEnv TMPDIR", // SshLauncherTest points the remote private directory elsewhere
                ""), UTF_8);
        Popen sshd = Subprocess.command(SSHD.toString(), "-D", "-e", "-f", dir.resolve("sshd_config").toString())
                .stdin(Redirect.DEVNULL).stdout(Redirect.DEVNULL).stderr(Redirect.append(dir.resolve("sshd.log")))
                .killOnParentExit() // a killed test JVM leaves no sshd behind
                .start();
        SshServer server = new SshServer(dir, port, sshd);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        // Readiness from /proc/net/tcp rather than a test connection: no socket of the JVM's own
        // (the leak check counts the JVM's fds).
        while (!listening().contains(port)) {
            if (sshd.poll().isPresent() || System.nanoTime() > deadline) {
                server.close();
                throw new IllegalStateException("sshd did not start on port " + port + ": "
                        + Files.readString(dir.resolve("sshd.log")));
            }
            Thread.sleep(20);
        }
        return server;
    }

    private static void ensureInstalled() {
        if (Files.isExecutable(SSHD)) {
            return;
        }
        CompletedProcess r = Subprocess.command("sh", remoteScript("install-engines.sh").toString())
                .stdin(Redirect.DEVNULL).captureOutput().stderr(Redirect.STDOUT).run();
        if (r.returnCode() != 0 || !Files.isExecutable(SSHD)) {
            throw new IllegalStateException("the ssh tests need " + SSHD + "; src/test/remote/install-engines.sh failed ("
                    + r.returnCode() + "): " + r.stdout());
        }
    }

    /**
     * A script of {@code subprocess4j/src/test/remote/}, found from the library's module directory
     * or from a sibling module's (the CLI's tests run there).
     */
    public static Path remoteScript(String name) {
        Path here = Path.of("src/test/remote", name);
        if (Files.exists(here)) {
            return here;
        }
        return Path.of("..", "subprocess4j", "src", "test", "remote", name);
    }

    private static void keygen(Path key) {
        Subprocess.command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key.toString())
                .stdin(Redirect.DEVNULL).captureOutput().check().run();
        try {
            Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** A port nothing listens on (sshd fails on a race, and the test says so). */
    private static int freePort() throws IOException {
        java.util.Set<Integer> used = listening();
        java.util.Random r = new java.util.Random();
        while (true) {
            int port = 20_000 + r.nextInt(30_000);
            if (!used.contains(port)) {
                return port;
            }
        }
    }

    /** The TCP ports in LISTEN state on this machine. */
    public static java.util.Set<Integer> listeningPorts() throws IOException {
        return listening();
    }

    private static java.util.Set<Integer> listening() throws IOException {
        java.util.Set<Integer> ports = new java.util.HashSet<>();
        for (String file : new String[] {"/proc/net/tcp", "/proc/net/tcp6"}) {
            if (!Files.exists(Path.of(file))) {
                continue;
            }
            for (String line : Files.readAllLines(Path.of(file))) {
                String[] f = line.trim().split("\\s+");
                if (f.length > 3 && f[3].equals("0A")) {
                    String local = f[1];
                    ports.add(Integer.parseInt(local.substring(local.lastIndexOf(':') + 1), 16));
                }
            }
        }
        return ports;
    }

    public Path dir() {
        return dir;
    }

    public int port() {
        return port;
    }

    /** A launcher that logs in to this server as the JVM's user with the generated key. */
    public SshLauncher launcher() {
        return launcherFor(dir, port);
    }

    /** The launcher for a server in {@code dir} on {@code port}; for JVMs of their own. */
    public static SshLauncher launcherFor(Path dir, int port) {
        return SshLauncher.to("127.0.0.1").user(System.getProperty("user.name")).port(port)
                .identity(dir.resolve("client_key"))
                .option("UserKnownHostsFile", dir.resolve("known_hosts").toString())
                .option("StrictHostKeyChecking", "yes")
                .option("LogLevel", "ERROR");
    }

    @Override
    public void close() {
        try {
            launcher().disconnect();
        } catch (RuntimeException e) {
            // no shared connection
        }
        sshd.terminate();
        sshd.waitFor();
    }
}
