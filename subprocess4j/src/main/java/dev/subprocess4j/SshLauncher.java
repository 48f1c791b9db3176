package dev.subprocess4j;

import dev.subprocess4j.internal.Backend;
import dev.subprocess4j.internal.ChildProcess;
import dev.subprocess4j.internal.SpawnRequest;
import dev.subprocess4j.internal.remote.SshChild;
import dev.subprocess4j.internal.remote.SshTarget;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Runs commands on another host through the system's OpenSSH client ({@code ssh}), with the
 * semantics of a local run. Immutable; share one value between threads.
 *
 * {@snippet :
 * SshLauncher host = SshLauncher.to("build-1").user("ci").port(2222).identity(Path.of("/etc/ci/id_ed25519"));
 * CompletedProcess r = Subprocess.command("uname", "-a").on(host).captureOutput().check().run();
 * }
 *
 * <h2>How it works</h2>
 * Every argument is quoted with {@link Shlex#quote}, so argv reaches the remote program byte
 * for byte whatever it contains; the remote login shell must read POSIX quoting (sh, dash, bash,
 * ksh and zsh do; csh and fish do not). The remote program runs under a small {@code sh}
 * supervisor in a session of its own ({@code setsid}, from util-linux, must be on the remote
 * PATH). A second ssh session on the same connection, the <em>lifeline</em>, carries signals and
 * the exit status; when it ends while the program runs (the JVM died, or ssh was killed), the
 * remote process group is killed. By default the two sessions, and every later command to the
 * same host, share one connection ({@code ControlMaster=auto}, with the socket in a private
 * directory under {@code java.io.tmpdir}), so a command costs no new handshake; the shared
 * connection stays open {@link #controlPersist(Duration) 60 s} after its last use, or until
 * {@link #disconnect()}. {@code BatchMode=yes} is always set: ssh never prompts.
 *
 * <h2>Semantics</h2>
 * <ul>
 *   <li>stdin, stdout and stderr: every {@link Redirect} works (files are the JVM's files,
 *       {@code PIPE}s are read and written by the JVM); input and capture as locally.
 *   <li>{@link Command#cwd}, {@link Command#umask}, {@link Command#putEnv}, {@link Command#removeEnv},
 *       {@link Command#env} and {@link Command#clearEnv} apply on the remote host; the
 *       environment's base is the remote login environment, never the JVM's.
 *   <li>A missing program or directory raises {@link SpawnException} with the errno a local
 *       spawn gives ({@code ENOENT}, {@code EACCES}, {@code ENOTDIR}); a host that cannot be
 *       reached raises it with step {@link SpawnException.Step#CONNECT} and ssh's message.
 *   <li>The return code is the program's. A death by a signal the library sent (timeout,
 *       {@link Popen#terminate()}, {@link Popen#kill()}, {@link Popen#sendSignal}) is the negative
 *       signal number; a death by a signal sent by someone else reads as {@code 128+N} (the
 *       remote shell cannot tell it from {@code exit(128+N)}). A connection lost while the
 *       command runs gives ssh's 255.
 *   <li>A timeout sends {@link Command#killSignal} and, after the grace, SIGKILL to the remote
 *       program's process group (it always leads one).
 *   <li>{@link Popen#pid()} is the remote pid; {@link Popen#toHandle()} and
 *       {@link CompletedProcess#usage()} are not available.
 * </ul>
 * Refused with {@link UnsupportedOperationException}: {@code passFds}, {@code closeFds(false)},
 * {@code executable}, {@code processGroup}, {@code user}, {@code group}, {@code extraGroups},
 * {@code rlimit}, {@code restoreSignals(false)}, {@code killOnParentExit} (a remote program dies
 * with the JVM anyway, through the lifeline) and {@link Redirect#fd} above 2.
 */
public final class SshLauncher implements Launcher {
    private static final Pattern OPTION_KEY = Pattern.compile("[A-Za-z][A-Za-z0-9]*");

    private final String program;
    private final String host;
    private final String user;
    private final Integer port;
    private final Path identity;
    private final Map<String, String> options;
    private final boolean share;
    private final Duration controlPersist;

    private SshLauncher(String program, String host, String user, Integer port, Path identity,
            Map<String, String> options, boolean share, Duration controlPersist) {
        this.program = program;
        this.host = host;
        this.user = user;
        this.port = port;
        this.identity = identity;
        this.options = options;
        this.share = share;
        this.controlPersist = controlPersist;
    }

    /**
     * A launcher for {@code host} (a name or address, as ssh takes it, without a user).
     *
     * @throws IllegalArgumentException for an empty host, or one with whitespace, {@code @}, NUL
     *     or a leading {@code -}
     */
    public static SshLauncher to(String host) {
        Objects.requireNonNull(host, "host");
        checkWord(host, "host");
        if (host.contains("@")) {
            throw new IllegalArgumentException("host must not contain '@' (set the user with user(...)): '" + host + "'");
        }
        return new SshLauncher("ssh", host, null, null, null, Map.of(), true, Duration.ofSeconds(60));
    }

    private static void checkWord(String value, String what) {
        if (value.isEmpty() || value.startsWith("-") || value.chars().anyMatch(c -> c == 0 || Character.isWhitespace(c))) {
            throw new IllegalArgumentException(what + " must be non-empty, without whitespace or NUL, and not start with '-': '"
                    + value + "'");
        }
    }

    /** Logs in as {@code user} ({@code ssh -l}). */
    public SshLauncher user(String user) {
        Objects.requireNonNull(user, "user");
        checkWord(user, "user");
        return new SshLauncher(program, host, user, port, identity, options, share, controlPersist);
    }

    /**
     * Connects to {@code port} ({@code ssh -p}).
     *
     * @throws IllegalArgumentException outside 1..65535
     */
    public SshLauncher port(int port) {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port must be in 1..65535: " + port);
        }
        return new SshLauncher(program, host, user, port, identity, options, share, controlPersist);
    }

    /** Authenticates with the private key in {@code keyFile} only ({@code ssh -i}, {@code IdentitiesOnly=yes}). */
    public SshLauncher identity(Path keyFile) {
        Objects.requireNonNull(keyFile, "keyFile");
        return new SshLauncher(program, host, user, port, keyFile, options, share, controlPersist);
    }

    /**
     * Adds {@code -o key=value} (e.g. {@code UserKnownHostsFile}, {@code ConnectTimeout}); a later
     * value for the same key replaces the earlier.
     *
     * @throws IllegalArgumentException for a key that is not a word, or a value with a newline or NUL
     */
    public SshLauncher option(String key, String value) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        if (!OPTION_KEY.matcher(key).matches()) {
            throw new IllegalArgumentException("ssh option key must be a word: '" + key + "'");
        }
        if (value.chars().anyMatch(c -> c == 0 || c == '\n' || c == '\r')) {
            throw new IllegalArgumentException("ssh option " + key + " must not contain a newline or NUL");
        }
        Map<String, String> copy = new LinkedHashMap<>(options);
        copy.remove(key);
        copy.put(key, value);
        return new SshLauncher(program, host, user, port, identity, Collections.unmodifiableMap(copy), share,
                controlPersist);
    }

    /** Whether commands share one connection per host (default {@code true}). */
    public SshLauncher connectionSharing(boolean on) {
        return new SshLauncher(program, host, user, port, identity, options, on, controlPersist);
    }

    /**
     * How long a shared connection stays open after its last command (default 60 s).
     *
     * @throws IllegalArgumentException for a duration under one second
     */
    public SshLauncher controlPersist(Duration idle) {
        Objects.requireNonNull(idle, "idle");
        if (idle.toSeconds() < 1) {
            throw new IllegalArgumentException("controlPersist must be at least 1 s: " + idle);
        }
        return new SshLauncher(program, host, user, port, identity, options, share, idle);
    }

    /** Uses another ssh client program (default {@code ssh} from the JVM's PATH). */
    public SshLauncher sshProgram(String program) {
        Objects.requireNonNull(program, "program");
        checkWord(program, "sshProgram");
        return new SshLauncher(program, host, user, port, identity, options, share, controlPersist);
    }

    /** The host. */
    public String host() {
        return host;
    }

    @Override
    public String name() {
        return "ssh " + (user != null ? user + "@" : "") + host + (port != null ? ":" + port : "");
    }

    /**
     * Closes the shared connection to this host now ({@code ssh -O exit}), if one is open; running
     * commands on it end with ssh's 255. Does nothing without connection sharing.
     */
    public void disconnect() {
        if (!share) {
            return;
        }
        SshTarget t = target();
        Subprocess.command(t.controlArgv("exit")).stdin(Redirect.DEVNULL).stdout(Redirect.DEVNULL)
                .stderr(Redirect.DEVNULL).run();
    }

    ChildProcess start(SpawnRequest request, boolean inheritEnv, Map<String, String> envChanges, Backend backend) {
        return SshChild.start(target(), request, inheritEnv, envChanges, backend);
    }

    private SshTarget target() {
        return new SshTarget(program, host, user, port, identity, options, share ? controlDirectory() + "/%C" : null,
                controlPersist, name());
    }

    /** A directory only this user can use, for the shared connections' sockets. */
    private static String controlDirectory() {
        Path dir = Path.of(System.getProperty("java.io.tmpdir"), "subprocess4j-ssh-" + System.getProperty("user.name"));
        try {
            Set<PosixFilePermission> owner = PosixFilePermissions.fromString("rwx------");
            if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
                try {
                    Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(owner));
                } catch (java.nio.file.FileAlreadyExistsException e) {
                    // created by another thread: checked below
                }
            }
            boolean ok = Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)
                    && Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS).equals(owner)
                    && Files.getOwner(dir, LinkOption.NOFOLLOW_LINKS).getName().equals(System.getProperty("user.name"));
            if (!ok) {
                throw new IllegalStateException("the ssh connection directory " + dir
                        + " is not a private directory (mode 0700, owned by " + System.getProperty("user.name") + ")");
            }
            return dir.toString();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the ssh connection directory " + dir, e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SshLauncher l && program.equals(l.program) && host.equals(l.host)
                && Objects.equals(user, l.user) && Objects.equals(port, l.port) && Objects.equals(identity, l.identity)
                && options.equals(l.options) && share == l.share && controlPersist.equals(l.controlPersist);
    }

    @Override
    public int hashCode() {
        return Objects.hash(program, host, user, port, identity, options, share, controlPersist);
    }

    @Override
    public String toString() {
        return "SshLauncher[" + name() + "]";
    }
}
