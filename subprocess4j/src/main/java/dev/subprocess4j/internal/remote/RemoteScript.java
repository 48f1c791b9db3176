package dev.subprocess4j.internal.remote;

import dev.subprocess4j.Shlex;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The two POSIX {@code sh} scripts a remote command runs as, built as text with every value
 * quoted by {@link Shlex#quote}.
 *
 * <p>The <em>supervisor</em> runs in the data session (its stdin, stdout and stderr are the
 * command's): it changes directory, sets the umask, checks that the program can be found (so a
 * missing program or directory is reported with an errno, as locally), starts the program with
 * {@code setsid} so it leads its own process group, records the program's pid, waits, and records
 * the exit code. The <em>lifeline</em> runs in a second session on the same (shared) connection:
 * it reports the pid (or the spawn error), then reads one command per line from its stdin
 * ({@code kill SIG}, {@code killpg SIG}, {@code rc}) and answers each with one line. When its
 * stdin reaches end of file while the program still runs (the JVM died or gave up the child), it
 * kills the program's process group. The two meet through files named by a random token in a
 * private directory ({@code $TMPDIR/.subprocess4j-<uid>}, mode 0700, checked to be owned by the
 * user and not a link).
 *
 * <p>The remote login shell reads {@code exec /bin/sh -c '<script>'}: any POSIX-like login shell
 * (sh, dash, bash, ksh, zsh) reads that the same way; csh and fish do not.
 */
final class RemoteScript {
    private RemoteScript() {}

    private static final String DIR = """
            d="${TMPDIR:-/tmp}/.subprocess4j-${USER:-$(id -u)}"
            [ -d "$d" ] || (umask 077 && mkdir -p "$d") || exit 125
            if [ -L "$d" ] || [ ! -O "$d" ]; then echo "subprocess4j: $d is not a private directory" >&2; exit 125; fi
            """;

    /**
     * The data session's script.
     *
     * @param token the random name shared with the lifeline
     * @param argv the program and its arguments
     * @param cwd the remote working directory, or {@code null}
     * @param umask the remote umask, or {@code null}
     * @param inheritEnv whether the remote login environment is the base
     * @param envChanges variables to set (a {@code null} value removes one)
     */
    static String supervisor(String token, List<String> argv, Path cwd, Integer umask, boolean inheritEnv,
            Map<String, String> envChanges) {
        StringBuilder s = new StringBuilder(512);
        s.append(DIR);
        s.append("f=\"$d/").append(token).append("\"\n");
        // one small write each: the lifeline waits until the file is not empty, then reads it
        s.append("put() { printf '%s\\n' \"$2\" > \"$f.$1\"; }\n");
        s.append("fail() { put err \"$1 $2\"; exit 127; }\n");
        prelude(s, argv, cwd, umask, inheritEnv, envChanges);
        s.append("exec 3<&0\n");
        List<String> words = envWords(inheritEnv, envChanges);
        words.add("setsid");
        words.add("--");
        words.addAll(argv);
        for (String w : words) {
            s.append(Shlex.quote(w)).append(' ');
        }
        s.append("0<&3 3<&- &\n");
        s.append("""
                j=$!
                exec 3<&-
                put pid "$j"
                wait "$j" 2>/dev/null; c=$?
                put rc "$c"
                exit "$c"
                """);
        return s.toString();
    }

    /** The comment a Slurm job gets when its program cannot be started: then {@code ERRNO STEP}. */
    static final String SLURM_ERROR_MARK = "subprocess4j:err";

    /**
     * The script a Slurm task runs ({@code srun ... /bin/sh -c <script>}): the same checks as the
     * ssh supervisor, then {@code exec} of the program (so Slurm records its real exit status and
     * signal). A spawn error is written into the job's comment ({@link #SLURM_ERROR_MARK}) before
     * {@code exit 127}.
     */
    static String slurmTask(List<String> argv, Path cwd, Integer umask, boolean inheritEnv, Map<String, String> envChanges) {
        StringBuilder s = new StringBuilder(512);
        s.append("fail() { scontrol update JobId=\"$SLURM_JOB_ID\" Comment=\"" + SLURM_ERROR_MARK
                + " $1 $2\" >/dev/null 2>&1; exit 127; }\n");
        prelude(s, argv, cwd, umask, inheritEnv, envChanges);
        List<String> words = envWords(inheritEnv, envChanges);
        if (words.isEmpty()) {
            words.add("env");
            words.add("--");
        }
        if (argv.getFirst().contains("=")) {
            // env would read the program as an assignment
            words.addAll(List.of("/bin/sh", "-c", "exec \"$@\"", "sh"));
        }
        words.addAll(argv);
        s.append("exec ");
        for (String w : words) {
            s.append(Shlex.quote(w)).append(' ');
        }
        s.append('\n');
        return s.toString();
    }

    /** cwd, umask, and the program lookup in the PATH the program will get; {@code fail ERRNO STEP} on error. */
    private static void prelude(StringBuilder s, List<String> argv, Path cwd, Integer umask, boolean inheritEnv,
            Map<String, String> envChanges) {
        if (cwd != null) {
            s.append("c=").append(Shlex.quote(cwd.toString())).append('\n');
            s.append("cd -- \"$c\" 2>/dev/null || { [ -e \"$c\" ] || fail ENOENT chdir; "
                    + "[ -d \"$c\" ] || fail ENOTDIR chdir; fail EACCES chdir; }\n");
        }
        if (umask != null) {
            s.append("umask ").append(String.format("%04o", umask)).append('\n');
        }
        String path = envChanges.containsKey("PATH") ? envChanges.get("PATH") : null;
        s.append("p=").append(Shlex.quote(argv.getFirst())).append('\n');
        if (path != null) {
            s.append("lp=").append(Shlex.quote(path)).append('\n');
        } else if (inheritEnv && !envChanges.containsKey("PATH")) {
            s.append("lp=$PATH\n");
        } else {
            s.append("lp=/bin:/usr/bin\n");
        }
        s.append("""
                case $p in
                */*) x=$p ;;
                *) x=; o=$IFS; IFS=:; set -f
                   for e in $lp; do
                     [ -n "$e" ] || e=.
                     if [ -f "$e/$p" ] && [ -x "$e/$p" ]; then x=$e/$p; break; fi
                     [ -e "$e/$p" ] && [ -z "$x" ] && x=$e/$p
                   done
                   IFS=$o; set +f ;;
                esac
                [ -n "$x" ] || fail ENOENT exec
                [ -e "$x" ] || fail ENOENT exec
                [ ! -d "$x" ] || fail EACCES exec
                [ -x "$x" ] || fail EACCES exec
                """);
    }

    /** {@code env [-i] [-u K]... [K=V]...}, or nothing when the environment is not changed. */
    private static List<String> envWords(boolean inheritEnv, Map<String, String> envChanges) {
        List<String> words = new ArrayList<>();
        if (!inheritEnv || !envChanges.isEmpty()) {
            words.add("env");
            if (!inheritEnv) {
                words.add("-i");
            }
            // env takes its options before the first assignment
            envChanges.forEach((k, v) -> {
                if (v == null && inheritEnv) {
                    words.add("-u");
                    words.add(k);
                }
            });
            words.add("--"); // a program named -x is not an option of env
            envChanges.forEach((k, v) -> {
                if (v != null) {
                    words.add(k + "=" + v);
                }
            });
        }
        return words;
    }

    /** The lifeline session's script for {@code token}. */
    static String lifeline(String token) {
        return DIR + "f=\"$d/" + token + "\"\n" + """
                i=0
                while [ ! -s "$f.pid" ] && [ ! -s "$f.err" ]; do
                  i=$((i+1))
                  if [ "$i" -gt 3000 ]; then echo lost; exit 1; fi
                  sleep 0.01 2>/dev/null || sleep 1
                done
                if [ -s "$f.err" ]; then read -r e < "$f.err"; printf 'err %s\\n' "$e"; rm -f "$f.err"; exit 0; fi
                read -r j < "$f.pid"
                printf 'pid %s\\n' "$j"
                while read -r c a; do
                  case $c in
                  kill) [ -e "$f.rc" ] || kill -s "$a" "$j" 2>/dev/null; echo ok ;;
                  killpg) kill -s "$a" -- "-$j" 2>/dev/null; echo ok ;;
                  rc) if [ -s "$f.rc" ]; then read -r r < "$f.rc"; printf 'rc %s\\n' "$r"; else echo 'rc none'; fi ;;
                  *) echo "unknown $c" ;;
                  esac
                done
                [ -e "$f.rc" ] || kill -s KILL -- "-$j" 2>/dev/null
                rm -f "$f.pid" "$f.rc"
                """;
    }

    /** What the remote login shell is given: {@code exec /bin/sh -c '<script>'}. */
    static String commandLine(String script) {
        return "exec /bin/sh -c " + Shlex.quote(script);
    }
}
