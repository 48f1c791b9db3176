package dev.subprocess4j;

import dev.subprocess4j.fixtures.SlurmCluster;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/** {@link SecretContract} for commands run through {@link SlurmLauncher} on the single-node Slurm ({@link SlurmCluster}). */
class SlurmSecretContractTest extends SecretContract {
    @TempDir
    static Path clusterDir;
    static SlurmCluster cluster;
    static SlurmLauncher slurm;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = SlurmCluster.start(clusterDir);
        slurm = cluster.launcher();
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    /** One run: on the linux-native backend, which starts the launcher's local end. */
    static Stream<String> backends() {
        return Stream.of("linux-native");
    }

    @Override
    protected Launcher launcher() {
        return slurm;
    }
}
