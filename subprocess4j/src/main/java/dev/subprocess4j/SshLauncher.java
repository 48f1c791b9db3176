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
 * directory under {@code java.io.tmpdir}: {@code subprocess4j-ssh-<user>}, or a fresh random one
 * when another user holds that name), so a command costs no new handshake; the shared
 * connection stays open {@link #controlPersist(Duration) 60 s} after its last use, or until
 * {@link #disconnect()}. {@code BatchMode=yes} is always set: ssh never prompts.
 *
 * <h2>Semantics</h2>
 * <ul>
 *   <li>stdin, stdout and stderr: every {@link Redirect} works (files are the JVM's files,
 *       {@code PIPE}s are read and written by the JVM); input and capture as locally. The JVM's
 *       own fds 0-2 are never given to {@code ssh} (OpenSSH makes the fds it gets non-blocking,
 *       for the JVM too): stdin left at {@link Redirect#INHERIT} (or {@code fd(0)}) is empty, as
 *       {@code ssh -n}; stdout and stderr left at {@code INHERIT} reach the JVM's fds through a
 *       pump. Use {@code input}, {@code PIPE} or {@link Redirect#from} to feed the program.
 *   <li>{@link Command#cwd}, {@link Command#umask}, {@link Command#putEnv}, {@link Command#removeEnv},
 *       {@link Command#env} and {@link Command#clearEnv} apply on the remote host; the
 *       environment's base is the remote login environment, never the JVM's. The values never
 *       appear on a command line (local or remote): they go over the lifeline's stdin into a
 *       private file (0600) that the remote shell reads and applies with {@code export}. Names
 *       must be shell names ({@code [A-Za-z_][A-Za-z0-9_]*}); others are refused with
 *       {@link IllegalArgumentException} when the command starts.
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
 * with the JVM anyway, through the lifeline), {@code pty()} and {@link Redirect#fd} above 2.
 */
public final class SshLauncher extends LauncherBase implements Launcher {
    private static final Pattern OPTION_KEY = Pattern.compile("[A-Za-z][A-Za-z0-9]*");
    /** A host name or alias, or an IPv4 address: never an option, never shell or ssh syntax. */
    private static final Pattern HOST_NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]*");
    /** An IPv6 address (IPv4 tail and a zone allowed). */
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f]*:[0-9A-Fa-f:.]*(%[A-Za-z0-9_.-]+)?");
    /** The connection directory chosen per base directory, for the life of the JVM. */
    private static final Map<Path, Path> CONTROL_DIRECTORIES = new java.util.concurrent.ConcurrentHashMap<>();
    private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

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
     * @throws IllegalArgumentException unless {@code host} is a host name (letters, digits,
     *     {@code .}, {@code -} and {@code _}, not starting with {@code -}) or an IPv4 or IPv6
     *     address (without brackets; a zone such as {@code %eth0} allowed): never an option or
     *     text that ssh or a shell would read as syntax
     */
    public static SshLauncher to(String host) {
        Objects.requireNonNull(host, "host");
        if (host.contains("@")) {
            throw new IllegalArgumentException("host must not contain '@' (set the user with user(...)): '" + host + "'");
        }
        if (!HOST_NAME.matcher(host).matches() && !IPV6.matcher(host).matches()) {
            throw new IllegalArgumentException("host must be a host name (letters, digits, '.', '-', '_', not starting "
                    + "with '-') or an IPv4 or IPv6 address (without brackets): '" + host + "'");
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

    /** The command under ssh's client, run on {@code backend}; the options ssh cannot carry are refused. */
    @Override
    ChildProcess start(Command command, SpawnRequest request, Backend backend, boolean forRun) {
        command.refuseRemoteOptions(this);
        return SshChild.start(target(), request, command.inheritsEnv(), command.envChanges(), backend);
    }

    private SshTarget target() {
        return new SshTarget(program, host, user, port, identity, options, share ? controlDirectory() + "/%C" : null,
                controlPersist, name());
    }

    private static String controlDirectory() {
        return controlDirectory(Path.of(System.getProperty("java.io.tmpdir")));
    }

    /**
     * A directory only this user can use, for the shared connections' sockets:
     * {@code subprocess4j-ssh-<user>} under {@code base} when it is a directory (not a link) of
     * the JVM's effective uid with mode 0700 (created so when missing); else (another user created
     * it first, or it is a link or has another mode) a new one with a random name, mode 0700, used
     * by this JVM from then on. Nothing in a directory that is not ours is used or changed.
     *
     * @throws UncheckedIOException when no directory can be created under {@code base}
     */
    static String controlDirectory(Path base) {
        Path known = CONTROL_DIRECTORIES.get(base);
        if (known != null && isPrivate(known)) {
            return known.toString();
        }
        String user = System.getProperty("user.name");
        Path predictable = base.resolve("subprocess4j-ssh-" + user);
        java.nio.file.attribute.FileAttribute<Set<PosixFilePermission>> owner =
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));
        try {
            Files.createDirectory(predictable, owner);
        } catch (IOException e) {
            // exists (checked below), or the base is not writable (a fresh one fails below too)
        }
        Path chosen = predictable;
        for (int attempt = 0; !isPrivate(chosen); attempt++) {
            chosen = base.resolve("subprocess4j-ssh-" + user + "-" + Long.toHexString(RANDOM.nextInt() & 0xffffffffL));
            try {
                Files.createDirectory(chosen, owner); // the umask cannot widen 0700; isPrivate checks all
            } catch (java.nio.file.FileAlreadyExistsException e) {
                // taken: another name
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create the ssh connection directory " + chosen, e);
            }
            if (attempt > 100) {
                throw new IllegalStateException("no private ssh connection directory could be made under " + base);
            }
        }
        CONTROL_DIRECTORIES.put(base, chosen);
        return chosen.toString();
    }

    /** A directory, not a link, owned by the JVM's effective uid, with mode 0700. */
    private static boolean isPrivate(Path dir) {
        try {
            return Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)
                    && Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS).equals(PosixFilePermissions.fromString("rwx------"))
                    && ((Number) Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS)).longValue() == effectiveUid();
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** The JVM's effective uid, from {@code /proc/self/status}. */
    private static long effectiveUid() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"), java.nio.charset.StandardCharsets.US_ASCII)) {
            if (line.startsWith("Uid:")) {
                return Long.parseLong(line.substring(4).trim().split("\\s+")[1]);
            }
        }
        throw new IOException("no Uid line in /proc/self/status");
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
