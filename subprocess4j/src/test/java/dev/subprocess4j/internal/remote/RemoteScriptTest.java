package dev.subprocess4j.internal.remote;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.subprocess4j.CompletedProcess;
import dev.subprocess4j.Subprocess;
import dev.subprocess4j.fixtures.PropertySeed;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The remote scripts as text, run by this machine's {@code /bin/sh}: what the remote shell does
 * with them, without a remote host. The launchers' end-to-end tests ({@code SshLauncherTest},
 * {@code SlurmLauncherTest}) run them through real ssh and Slurm.
 */
class RemoteScriptTest {
    private static final int CASES = 60;

    /** One generated set of environment changes, named by its seed and index. */
    record EnvCase(int index, Map<String, String> changes) {
        @Override
        public String toString() {
            return PropertySeed.describe(index, changes.size() + " variables");
        }
    }

    /** Values that break naive quoting; case 0 sets them all. */
    private static final List<String> TRICKY = List.of("", " ", "'", "\"", "\\", "$(id)", "`id`", "${HOME}",
            "'\"'\"'", "\n", "\n\n", "a\nb", "line\n", "\nline", "x=y\nPATH=/evil", "*", "?", "~", "#", "%s",
            "\t", "é", "😀", "日本語", "\u0001\u007f", "x".repeat(5_000));

    static Stream<EnvCase> envCases() {
        return IntStream.range(0, CASES).mapToObj(i -> {
            Random random = PropertySeed.random("remote-env", i);
            Map<String, String> changes = new LinkedHashMap<>();
            if (i == 0) {
                for (int k = 0; k < TRICKY.size(); k++) {
                    changes.put("S4J_T" + k, TRICKY.get(k));
                }
            } else {
                int n = 1 + random.nextInt(6);
                for (int k = 0; k < n; k++) {
                    changes.put("S4J_V" + k + "_" + random.nextInt(1000), value(random));
                }
            }
            return new EnvCase(i, changes);
        });
    }

    /** A value of printable ASCII, newlines, shell syntax and non-ASCII text, never NUL. */
    private static String value(Random random) {
        String pool = "ab $`'\"\\\n;|&()<>*?[]{}~#=%!\té€😀";
        int length = random.nextInt(4) == 0 ? 0 : 1 + random.nextInt(40);
        StringBuilder b = new StringBuilder();
        for (int k = 0; k < length; k++) {
            b.append(random.nextInt(5) == 0 ? TRICKY.get(random.nextInt(TRICKY.size() - 1))
                    : String.valueOf(Character.toChars(pool.codePointAt(pool.offsetByCodePoints(0,
                            random.nextInt(pool.codePointCount(0, pool.length())))))));
        }
        return b.toString();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("envCases")
    void theEnvironmentFileSetsEveryValueExactlyInTheRemoteShell(EnvCase c) throws Exception {
        String file = RemoteScript.environmentFile(true, c.changes());
        Map<String, String> seen = sourcedEnvironment(file, true);
        TreeMap<String, String> expected = new TreeMap<>(c.changes());
        assertThat(seen).containsAllEntriesOf(expected);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("envCases")
    void theSupervisorScriptNamesTheVariablesButNoValue(EnvCase c) {
        Map<String, String> marked = new LinkedHashMap<>();
        c.changes().forEach((k, v) -> marked.put(k, "s4j-secret-" + k + "-" + v));
        String script = RemoteScript.supervisor("tok", List.of("printenv", "X"), Path.of("/tmp"), 022, true, marked);
        for (String v : marked.values()) {
            assertThat(script).doesNotContain(v);
        }
        assertThat(RemoteScript.commandLine(script)).doesNotContain("s4j-secret-");
    }

    @Test
    void withoutTheInheritedEnvironmentOnlyTheCommandsVariablesAndNoOthersRemain() throws Exception {
        Map<String, String> changes = new LinkedHashMap<>();
        changes.put("S4J_ONLY", "kept\nvalue");
        changes.put("S4J_GONE", null);
        Map<String, String> seen = sourcedEnvironment(RemoteScript.environmentFile(false, changes), false);
        assertThat(seen).containsEntry("S4J_ONLY", "kept\nvalue").doesNotContainKeys("S4J_GONE", "S4J_OUTER", "HOME");
    }

    @Test
    void aVariableTheCommandRemovesIsGoneWhenTheEnvironmentIsInherited() throws Exception {
        Map<String, String> changes = new LinkedHashMap<>();
        changes.put("S4J_OUTER", null);
        changes.put("S4J_SET", "v");
        Map<String, String> seen = sourcedEnvironment(RemoteScript.environmentFile(true, changes), true);
        assertThat(seen).containsEntry("S4J_SET", "v").doesNotContainKey("S4J_OUTER").containsKey("HOME");
    }

    @Test
    void aNameTheShellCannotExportIsRefusedByName() {
        for (String bad : List.of("1A", "A-B", "A B", "", "A=B", "É", "A.B")) {
            Map<String, String> changes = new HashMap<>();
            changes.put(bad, "secret-value");
            assertThatThrownBy(() -> RemoteScript.checkNames(changes, "ssh"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("'" + bad + "'")
                    .hasMessageNotContaining("secret-value");
        }
        RemoteScript.checkNames(Map.of("_a1", "v", "A", "v", "path", "v"), "ssh");
    }

    /**
     * Sources {@code file} in {@code /bin/sh} with {@code S4J_OUTER} and {@code HOME} exported,
     * runs {@code s4j_env} and returns the environment the program would get.
     */
    private static Map<String, String> sourcedEnvironment(String file, boolean inheritEnv) throws Exception {
        Path path = java.nio.file.Files.createTempFile("s4j-env", ".sh");
        try {
            java.nio.file.Files.writeString(path, file, UTF_8);
            CompletedProcess r = Subprocess.command("/bin/sh", "-c", ". \"$1\"; s4j_env; exec /usr/bin/env -0", "sh",
                            path.toString())
                    .env(Map.of("S4J_OUTER", "outer", "HOME", "/root", "PATH", "/usr/bin:/bin", "LC_ALL", "C.UTF-8"))
                    .captureOutput().run().checkReturnCode();
            Map<String, String> env = new HashMap<>();
            for (String entry : r.stdout().split("\0")) {
                int eq = entry.indexOf('=');
                if (eq > 0) {
                    env.put(entry.substring(0, eq), entry.substring(eq + 1));
                }
            }
            assertThat(inheritEnv || !env.containsKey("S4J_OUTER")).isTrue();
            return env;
        } finally {
            java.nio.file.Files.deleteIfExists(path);
        }
    }
}
