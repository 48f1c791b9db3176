package dev.subprocess4j.cli.parallel;

import dev.subprocess4j.Launcher;
import dev.subprocess4j.SlurmLauncher;
import dev.subprocess4j.SshLauncher;
import dev.subprocess4j.cli.Main;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The launchers of --sshlogin and --slurm, with their slots. */
final class Launchers {
    /** {@code [N/][user@]host[:port]} or {@code :}. */
    private static final Pattern LOGIN = Pattern.compile("(?:(\\d+)/)?(?:([^@/:\\s]+)@)?(:|[^@/:\\s]+)(?::(\\d{1,5}))?");

    private Launchers() {}

    /**
     * The launchers with their slots, or {@code null} to run everything here with -j slots.
     *
     * @throws IllegalArgumentException for a malformed login or option, naming it
     */
    static Map<Launcher, Integer> of(ParallelOptions o, int defaultSlots) {
        if (o.sshLogins.isEmpty() && !o.slurm) {
            if (o.sshIdentity != null || !o.sshOptions.isEmpty() || o.partition != null || o.slurmConf != null) {
                throw new IllegalArgumentException(
                        "--ssh-identity, --ssh-option, --partition and --slurm-conf need --sshlogin or --slurm");
            }
            return null;
        }
        Map<Launcher, Integer> m = new LinkedHashMap<>();
        for (String login : o.sshLogins) {
            Matcher x = LOGIN.matcher(login.strip());
            if (!x.matches()) {
                throw new IllegalArgumentException(
                        "--sshlogin entries look like [N/][user@]host[:port] or ':': '" + Main.oneLine(login) + "'");
            }
            int slots = defaultSlots;
            if (x.group(1) != null) {
                slots = Integer.parseInt(x.group(1));
                if (slots < 1) {
                    throw new IllegalArgumentException("--sshlogin needs 1 or more jobs: '" + login + "'");
                }
            }
            m.merge(x.group(3).equals(":") ? Launcher.local() : ssh(o, x), slots, Integer::sum);
        }
        if (o.slurm) {
            SlurmLauncher s = SlurmLauncher.create();
            if (o.partition != null) {
                s = s.partition(o.partition);
            }
            if (o.slurmConf != null) {
                s = s.slurmConf(o.slurmConf);
            }
            m.merge(s, defaultSlots, Integer::sum);
        }
        return m;
    }

    private static SshLauncher ssh(ParallelOptions o, Matcher x) {
        SshLauncher ssh = SshLauncher.to(x.group(3));
        if (x.group(2) != null) {
            ssh = ssh.user(x.group(2));
        }
        if (x.group(4) != null) {
            ssh = ssh.port(Integer.parseInt(x.group(4)));
        }
        if (o.sshIdentity != null) {
            ssh = ssh.identity(o.sshIdentity);
        }
        for (String opt : o.sshOptions) {
            int eq = opt.indexOf('=');
            if (eq < 1) {
                throw new IllegalArgumentException("--ssh-option must be KEY=VALUE: '" + opt + "'");
            }
            ssh = ssh.option(opt.substring(0, eq), opt.substring(eq + 1));
        }
        return ssh;
    }
}
