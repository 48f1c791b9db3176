package dev.subprocess4j;

import dev.subprocess4j.fixtures.SshServer;
import dev.subprocess4j.internal.Backend;
import dev.subprocess4j.internal.BackendSelector;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/** {@link SecretContract} for commands run through {@link SshLauncher} on the loopback sshd ({@link SshServer}). */
class SshSecretContractTest extends SecretContract {
    @TempDir
    static Path serverDir;
    static SshServer server;
    static SshLauncher ssh;

    @BeforeAll
    static void startServer() throws Exception {
        server = SshServer.start(serverDir);
        ssh = server.launcher();
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    @Override
    protected Backend backend() {
        return BackendSelector.byName("linux-native");
    }

    @Override
    protected Launcher launcher() {
        return ssh;
    }
}
