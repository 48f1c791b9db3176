package dev.subprocess4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.subprocess4j.fixtures.LeakCheckExtension;
import dev.subprocess4j.internal.Backend;
import dev.subprocess4j.internal.BackendSelector;
import dev.subprocess4j.internal.ChildProcess;
import dev.subprocess4j.internal.SpawnRequest;
import dev.subprocess4j.internal.jdk.JdkBackend;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Backends are chosen by what they do, not by their class: a backend that wraps another one (a
 * {@link Proxy} forwarding every call, default methods included) runs commands and pipelines as
 * the wrapped one does, and a backend without pipelines refuses them itself, naming itself.
 */
@ExtendWith(LeakCheckExtension.class)
@Timeout(60)
class DispatchTest {

    static Stream<Backend> backends() {
        return Stream.of(BackendSelector.byName("linux-native"), JdkBackend.INSTANCE);
    }

    /** A backend that forwards every call of the {@link Backend} interface to {@code target}. */
    static Backend forwardingTo(Backend target) {
        return (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class},
                (proxy, method, args) -> {
                    try {
                        return method.invoke(target, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    @ParameterizedTest
    @MethodSource("backends")
    void aForwardingBackendRunsPipelinesAsTheOneItWraps(Backend target) {
        Backend wrapped = forwardingTo(target);
        PipelineResult r = Subprocess.pipeline(
                Subprocess.command("printf", "b\\na\\nc\\n").withBackend(wrapped),
                Subprocess.command("sort").withBackend(wrapped)).stdout(Redirect.PIPE).check().run();
        assertThat(r.stdout()).isEqualTo("a\nb\nc\n");
    }

    @ParameterizedTest
    @MethodSource("backends")
    void aForwardingBackendExcusesAStageKilledBySigpipeAsTheOneItWraps(Backend target) {
        // yes dies of SIGPIPE (-13 natively, 141 on the JDK backend) once head has left: excused
        Backend wrapped = forwardingTo(target);
        PipelineResult r = Subprocess.pipeline(
                Subprocess.command("yes").withBackend(wrapped),
                Subprocess.command("head", "-n", "1").withBackend(wrapped)).stdout(Redirect.PIPE).check().run();
        assertThat(r.stdout()).isEqualTo("y\n");
        assertThat(r.failedStage()).isEmpty();
    }

    @Test
    void aBackendWithoutPipelinesRefusesThemNamingItself() {
        Backend target = JdkBackend.INSTANCE;
        Backend single = new Backend() {
            @Override
            public String name() {
                return "single-child";
            }

            @Override
            public Set<Feature> features() {
                return target.features();
            }

            @Override
            public ChildProcess start(SpawnRequest request) {
                return target.start(request);
            }
        };
        Pipeline p = Subprocess.pipeline(Subprocess.command("true").withBackend(single),
                Subprocess.command("true").withBackend(single));
        assertThatThrownBy(p::run).isInstanceOf(UnsupportedOperationException.class)
                .hasMessage("pipelines are not supported by the single-child backend");
        assertThat(Subprocess.command("true").withBackend(single).run().returnCode()).isZero();
    }

    @Test
    void aPipelineStageOnARemoteLauncherIsRefusedByTheLauncherNamingIt() {
        Command remote = Subprocess.command("true").on(SshLauncher.to("build-1"));
        assertThatThrownBy(() -> Subprocess.pipeline(remote, Subprocess.command("cat")))
                .isInstanceOf(UnsupportedOperationException.class)
                .hasMessage("stage 1 (true) runs on the ssh build-1 launcher: pipelines run on this machine only");
        assertThatThrownBy(() -> Subprocess.pipeline(Subprocess.command("true"),
                        Subprocess.command("cat").on(SlurmLauncher.create())))
                .isInstanceOf(UnsupportedOperationException.class)
                .hasMessage("stage 2 (cat) runs on the slurm launcher: pipelines run on this machine only");
    }
}
