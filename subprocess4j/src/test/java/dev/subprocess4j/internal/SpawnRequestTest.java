package dev.subprocess4j.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subprocess4j.Redirect;
import dev.subprocess4j.Signal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SpawnRequestTest {
    private static final String MARKER = "s3cr3t-" + Long.toHexString(Double.doubleToLongBits(Math.random()));

    @Test
    void toStringShowsTheEnvironmentsNamesButNoValue() {
        SpawnRequest r = new SpawnRequest(List.of("prog", "arg"), null, Path.of("/tmp"),
                Map.of("API_TOKEN", MARKER, "PATH", "/bin:" + MARKER), false, Redirect.PIPE, Redirect.PIPE,
                Redirect.INHERIT, null, Duration.ofSeconds(1), Signal.SIGTERM, Duration.ZERO, false, false, null, null,
                null, null, null, Map.of(), new int[0], true, true, false,
                TextCodec.DEFAULT);
        String s = r.toString();
        assertThat(s).doesNotContain(MARKER).contains("prog", "arg", "API_TOKEN", "PATH", "/tmp");
        assertThat(r.asPipelineStage(Redirect.PIPE, Redirect.PIPE, 0, true).toString()).doesNotContain(MARKER);
    }
}
