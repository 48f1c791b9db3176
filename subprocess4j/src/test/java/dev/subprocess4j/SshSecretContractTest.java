package dev.subprocess4j;

import dev.subprocess4j.fixtures.SshServer;
import java.nio.file.Path;
import java.util.stream.Stream;
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

    /** One run: on the linux-native backend, which starts the launcher's local end. */
    static Stream<String> backends() {
        return Stream.of("linux-native");
    }

    @Override
    protected Launcher launcher() {
        return ssh;
    }
}
