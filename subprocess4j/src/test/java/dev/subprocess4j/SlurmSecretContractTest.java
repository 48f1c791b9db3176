package dev.subprocess4j;

import dev.subprocess4j.fixtures.SlurmCluster;
import dev.subprocess4j.internal.Backend;
import dev.subprocess4j.internal.BackendSelector;
import java.nio.file.Path;
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

    @Override
    protected Backend backend() {
        return BackendSelector.byName("linux-native");
    }

    @Override
    protected Launcher launcher() {
        return slurm;
    }
}
