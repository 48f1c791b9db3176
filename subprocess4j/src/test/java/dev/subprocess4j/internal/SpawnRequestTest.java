package dev.subprocess4j.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subprocess4j.Redirect;
import dev.subprocess4j.Rlimit;
import dev.subprocess4j.Signal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SpawnRequestTest {
    private static final String MARKER = "s3cr3t-" + Long.toHexString(Double.doubleToLongBits(Math.random()));

    private static SpawnRequest full() {
        return SpawnRequest.builder(List.of("prog", "arg"))
                .cwd(Path.of("/tmp"))
                .environment(Map.of("API_TOKEN", MARKER, "PATH", "/bin:" + MARKER), false,
                        Map.of(new ByteString("RAW".getBytes(StandardCharsets.US_ASCII)), MARKER.getBytes(StandardCharsets.UTF_8)))
                .stdio(Redirect.PIPE, Redirect.PIPE, Redirect.INHERIT)
                .input(MARKER.getBytes(StandardCharsets.UTF_8))
                .timeout(Duration.ofSeconds(1))
                .kill(Signal.SIGTERM, Duration.ZERO, false)
                .identity("nobody", "nogroup", List.of("users"), 022)
                .processGroup(0)
                .rlimits(Map.of(Rlimit.NOFILE, new long[] {64, 64}))
                .pty(new SpawnRequest.Pty(100, 30))
                .build();
    }

    @Test
    void toStringShowsTheEnvironmentsNamesButNoValue() {
        SpawnRequest r = full();
        String s = r.toString();
        assertThat(s).doesNotContain(MARKER).contains("prog", "arg", "API_TOKEN", "PATH", "/tmp", "1 byte variables",
                "input=" + MARKER.length() + " bytes", "user=nobody", "umask=022", "processGroup=0", "pty=100x30",
                "NOFILE", "killSignal=SIGTERM");
        assertThat(r.asPipelineStage(Redirect.PIPE, Redirect.PIPE, 0, true).toString()).doesNotContain(MARKER);
    }

    @Test
    void whatIsNotSetIsEmptyNeverNullAndDefaultsAreACommands() {
        SpawnRequest r = SpawnRequest.builder(List.of("true")).build();
        assertThat(r.exec().rawArgv()).isEmpty();
        assertThat(r.exec().executable()).isEmpty();
        assertThat(r.exec().cwd()).isEmpty();
        assertThat(r.env().inherited()).isTrue();
        assertThat(r.env().variables()).isSameAs(JdkEnvironment.get());
        assertThat(r.env().raw()).isEmpty();
        assertThat(r.stdio().input()).isEmpty();
        assertThat(List.of(r.stdio().stdin(), r.stdio().stdout(), r.stdio().stderr())).containsOnly(Redirect.INHERIT);
        assertThat(r.lifetime().timeout()).isEmpty();
        assertThat(r.lifetime().killSignal()).isEqualTo(Signal.SIGKILL);
        assertThat(r.lifetime().killGrace()).isEqualTo(Duration.ofSeconds(5));
        assertThat(r.identity().user()).isEmpty();
        assertThat(r.identity().group()).isEmpty();
        assertThat(r.identity().extraGroups()).isEmpty();
        assertThat(r.identity().umask()).isEmpty();
        assertThat(r.identity().changesCredentials()).isFalse();
        assertThat(r.setup().processGroup()).isEmpty();
        assertThat(r.setup().pty()).isEmpty();
        assertThat(r.setup().closeFds()).isTrue();
        assertThat(r.setup().restoreSignals()).isTrue();
        assertThat(r.setup().passFds()).isEmpty();
    }

    @Test
    void aPipelineStageChangesOnlyItsStreamsGroupAndGroupKill() {
        SpawnRequest r = full();
        SpawnRequest stage = r.asPipelineStage(Redirect.INHERIT, Redirect.DEVNULL, 42, true);
        assertThat(stage.stdio().stdin()).isEqualTo(Redirect.INHERIT);
        assertThat(stage.stdio().stdout()).isEqualTo(Redirect.DEVNULL);
        assertThat(stage.setup().processGroup()).hasValue(42);
        assertThat(stage.lifetime().killGroupOnTimeout()).isTrue();
        assertThat(stage.exec()).isEqualTo(r.exec());
        assertThat(stage.env()).isEqualTo(r.env());
        assertThat(stage.identity()).isEqualTo(r.identity());
        assertThat(stage.lifetime().timeout()).isEqualTo(r.lifetime().timeout());
        assertThat(stage.setup().pty()).isEqualTo(r.setup().pty());
        assertThat(r.asPipelineStage(Redirect.PIPE, Redirect.PIPE, null, false).setup().processGroup()).isEmpty();
    }
}
