package dev.subprocess4j.internal.remote;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * How to reach one host with the system's OpenSSH client.
 *
 * @param program the ssh client ({@code ssh}, looked up in the JVM's PATH)
 * @param host the host name or address
 * @param user the remote user, or {@code null} for ssh's default
 * @param port the port, or {@code null} for ssh's default
 * @param identity the private key file, or {@code null}
 * @param options extra {@code -o key=value} options, in order
 * @param controlPath the shared connection's socket path (ssh's {@code %} tokens allowed), or
 *     {@code null} for no connection sharing
 * @param controlPersist how long the shared connection stays open when idle
 * @param name the launcher's name for messages
 */
public record SshTarget(String program, String host, String user, Integer port, Path identity,
        Map<String, String> options, String controlPath, Duration controlPersist, String name) {

    /** The ssh argv that runs {@code remoteCommand} (given to the remote login shell). */
    public List<String> argv(String remoteCommand) {
        return argv(remoteCommand, true);
    }

    /**
     * The ssh argv that runs {@code remoteCommand}; without {@code mayCreateMaster} it uses a
     * shared connection when one is open and connects on its own otherwise (so two sessions
     * started together do not both try to become the master).
     */
    public List<String> argv(String remoteCommand, boolean mayCreateMaster) {
        List<String> a = base(mayCreateMaster ? "auto" : "no");
        a.add("-T");
        a.add("--");
        a.add(host);
        a.add(remoteCommand);
        return a;
    }

    /** The ssh argv of a control command ({@code -O exit}, {@code -O check}). */
    public List<String> controlArgv(String operation) {
        List<String> a = base("auto");
        a.add("-O");
        a.add(operation);
        a.add("--");
        a.add(host);
        return a;
    }

    private List<String> base(String controlMaster) {
        List<String> a = new ArrayList<>();
        a.add(program);
        a.add("-o");
        a.add("BatchMode=yes");
        if (user != null) {
            a.add("-l");
            a.add(user);
        }
        if (port != null) {
            a.add("-p");
            a.add(port.toString());
        }
        if (identity != null) {
            a.add("-i");
            a.add(identity.toString());
            a.add("-o");
            a.add("IdentitiesOnly=yes");
        }
        if (controlPath != null) {
            a.add("-o");
            a.add("ControlMaster=" + controlMaster);
            a.add("-o");
            a.add("ControlPath=" + controlPath);
            a.add("-o");
            a.add("ControlPersist=" + Math.max(1, controlPersist.toSeconds()));
        }
        options.forEach((k, v) -> {
            a.add("-o");
            a.add(k + "=" + v);
        });
        return a;
    }
}
