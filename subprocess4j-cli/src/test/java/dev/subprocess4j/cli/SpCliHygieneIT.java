package dev.subprocess4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.subprocess4j.Command;
import dev.subprocess4j.CompletedProcess;
import dev.subprocess4j.Redirect;
import dev.subprocess4j.Subprocess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * sp's manners, end to end through {@code ./sp}: it runs through a symlink from any directory,
 * installs its man pages where {@code man} finds them, passes only fds it was given, and prints
 * no log record unless asked to.
 */
class SpCliHygieneIT {
    private static final Path SP = Path.of("..", "sp").toAbsolutePath().normalize();

    @TempDir
    Path dir;

    private static CompletedProcess run(Command c) {
        CompletedProcess r = c.captureOutput().timeout(Duration.ofSeconds(120)).run();
        assertThat(r.stderr()).as("./sp started a build of its own").doesNotContain("sp: building");
        return r;
    }

    @Test
    @Timeout(150)
    void spRunsThroughASymlinkFromAnyDirectory() throws IOException {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Files.createSymbolicLink(bin.resolve("sp"), SP);
        // a relative link to the link, as `ln -s ../bin/sp` makes
        Path other = Files.createDirectories(dir.resolve("other"));
        Files.createSymbolicLink(other.resolve("sp2"), Path.of("../bin/sp"));
        CompletedProcess onPath = run(Subprocess.command("sp", "run", "--", "echo", "hi").cwd(other)
                .putEnv("PATH", bin + ":/usr/bin:/bin"));
        assertThat(onPath.returnCode()).as(onPath.stderr()).isZero();
        assertThat(onPath.stdout()).isEqualTo("hi\n");
        CompletedProcess relative = run(Subprocess.command("./sp2", "run", "--", "echo", "ho").cwd(other));
        assertThat(relative.returnCode()).as(relative.stderr()).isZero();
        assertThat(relative.stdout()).isEqualTo("ho\n");
    }

    @Test
    @Timeout(150)
    void manInstallPutsThePagesWhereManFindsThem() {
        assumeFalse(Boolean.getBoolean("sp.man.skip"), "the build ran with -Dsp.man.skip=true");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/man")), "man is not installed");
        Path man = dir.resolve("share/man");
        CompletedProcess install = run(Subprocess.command(SP.toString(), "man", "--install", man.toString()));
        assertThat(install.returnCode()).as(install.stderr()).isZero();
        assertThat(install.stderr()).contains("man pages installed in " + man.resolve("man1"));
        assertThat(man.resolve("man1/sp-run.1")).isRegularFile();
        CompletedProcess page = run(Subprocess.command("man", "sp-run").putEnv("MANPATH", man + ":")
                .putEnv("MANPAGER", "cat").putEnv("PAGER", "cat").putEnv("MANWIDTH", "100"));
        assertThat(page.returnCode()).as(page.stderr()).isZero();
        assertThat(page.stdout().replaceAll(".\b", "")).contains("SP-RUN(1)", "--preserve-status");
        // and without installing: the directory to add to MANPATH
        CompletedProcess path = run(Subprocess.command(SP.toString(), "man", "--path"));
        assertThat(path.stdout().strip()).isEqualTo(Path.of("target", "man").toAbsolutePath().toString());
        assertThat(Path.of(path.stdout().strip(), "man1", "sp.1")).isRegularFile();
    }

    @Test
    @Timeout(150)
    void passFdTakesAnFdSpWasGivenAndRefusesTheJvmsOwn() throws IOException {
        Path file = Files.writeString(dir.resolve("given.txt"), "given\n");
        CompletedProcess given = run(Subprocess.command("sh", "-c", "exec \"$0\" run --pass-fd 7 -- cat /dev/fd/7 7<\"$1\"",
                SP.toString(), file.toString()));
        assertThat(given.returnCode()).as(given.stderr()).isZero();
        assertThat(given.stdout()).isEqualTo("given\n");

        // fd 3 of sp's JVM is its lib/modules (or a jar): never the command's
        CompletedProcess own = run(Subprocess.command(SP.toString(), "run", "--pass-fd", "3", "--", "cat", "/dev/fd/3"));
        assertThat(own.returnCode()).isEqualTo(125);
        assertThat(own.stderr()).startsWith("sp: --pass-fd 3: fd 3 is one of sp's own (").contains("not one sp was started with");
        assertThat(own.stdout()).isEmpty();

        CompletedProcess closed = run(Subprocess.command(SP.toString(), "run", "--pass-fd", "200", "--", "true"));
        assertThat(closed.returnCode()).isEqualTo(125);
        assertThat(closed.stderr()).startsWith("sp: --pass-fd 200: fd 200 was not open when sp started");
    }

    @Test
    @Timeout(150)
    void theLibrarysLogRecordsOnlyWithVerboseOneLineEach() {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/ssh")), "no ssh client to fail with");
        // A host that refuses connections is taken out of the pool: the library logs a WARNING.
        List<String> args = List.of("parallel", "-j", "1", "-S", "1/root@127.0.0.1:1,1/:");
        CompletedProcess quiet = run(Subprocess.command(SP.toString(), args.toArray(String[]::new))
                .input("echo a\necho b\n"));
        assertThat(quiet.returnCode()).as(quiet.stderr()).isZero();
        assertThat(quiet.stderr()).doesNotContain("WARNING").doesNotContain("dev.subprocess4j").doesNotContain(" AM ")
                .doesNotContain(" PM ");
        List<String> verboseArgs = new java.util.ArrayList<>(List.of(SP.toString(), "-v"));
        verboseArgs.addAll(args);
        CompletedProcess verbose = run(Subprocess.command(verboseArgs).input("echo a\necho b\n"));
        assertThat(verbose.stderr().lines().filter(l -> l.contains("taking ")).toList())
                .containsExactly("sp: WARNING dev.subprocess4j: taking ssh root@127.0.0.1:1 out of the pool: Connection"
                        + " refused (connect): 'ssh root@127.0.0.1:1': 'ssh: connect to host 127.0.0.1 port 1: Connection"
                        + " refused'");
        CompletedProcess runVerbose = run(Subprocess.command(SP.toString(), "run", "-v", "--", "true"));
        assertThat(runVerbose.stderr()).containsPattern("(?m)^sp: DEBUG dev.subprocess4j: spawned pid [0-9]+: true ");
    }
}
