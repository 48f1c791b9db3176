package dev.subprocess4j;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.subprocess4j.fixtures.PropertySeed;
import dev.subprocess4j.internal.Backend;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The child's environment, working directory and program lookup. */
@EveryBackend
public class EnvContract extends BackendContract {
    /** {@code env} by absolute path, so it runs whatever PATH the child gets. */
    private static final String ENV = Files.isExecutable(Path.of("/usr/bin/env")) ? "/usr/bin/env" : "/bin/env";

    @TempDir
    Path dir;

    /** The environment the child of {@code c} sees, read with {@code env -0} (values may hold newlines). */
    private static Map<String, String> childEnvironment(Command c) {
        CompletedProcess r = c.stdout(Redirect.PIPE).run();
        assertThat(r.returnCode()).isZero();
        Map<String, String> env = new LinkedHashMap<>();
        for (String entry : new String(r.stdoutBytes(), UTF_8).split("\0")) {
            if (entry.isEmpty()) {
                continue;
            }
            int eq = entry.indexOf('=');
            env.put(entry.substring(0, eq), entry.substring(eq + 1));
        }
        return env;
    }

    private Command env0() {
        return cmd(ENV, "-0");
    }

    private Path script(Path where, String name, String body) throws IOException {
        Files.createDirectories(where);
        Path file = where.resolve(name);
        Files.writeString(file, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        return file;
    }

    private static String uniqueName(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    // ---- environment --------------------------------------------------------------------------

    @Test
    void childInheritsTheJvmsEnvironmentByDefault() {
        assertThat(childEnvironment(env0())).isEqualTo(System.getenv());
    }

    @Test
    void envReplacesTheInheritedEnvironment() {
        Map<String, String> given = Map.of(
                "ONLY", "1",
                "SPACED", "a b  c",
                "UNICODE", "é=€😀",
                "MULTILINE", "line1\nline2",
                "EMPTY", "");
        assertThat(childEnvironment(env0().env(given))).isEqualTo(given);
    }

    @Test
    void envReplacesEarlierChangesAndLaterChangesApplyOnTopOfIt() {
        assertThat(childEnvironment(env0().putEnv("BEFORE", "1").env(Map.of("B", "2")))).isEqualTo(Map.of("B", "2"));
        assertThat(childEnvironment(env0().env(Map.of("B", "2")).putEnv("C", "3").removeEnv("B")))
                .isEqualTo(Map.of("C", "3"));
    }

    @Test
    void putEnvAddsOnTopOfTheInheritedEnvironment() {
        String key = uniqueName("SUBPROCESS4J_ADDED").replace('-', '_');
        Map<String, String> expected = new HashMap<>(System.getenv());
        expected.put(key, "added value");
        expected.put("PATH", "/bin:/usr/bin:/subprocess4j-overridden");
        assertThat(childEnvironment(env0().putEnv(key, "added value").putEnv("PATH", "/bin:/usr/bin:/subprocess4j-overridden")))
                .isEqualTo(expected);
    }

    @Test
    void removeEnvRemovesAnInheritedKey() {
        assertThat(System.getenv()).as("precondition: the JVM has a PATH").containsKey("PATH");
        Map<String, String> expected = new HashMap<>(System.getenv());
        expected.remove("PATH");
        assertThat(childEnvironment(env0().removeEnv("PATH"))).isEqualTo(expected);
        assertThat(childEnvironment(env0().removeEnv("SUBPROCESS4J_NEVER_SET"))).isEqualTo(System.getenv());
    }

    @Test
    void theLastChangeToAKeyWins() {
        assertThat(childEnvironment(env0().putEnv("X", "1").removeEnv("X"))).doesNotContainKey("X");
        assertThat(childEnvironment(env0().removeEnv("X").putEnv("X", "2"))).containsEntry("X", "2");
        assertThat(childEnvironment(env0().putEnv("X", "1").putEnv("X", "3"))).containsEntry("X", "3");
    }

    @Test
    void clearEnvEmptiesTheEnvironment() {
        assertThat(childEnvironment(env0().clearEnv())).isEmpty();
        assertThat(childEnvironment(env0().env(Map.of("A", "1")).clearEnv())).isEmpty();
        assertThat(childEnvironment(env0().clearEnv().putEnv("ONLY", "this"))).isEqualTo(Map.of("ONLY", "this"));
    }

    @Test
    void environmentChangesMakeANewCommandAndLeaveTheOriginalAsItWas() {
        Command base = env0();
        Command changed = base.putEnv("SUBPROCESS4J_CHANGED", "1").removeEnv("PATH");
        assertThat(childEnvironment(changed)).containsEntry("SUBPROCESS4J_CHANGED", "1").doesNotContainKey("PATH");
        assertThat(childEnvironment(base)).isEqualTo(System.getenv());
    }

    @Test
    void environmentValuesNeverShowInToStringOrMessages() {
        Command c = env0().putEnv("TOKEN", "hunter2-secret");
        assertThat(c.toString()).doesNotContain("hunter2-secret");
        assertThatThrownBy(() -> cmd("true").putEnv("TOKEN", "hunter2\0secret"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("TOKEN")
                .hasMessageNotContaining("hunter2");
    }

    @Test
    void badEnvironmentKeysAreRejectedWhenBuilt() {
        assertThatThrownBy(() -> cmd("true").putEnv("A=B", "x")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("A=B");
        assertThatThrownBy(() -> cmd("true").putEnv("", "x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> cmd("true").removeEnv("A\0B")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> cmd("true").env(Map.of("K=", "v"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("K=");
    }

    /** One generated environment, named by its seed and index. */
    record EnvCase(int index, Map<String, String> env) {
        @Override
        public String toString() {
            return PropertySeed.describe(index, env.size() + " variables");
        }
    }

    static Stream<EnvCase> envCases() {
        return IntStream.range(0, 30).mapToObj(i -> {
            Random random = PropertySeed.random("env", i);
            Map<String, String> env = new HashMap<>();
            int n = random.nextInt(12);
            for (int k = 0; k < n; k++) {
                String key = randomText(random, 1 + random.nextInt(12)).replace('=', '_');
                env.put(key, randomText(random, random.nextInt(40)));
            }
            return new EnvCase(i, env);
        });
    }

    /** Letters, digits, punctuation, whitespace, newlines and non-ASCII; never NUL or a lone surrogate. */
    private static String randomText(Random random, int length) {
        String ascii = "ABCXYZabcxyz019_ -.:/$'\"\\;|&*?\n\t=";
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < length; i++) {
            switch (random.nextInt(4)) {
                case 0 -> sb.appendCodePoint(0xa0 + random.nextInt(0x700));
                case 1 -> sb.appendCodePoint(0x1F300 + random.nextInt(0x300));
                default -> sb.append(ascii.charAt(random.nextInt(ascii.length())));
            }
        }
        return sb.toString();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("envCases")
    void anyEnvironmentReachesTheChildUnchanged(EnvCase c) {
        assertThat(childEnvironment(env0().env(c.env()))).as(c::toString).isEqualTo(c.env());
    }

    // ---- working directory --------------------------------------------------------------------

    @Test
    void cwdSetsTheChildsWorkingDirectory() throws IOException {
        Files.writeString(dir.resolve("here.txt"), "found relative to cwd\n");
        CompletedProcess r = sh("pwd -P; cat here.txt").cwd(dir).stdout(Redirect.PIPE).run();
        assertThat(r.stdout()).isEqualTo(dir.toRealPath() + "\nfound relative to cwd\n");
    }

    @Test
    void cwdMayHoldSpacesAndNonAsciiCharacters() throws IOException {
        Path odd = Files.createDirectories(dir.resolve("with space é€ 😀"));
        script(odd, "run me.sh", "pwd -P");
        CompletedProcess r = cmd("./run me.sh").cwd(odd).stdout(Redirect.PIPE).run();
        assertThat(r.stdout()).isEqualTo(odd.toRealPath() + "\n");
    }

    @Test
    void withoutCwdTheChildRunsInTheJvmsDirectory() throws IOException {
        CompletedProcess r = cmd("pwd", "-P").stdout(Redirect.PIPE).run();
        assertThat(r.stdout()).isEqualTo(Path.of("").toRealPath() + "\n");
    }

    @Test
    void programWithASlashIsRelativeToCwd() throws IOException {
        script(dir, "script.sh", "echo \"script ran in $(pwd -P)\"");
        script(dir.resolve("sub"), "tool.sh", "echo tool ran");
        CompletedProcess r = cmd("./script.sh").cwd(dir).stdout(Redirect.PIPE).run();
        assertThat(r.stdout()).isEqualTo("script ran in " + dir.toRealPath() + "\n");
        assertThat(r.args()).containsExactly("./script.sh");
        assertThat(cmd("sub/tool.sh").cwd(dir).stdout(Redirect.PIPE).run().stdout()).isEqualTo("tool ran\n");
    }

    // ---- program lookup -----------------------------------------------------------------------

    @Test
    void bareNameIsLookedUpInTheChildsPath() throws IOException {
        String name = uniqueName("subprocess4j-tool");
        Path bin = dir.resolve("bin");
        script(bin, name, "echo \"tool got $1\"");
        CompletedProcess viaPut = cmd(name, "arg").putEnv("PATH", bin.toString()).stdout(Redirect.PIPE).run();
        assertThat(viaPut.stdout()).isEqualTo("tool got arg\n");
        assertThat(viaPut.args()).containsExactly(name, "arg");
        CompletedProcess viaEnv = cmd(name, "x").env(Map.of("PATH", "/nonexistent:" + bin)).stdout(Redirect.PIPE).run();
        assertThat(viaEnv.stdout()).isEqualTo("tool got x\n");
    }

    @Test
    void pathEntriesAreSearchedInOrder() throws IOException {
        String name = uniqueName("subprocess4j-tool");
        script(dir.resolve("first"), name, "echo first");
        script(dir.resolve("second"), name, "echo second");
        String path = dir.resolve("first") + ":" + dir.resolve("second");
        assertThat(cmd(name).putEnv("PATH", path).stdout(Redirect.PIPE).run().stdout()).isEqualTo("first\n");
    }

    @Test
    void aNonExecutableFileInPathIsSkipped() throws IOException {
        String name = uniqueName("subprocess4j-tool");
        Path first = Files.createDirectories(dir.resolve("first"));
        Files.writeString(first.resolve(name), "#!/bin/sh\necho not executable\n");
        script(dir.resolve("second"), name, "echo second");
        String path = first + ":" + dir.resolve("second");
        assertThat(cmd(name).putEnv("PATH", path).stdout(Redirect.PIPE).run().stdout()).isEqualTo("second\n");

        SpawnException e = catchThrowableOfType(SpawnException.class,
                () -> cmd(name).putEnv("PATH", first.toString()).run());
        assertThat(e.errnoName()).isEqualTo("EACCES");
        assertThat(e.step()).isEqualTo(SpawnException.Step.EXEC);
    }

    @Test
    void bareNameIsNotLookedUpInTheJvmsPath() throws IOException {
        Path empty = Files.createDirectories(dir.resolve("empty"));
        SpawnException e = catchThrowableOfType(SpawnException.class,
                () -> cmd("cat").putEnv("PATH", empty.toString()).run());
        assertThat(e.errnoName()).isEqualTo("ENOENT");
        assertThat(e.step()).isEqualTo(SpawnException.Step.EXEC);
        assertThat(e.program()).isEqualTo("cat");
        assertThat(e).hasMessage("No such file or directory: 'cat'");
    }

    @Test
    void withoutPathInTheEnvironmentBinAndUsrBinAreSearched() {
        CompletedProcess cleared = cmd("sh", "-c", "echo ok; echo \"PATH=${PATH-unset}\"").clearEnv().stdout(Redirect.PIPE).run();
        assertThat(cleared.stdout()).startsWith("ok\n");
        CompletedProcess removed = cmd("sh", "-c", "echo ok").removeEnv("PATH").stdout(Redirect.PIPE).run();
        assertThat(removed.stdout()).isEqualTo("ok\n");
        CompletedProcess usrBin = cmd("env").clearEnv().putEnv("ONLY", "1").stdout(Redirect.PIPE).run();
        assertThat(usrBin.stdout()).isEqualTo("ONLY=1\n");
    }

    // ---- executable ---------------------------------------------------------------------------

    @Test
    void executableEqualToArgv0Runs() {
        CompletedProcess r = cmd("/bin/sh", "-c", "echo \"$0 ran\"").executable(Path.of("/bin/sh")).stdout(Redirect.PIPE).run();
        assertThat(r.stdout()).isEqualTo("/bin/sh ran\n");
        assertThat(r.args()).containsExactly("/bin/sh", "-c", "echo \"$0 ran\"");
    }

    @Test
    void executableWithADifferentArgv0RunsTheExecutableUnderThatNameOrIsRefused() {
        Command c = cmd("custom-name", "-c", "echo \"$0 ran\"").executable(Path.of("/bin/sh")).stdout(Redirect.PIPE);
        if (supports(Backend.Feature.ARGV0)) {
            CompletedProcess r = c.run();
            assertThat(r.stdout()).isEqualTo("custom-name ran\n");
            assertThat(r.args()).containsExactly("custom-name", "-c", "echo \"$0 ran\"");
        } else {
            assertThatThrownBy(c::run)
                    .isInstanceOf(UnsupportedOperationException.class)
                    .hasMessageContaining("executable(/bin/sh)")
                    .hasMessageContaining(backend().name());
            assertThatThrownBy(c::start)
                    .isInstanceOf(UnsupportedOperationException.class)
                    .hasMessageContaining("executable(/bin/sh)");
        }
    }
}
