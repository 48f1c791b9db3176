package dev.subprocess4j.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.subprocess4j.Command;
import dev.subprocess4j.CompletedProcess;
import dev.subprocess4j.Redirect;
import dev.subprocess4j.Shlex;
import dev.subprocess4j.Subprocess;
import dev.subprocess4j.fixtures.LeakCheckExtension;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** docs/guide.md: security: no shell by default, quoting, environment hygiene, privilege drop. */
@ExtendWith(LeakCheckExtension.class)
@Timeout(30)
class SecurityExamplesTest {
    @TempDir
    Path tmp;

    @Test
    void noShellUnlessAskedAndQuoteWhatGoesIntoOne() {
        // tag::no-shell[]
        Path marker = tmp.resolve("pwned");
        String hostile = "report.txt; touch " + marker;     // a "file name" from a web form

        // An argv is not parsed by anyone: the whole string is one argument.
        assertThat(Subprocess.checkOutput("echo", hostile)).isEqualTo(hostile + "\n");

        // When a shell is really needed, quote every value that goes into the script.
        assertThat(Subprocess.getOutput("echo " + Shlex.quote(hostile))).isEqualTo(hostile);
        assertThat(marker).doesNotExist();

        // Unquoted, the shell runs the attacker's command.
        Subprocess.shell("echo " + hostile).stdout(Redirect.DEVNULL).run();
        assertThat(marker).exists();
        // end::no-shell[]
    }

    @Test
    void aMinimalEnvironment() {
        // tag::env-hygiene[]
        Command upload = Subprocess.command("env")
                .clearEnv()                          // none of the JVM's variables (and secrets)
                .putEnv("PATH", "/usr/bin:/bin")
                .putEnv("API_TOKEN", "s3cr3t")       // only this child gets it
                .captureOutput();
        assertThat(upload.run().stdout()).isEqualTo("API_TOKEN=s3cr3t\nPATH=/usr/bin:/bin\n");
        assertThat(upload.toString()).isEqualTo("env");  // values never appear in messages or logs
        // end::env-hygiene[]
    }

    /** Backs the guide: redirect files and the directory are set up before the ids change. */
    @Test
    void redirectsAndTheDirectoryAreSetUpBeforeTheIdsChange() throws IOException {
        assumeTrue(Subprocess.checkOutput("id", "-u").equals("0\n"), "needs root");
        Path out = tmp.resolve("out.txt");     // in root's 0700 temporary directory
        CompletedProcess r = Subprocess.command("sh", "-c", "id -u; ls . || echo cannot list")
                .user("nobody")
                .cwd(tmp)
                .stdout(Redirect.file(out))
                .stderr(Redirect.DEVNULL)
                .run();
        assertThat(r.returnCode()).isZero();
        assertThat(Files.readString(out)).isEqualTo("65534\ncannot list\n");
    }

    @Test
    void dropPrivilegesForTheChildOnly() throws IOException {
        assumeTrue(Subprocess.checkOutput("id", "-u").equals("0\n"), "needs root");
        // tag::privilege-drop[]
        Path secret = Files.writeString(tmp.resolve("secret"), "root only\n");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));

        CompletedProcess asRoot = Subprocess.command("cat", secret.toString()).captureOutput().run();
        assertThat(asRoot.stdout()).isEqualTo("root only\n");

        CompletedProcess asNobody = Subprocess.command("cat", secret.toString())
                .user("nobody")
                .captureOutput()
                .run();
        assertThat(asNobody.returnCode()).isEqualTo(1);
        assertThat(asNobody.stderr()).endsWith(": Permission denied\n");
        // end::privilege-drop[]
    }
}
