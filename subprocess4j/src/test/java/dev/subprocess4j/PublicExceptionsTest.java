package dev.subprocess4j;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subprocess4j.fixtures.LeakCheckExtension;
import dev.subprocess4j.internal.Backend;
import dev.subprocess4j.internal.BackendSelector;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Type;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Only public types leave the public API: no public signature names a type of
 * {@code dev.subprocess4j.internal}, and every failure a user can provoke arrives as a public
 * exception ({@code dev.subprocess4j} or {@code java.*}), on every backend.
 */
@ExtendWith(LeakCheckExtension.class)
@Timeout(120)
class PublicExceptionsTest {
    @TempDir
    Path dir;

    private static final List<Class<?>> PUBLIC_TYPES = List.of(Subprocess.class, Command.class, Popen.class,
            CompletedProcess.class, Pipeline.class, PipelineResult.class, ProcessPool.class, Redirect.class,
            Launcher.class, SshLauncher.class, SlurmLauncher.class, Shlex.class, Signal.class, Rlimit.class,
            ResourceUsage.class, SubprocessException.class, SpawnException.class, CalledProcessException.class,
            TimeoutExpiredException.class);

    private static boolean internal(Type t) {
        return t.getTypeName().contains("dev.subprocess4j.internal");
    }

    @Test
    void noPublicSignatureNamesAnInternalType() {
        List<String> found = new ArrayList<>();
        for (Class<?> c : PUBLIC_TYPES) {
            List<Executable> members = new ArrayList<>(List.of(c.getDeclaredMethods()));
            members.addAll(List.of(c.getDeclaredConstructors()));
            for (Executable e : members) {
                if (!Modifier.isPublic(e.getModifiers()) && !Modifier.isProtected(e.getModifiers())) {
                    continue;
                }
                List<Type> types = new ArrayList<>(List.of(e.getGenericParameterTypes()));
                types.addAll(List.of(e.getGenericExceptionTypes()));
                if (e instanceof Method m) {
                    types.add(m.getGenericReturnType());
                }
                types.stream().filter(PublicExceptionsTest::internal).forEach(t -> found.add(c.getSimpleName() + "."
                        + (e instanceof Constructor<?> ? "<init>" : e.getName()) + ": " + t.getTypeName()));
            }
        }
        assertThat(found).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"linux-native", "jdk"})
    void everyProvokedFailureIsAPublicException(String backendName) throws Exception {
        Backend backend = BackendSelector.byName(backendName);
        Map<String, Failure> cases = new LinkedHashMap<>();
        cases.put("missing program", () -> cmd(backend, "/nonexistent/prog").run());
        cases.put("missing cwd", () -> cmd(backend, "true").cwd(dir.resolve("nope")).run());
        cases.put("missing input file", () -> cmd(backend, "cat").stdin(Redirect.read(dir.resolve("nope"))).run());
        cases.put("non-zero exit with check", () -> cmd(backend, "false").check().run());
        cases.put("timeout", () -> cmd(backend, "sleep", "5").timeout(Duration.ofMillis(100)).run());
        cases.put("pipeline with a missing stage", () -> Subprocess.pipeline(cmd(backend, "echo", "x"),
                cmd(backend, "/nonexistent/prog")).run());
        cases.put("stdout of a Popen without a pipe", () -> {
            try (Popen p = cmd(backend, "true").start()) {
                p.stdout();
            }
        });
        cases.put("communicate twice", () -> {
            try (Popen p = cmd(backend, "cat").stdin(Redirect.PIPE).stdout(Redirect.PIPE).start()) {
                p.communicate(new byte[0], Duration.ofSeconds(10));
                p.communicate(new byte[0], Duration.ofSeconds(10));
            }
        });
        cases.put("signalGroup of a child in the JVM's group", () -> {
            try (Popen p = cmd(backend, "sleep", "5").start()) {
                try {
                    p.signalGroup(Signal.SIGTERM);
                } finally {
                    p.kill();
                    p.waitFor();
                }
            }
        });
        cases.put("signal after the reap", () -> {
            Popen p = cmd(backend, "true").start();
            p.waitFor();
            p.sendSignal(Signal.SIGTERM);
            p.close();
            throw new SubprocessException("no failure (a no-op, as documented)");
        });
        cases.put("a closed fd as stdout", () -> cmd(backend, "true").stdout(Redirect.fd(999)).run());
        cases.put("a throwing lines consumer", () -> cmd(backend, "echo", "x")
                .stdout(Redirect.lines(l -> { throw new IllegalStateException("consumer"); })).run());
        List<String> leaked = new ArrayList<>();
        for (Map.Entry<String, Failure> c : cases.entrySet()) {
            try {
                c.getValue().run();
                leaked.add(c.getKey() + ": no exception");
            } catch (Throwable t) {
                String name = t.getClass().getName();
                if (!(name.startsWith("java.") || (name.startsWith("dev.subprocess4j.") && !name.contains(".internal.")))) {
                    leaked.add(c.getKey() + ": " + t);
                }
            }
        }
        assertThat(leaked).as("failures that are not public exceptions").isEmpty();
    }

    private static Command cmd(Backend backend, String... argv) {
        return Subprocess.command(List.of(argv)).withBackend(backend);
    }

    @FunctionalInterface
    private interface Failure {
        void run() throws Exception;
    }
}
