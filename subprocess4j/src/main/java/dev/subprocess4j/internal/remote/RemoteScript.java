package dev.subprocess4j.internal.remote;

import dev.subprocess4j.Shlex;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The POSIX {@code sh} scripts a remote command runs as, built as text with every argument and
 * path quoted by {@link Shlex#quote}. No environment <em>value</em> is ever part of a script:
 * the scripts are command lines (of the local {@code ssh} or {@code srun}, and of the remote
 * {@code sh -c}), which every user of either machine can read in {@code /proc}. Variable names
 * are.
 *
 * <p>The <em>supervisor</em> runs in the data session (its stdin, stdout and stderr are the
 * command's): it changes directory, sets the umask, checks that the program can be found (so a
 * missing program or directory is reported with an errno, as locally), starts the program with
 * {@code setsid} so it leads its own process group, records the program's pid, waits, and records
 * the exit code. The <em>lifeline</em> runs in a second session on the same (shared) connection:
 * when the command sets variables, it first reads the assignments from its stdin (sent by the
 * JVM: {@link #environmentFile}) and stores them in a file (mode 0600) of the private directory,
 * which the supervisor reads with the shell's {@code .}, deletes, and applies with {@code export}
 * in the program's process just before the {@code exec} (shell built-ins: no value in any argv).
 * Then the lifeline reports the pid (or the spawn error), reads one command per line
 * ({@code kill SIG}, {@code killpg SIG}, {@code rc}) and answers each with one line. When its
 * stdin reaches end of file while the program still runs (the JVM died or gave up the child), it
 * kills the program's process group.
 *
 * <p>The two sessions meet through files named by a random token in a private directory:
 * {@code $TMPDIR/.subprocess4j-$USER} ({@code id -u} without USER) when it is a directory (not a link) owned by the user with
 * mode 0700 (created so when missing); when it is not (another user created it first, or it is a
 * link), a directory of the command's own, {@code $TMPDIR/.subprocess4j-$USER-<token>}, created
 * 0700, checked the same way, and removed by the lifeline at the end.
 *
 * <p>The remote login shell reads {@code exec /bin/sh -c '<script>'}: any POSIX-like login shell
 * (sh, dash, bash, ksh, zsh) reads that the same way; csh and fish do not. The remote {@code sh}
 * must have {@code printf} built in (dash, bash, ksh, zsh and busybox do).
 */
final class RemoteScript {
    private RemoteScript() {}

    /** The names a POSIX shell can {@code export}: the only ones the remote launchers take. */
    private static final Pattern SHELL_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    /**
     * The private directory {@code $d} and the command's file prefix {@code $f}; {@code $own} is
     * set when the directory is the command's own (then the lifeline removes it).
     */
    private static String dir(String token) {
        return """
                t=${TMPDIR:-/tmp}; own=; u=${USER:-$(id -u)}
                ok() { [ ! -L "$1" ] && [ -d "$1" ] && [ -O "$1" ] && case $(ls -ld "$1") in drwx------*) ;; *) false ;; esac; }
                d="$t/.subprocess4j-$u"
                [ -e "$d" ] || [ -L "$d" ] || (umask 077 && mkdir "$d" 2>/dev/null)
                if ! ok "$d"; then
                  d="$t/.subprocess4j-$u-TOKEN"; own=1
                  [ -e "$d" ] || [ -L "$d" ] || (umask 077 && mkdir "$d" 2>/dev/null)
                  ok "$d" || { echo "subprocess4j: no private directory in $t" >&2; exit 125; }
                fi
                f="$d/TOKEN"
                """.replace("TOKEN", token);
    }

    /**
     * Refuses a variable name a POSIX shell cannot {@code export} (the value travels as data into
     * the shell, never on a command line, so the name must be one the shell takes).
     *
     * @throws IllegalArgumentException naming the variable
     */
    static void checkNames(Map<String, String> envChanges, String launcher) {
        for (String k : envChanges.keySet()) {
            if (!SHELL_NAME.matcher(k).matches()) {
                throw new IllegalArgumentException("the " + launcher + " launcher takes environment variable names of "
                        + "letters, digits and '_' (not starting with a digit) only: '" + k + "'");
            }
        }
    }

    /** Whether {@code envChanges} sets any value (then the values travel as data, not in the script). */
    static boolean setsValues(Map<String, String> envChanges) {
        return envChanges.values().stream().anyMatch(v -> v != null);
    }

    /**
     * The data session's script.
     *
     * @param token the random name shared with the lifeline
     * @param argv the program and its arguments
     * @param cwd the remote working directory, or {@code null}
     * @param umask the remote umask, or {@code null}
     * @param inheritEnv whether the remote login environment is the base
     * @param envChanges variables to set (a {@code null} value removes one): only the names are
     *     used here; when a value is set the script waits for {@link #environmentFile} (sent by
     *     the lifeline) and sources it
     */
    static String supervisor(String token, List<String> argv, Path cwd, Integer umask, boolean inheritEnv,
            Map<String, String> envChanges) {
        StringBuilder s = new StringBuilder(1024);
        s.append(dir(token));
        // one small write each: the lifeline waits until the file is not empty, then reads it
        s.append("put() { printf '%s\\n' \"$2\" > \"$f.$1\"; }\n");
        s.append("fail() { put err \"$1 $2\"; exit 127; }\n");
        s.append(locate("S", "setsid"));
        s.append("lp=").append(defaultLookupPath(inheritEnv, envChanges)).append('\n');
        if (setsValues(envChanges)) {
            s.append("""
                    i=0
                    while [ ! -e "$f.env" ]; do
                      i=$((i+1))
                      if [ "$i" -gt 3000 ]; then echo "subprocess4j: no environment from the lifeline" >&2; exit 125; fi
                      sleep 0.01 2>/dev/null || sleep 1
                    done
                    . "$f.env"; rm -f "$f.env"
                    """);
        } else {
            s.append(applyFunction(inheritEnv, envChanges, null));
        }
        prelude(s, cwd, umask, argv.getFirst());
        s.append("exec 3<&0\n");
        s.append("( s4j_env; exec \"$S\" --");
        for (String w : argv) {
            s.append(' ').append(Shlex.quote(w));
        }
        s.append(" ) 0<&3 3<&- &\n");
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

    /**
     * What the lifeline sends for the supervisor to source: {@code lp} (the PATH the program is
     * looked up in) when PATH is set, and the function {@code s4j_env} that applies
     * {@code envChanges} with {@code export}/{@code unset}. Every value is single-quoted
     * ({@link Shlex#quote}), with its newlines written as {@code "$nl"} so that each line of the
     * file is one line of the transport.
     */
    static String environmentFile(boolean inheritEnv, Map<String, String> envChanges) {
        StringBuilder s = new StringBuilder(256);
        if (envChanges.values().stream().anyMatch(v -> v != null && v.indexOf('\n') >= 0)) {
            s.append("nl=$(printf '\\nx'); nl=${nl%x}\n");
        }
        if (envChanges.get("PATH") != null) {
            s.append("lp=").append(oneLine(envChanges.get("PATH"))).append('\n');
        }
        StringBuilder values = new StringBuilder();
        envChanges.forEach((k, v) -> {
            if (v != null) {
                values.append("export ").append(k).append('=').append(oneLine(v)).append('\n');
            }
        });
        s.append(applyFunction(inheritEnv, envChanges, values.toString()));
        return s.toString();
    }

    /** {@code v} as shell words on one line: quoted pieces joined by {@code "$nl"}. */
    private static String oneLine(String v) {
        String[] pieces = v.split("\n", -1);
        StringBuilder b = new StringBuilder(v.length() + 8);
        for (int i = 0; i < pieces.length; i++) {
            if (i > 0) {
                b.append("\"$nl\"");
            }
            b.append(pieces[i].isEmpty() && pieces.length > 1 ? "" : Shlex.quote(pieces[i]));
        }
        return b.toString();
    }

    /** The number of lines of {@code text}, which ends with a newline. */
    static int lineCount(String text) {
        return (int) text.chars().filter(c -> c == '\n').count();
    }

    /**
     * The function {@code s4j_env}: without {@code inheritEnv} it first unsets every exported
     * variable but those named {@code keepPrefix*}; then {@code exports} (the assignments, or
     * {@code null} for none) and the removals.
     */
    private static String applyFunction(boolean inheritEnv, Map<String, String> envChanges, String exports) {
        return applyFunction(inheritEnv, envChanges, exports, null, List.of());
    }

    private static String applyFunction(boolean inheritEnv, Map<String, String> envChanges, String exports,
            String keepPrefix, List<String> alsoUnset) {
        StringBuilder s = new StringBuilder("s4j_env() {\n");
        if (!inheritEnv) {
            // the names of every exported variable (values go through a pipe, never an argv); a
            // value's line that looks like NAME=... adds a name that is unset too: harmless
            s.append("for n in $(env | sed -n 's/^\\([A-Za-z_][A-Za-z0-9_]*\\)=.*/\\1/p'); do ");
            if (keepPrefix != null) {
                s.append("case $n in ").append(keepPrefix).append("*) continue ;; esac; ");
            }
            s.append("unset \"$n\" 2>/dev/null; done\n");
        }
        if (exports != null) {
            s.append(exports);
        }
        for (String k : alsoUnset) {
            s.append("unset ").append(k).append('\n');
        }
        envChanges.forEach((k, v) -> {
            if (v == null && inheritEnv) {
                s.append("unset ").append(k).append('\n');
            }
        });
        s.append(":\n}\n");
        return s.toString();
    }

    /**
     * The PATH the program is looked up in when PATH is not set by the command: the login
     * environment's when inherited and not removed, else {@code /bin:/usr/bin} (what
     * {@code execvp} uses without a PATH).
     */
    private static String defaultLookupPath(boolean inheritEnv, Map<String, String> envChanges) {
        return inheritEnv && !envChanges.containsKey("PATH") ? "$PATH" : "/bin:/usr/bin";
    }

    /**
     * Sets {@code var} to where {@code program} is in the shell's PATH now (before the command's
     * environment applies; {@code /usr/bin:/bin} without a PATH), with built-ins only: no fork.
     */
    private static String locate(String var, String program) {
        return var + "=" + program + "; o=$IFS; IFS=:; set -f; for e in ${PATH:-/usr/bin:/bin}; do "
                + "if [ -f \"$e/" + program + "\" ] && [ -x \"$e/" + program + "\" ]; then " + var + "=$e/" + program
                + "; break; fi; done; IFS=$o; set +f\n";
    }

    /** The comment a Slurm job gets when its program cannot be started: then {@code ERRNO STEP}. */
    static final String SLURM_ERROR_MARK = "subprocess4j:err";

    /**
     * The script a Slurm task runs ({@code srun ... /bin/sh -c <script>}): the same checks as the
     * ssh supervisor, then {@code exec} of the program (so Slurm records its real exit status and
     * signal). A spawn error is written into the job's comment ({@link #SLURM_ERROR_MARK}) before
     * {@code exit 127}. The values of {@code envChanges} are not in the script: srun exports them
     * to the task under the names {@code carriers} gives (the i-th set variable in
     * {@code carrierPrefix + i}), and the script moves each to its own name with {@code export}.
     */
    static String slurmTask(List<String> argv, Path cwd, Integer umask, boolean inheritEnv, Map<String, String> envChanges,
            String carrierPrefix) {
        StringBuilder s = new StringBuilder(1024);
        s.append("fail() { scontrol update JobId=\"$SLURM_JOB_ID\" Comment=\"" + SLURM_ERROR_MARK
                + " $1 $2\" >/dev/null 2>&1; exit 127; }\n");
        s.append(locate("E", "env"));
        s.append("lp=").append(defaultLookupPath(inheritEnv, envChanges)).append('\n');
        StringBuilder exports = new StringBuilder();
        List<String> carriers = new ArrayList<>();
        envChanges.forEach((k, v) -> {
            if (v != null) {
                String c = carrierPrefix + carriers.size();
                carriers.add(c);
                exports.append("export ").append(k).append("=\"$").append(c).append("\"\n");
                if (k.equals("PATH")) {
                    s.append("lp=$").append(c).append('\n');
                }
            }
        });
        carriers.add(carrierPrefix + "none"); // srun's --export names it when nothing else
        s.append(applyFunction(inheritEnv, envChanges, exports.toString(), carrierPrefix, carriers));
        prelude(s, cwd, umask, argv.getFirst());
        s.append("s4j_env\nexec \"$E\" --");
        if (argv.getFirst().contains("=")) {
            // env would read the program as an assignment
            for (String w : List.of("/bin/sh", "-c", "exec \"$@\"", "sh")) {
                s.append(' ').append(Shlex.quote(w));
            }
        }
        for (String w : argv) {
            s.append(' ').append(Shlex.quote(w));
        }
        s.append('\n');
        return s.toString();
    }

    /**
     * The variables srun gets in its environment for {@link #slurmTask}: {@code carrierPrefix + i}
     * holds the i-th value set, in order.
     */
    static List<Map.Entry<String, String>> slurmCarriers(Map<String, String> envChanges, String carrierPrefix) {
        List<Map.Entry<String, String>> out = new ArrayList<>();
        envChanges.forEach((k, v) -> {
            if (v != null) {
                out.add(Map.entry(carrierPrefix + out.size(), v));
            }
        });
        return out;
    }

    /** cwd, umask, and the program lookup in {@code $lp}; {@code fail ERRNO STEP} on error. */
    private static void prelude(StringBuilder s, Path cwd, Integer umask, String program) {
        if (cwd != null) {
            s.append("c=").append(Shlex.quote(cwd.toString())).append('\n');
            s.append("cd -- \"$c\" 2>/dev/null || { [ -e \"$c\" ] || fail ENOENT chdir; "
                    + "[ -d \"$c\" ] || fail ENOTDIR chdir; fail EACCES chdir; }\n");
        }
        if (umask != null) {
            s.append("umask ").append(String.format("%04o", umask)).append('\n');
        }
        s.append("p=").append(Shlex.quote(program)).append('\n');
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

    /**
     * The lifeline session's script for {@code token}; with {@code envLines} > 0 it first copies
     * that many lines of its stdin (the {@link #environmentFile}) into {@code $f.env}, mode 0600.
     */
    static String lifeline(String token, int envLines) {
        StringBuilder s = new StringBuilder(dir(token));
        s.append("gone() { rm -f \"$f.pid\" \"$f.rc\" \"$f.err\" \"$f.env\" \"$f.new\"; [ -z \"$own\" ] || rmdir \"$d\" 2>/dev/null; }\n");
        if (envLines > 0) {
            s.append("umask 077; k=0\n");
            s.append("while [ \"$k\" -lt ").append(envLines)
                    .append(" ] && IFS= read -r l; do printf '%s\\n' \"$l\"; k=$((k+1)); done > \"$f.new\"\n");
            // all of it or nothing: a JVM that died mid-way leaves the supervisor waiting, not half set
            s.append("[ \"$k\" -eq ").append(envLines).append(" ] && mv -f \"$f.new\" \"$f.env\" || { gone; exit 1; }\n");
        }
        s.append("""
                i=0
                while [ ! -s "$f.pid" ] && [ ! -s "$f.err" ]; do
                  i=$((i+1))
                  if [ "$i" -gt 3000 ]; then echo lost; gone; exit 1; fi
                  sleep 0.01 2>/dev/null || sleep 1
                done
                if [ -s "$f.err" ]; then read -r e < "$f.err"; printf 'err %s\\n' "$e"; gone; exit 0; fi
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
                gone
                """);
        return s.toString();
    }

    /** What the remote login shell is given: {@code exec /bin/sh -c '<script>'}. */
    static String commandLine(String script) {
        return "exec /bin/sh -c " + Shlex.quote(script);
    }
}
