package dev.subprocess4j.internal.linux;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subprocess4j.BackendContract;
import dev.subprocess4j.PipelineResult;
import dev.subprocess4j.Redirect;
import dev.subprocess4j.Subprocess;
import dev.subprocess4j.internal.Backend;
import dev.subprocess4j.internal.BackendSelector;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The linux-native backend puts every stage of a pipeline into one new process group led by the first
 * stage (the rest of the pipeline contract: {@link dev.subprocess4j.PipelineContract}).
 */
class LinuxPipelineTest extends BackendContract {
    @Override
    protected Backend backend() {
        return BackendSelector.byName("linux-native");
    }

    @TempDir
    Path dir;

    @Test
    @Timeout(30)
    void everyStageJoinsOneNewProcessGroupLedByTheFirst() throws Exception {
        // field 5 of /proc/PID/stat is the process group
        String script = "awk '{print $5}' /proc/$$/stat > ";
        PipelineResult r = Subprocess.pipeline(sh(script + dir.resolve("g1") + "; echo $$"),
                sh(script + dir.resolve("g2") + "; cat"), sh(script + dir.resolve("g3") + "; cat"))
                .stdout(Redirect.PIPE).run();
        long leader = Long.parseLong(r.stdout().strip());
        assertThat(leader).isEqualTo(r.stages().getFirst().pid());
        for (String g : List.of("g1", "g2", "g3")) {
            assertThat(Long.parseLong(Files.readString(dir.resolve(g)).strip())).as(g).isEqualTo(leader);
        }
        long jvmGroup = Long.parseLong(Files.readString(Path.of("/proc/self/stat")).split(" ")[4]);
        assertThat(leader).isNotEqualTo(jvmGroup);
    }
}
