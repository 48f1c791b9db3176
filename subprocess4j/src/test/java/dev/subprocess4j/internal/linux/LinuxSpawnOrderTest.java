package dev.subprocess4j.internal.linux;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subprocess4j.BackendContract;
import dev.subprocess4j.Command;
import dev.subprocess4j.CompletedProcess;
import dev.subprocess4j.Redirect;
import dev.subprocess4j.Rlimit;
import dev.subprocess4j.internal.Backend;
import dev.subprocess4j.internal.BackendSelector;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The order of the child's set-up steps on the linux-native backend: the resource limits are
 * set last, just before the exec (as Python's {@code preexec_fn} and Rust's {@code pre_exec} do),
 * so a limit never breaks the set-up itself. {@code rlimit(NOFILE, 0..2)} used to fail the spawn
 * ({@code [EBADF, FDS]} with pipes, {@code [EMFILE, OPEN_REDIRECT]} with a file redirect): the child
 * set the limit before it arranged its fds 0-2.
 *
 * <p>The program is a dynamically linked one: with fewer than 4 fds allowed, its dynamic loader
 * cannot open the C library and says so on stderr with exit status 127 (Python shows the same).
 * That message, on the stderr the library arranged, proves both that the program was executed
 * with its redirects in place and that the limit binds it ("Error 24" is EMFILE).
 */
class LinuxSpawnOrderTest extends BackendContract {
    private static final String LOADER_FAILED = "error while loading shared libraries";

    @TempDir
    Path dir;

    @Override
    protected Backend backend() {
        return BackendSelector.byName("linux-native");
    }

    /** A way the child is set up: the shared-table clone, the copying clone, the exec'd helper. */
    private static final List<SpawnWay> WAYS = List.of(
            new SpawnWay("shared table", c -> c, false),
            new SpawnWay("sharedFdTable=false", c -> c, true),
            new SpawnWay("helper (user nobody)", c -> c.user("nobody"), false),
            new SpawnWay("killOnParentExit", Command::killOnParentExit, false));


    @Test
    void nofileBelowThreeWorksWithPipesOnEveryPath() {
        for (SpawnWay way : WAYS) {
            for (int n = 0; n <= 2; n++) {
                Command c = way.how().apply(cmd("cat").rlimit(Rlimit.NOFILE, n, n)).input("x").captureOutput();
                CompletedProcess r = way.run(c::run);
                assertThat(r.returnCode()).as(way.name() + ", NOFILE " + n).isEqualTo(127);
                assertThat(r.stderr()).as(way.name() + ", NOFILE " + n).contains(LOADER_FAILED).contains("24");
            }
        }
        assertThat(ProcessHandle.current().children()).isEmpty();
    }

    @Test
    void nofileBelowThreeWorksWithFileRedirectsOnEveryPath() throws IOException {
        Path in = Files.writeString(dir.resolve("in"), "x");
        for (SpawnWay way : WAYS) {
            for (int n = 0; n <= 2; n++) {
                Path out = dir.resolve("out");
                Files.deleteIfExists(out);
                Path err = dir.resolve("err");
                Files.writeString(err, "old contents");
                Command c = way.how().apply(cmd("cat").rlimit(Rlimit.NOFILE, n, n).umask(027))
                        .stdin(Redirect.read(in)).stdout(Redirect.file(out)).stderr(Redirect.file(err));
                CompletedProcess r = way.run(c::run);
                assertThat(r.returnCode()).as(way.name() + ", NOFILE " + n).isEqualTo(127);
                assertThat(Files.readString(err)).as(way.name() + ", NOFILE " + n).contains(LOADER_FAILED)
                        .doesNotContain("old contents");
                assertThat(out).as(way.name() + ", NOFILE " + n).isEmptyFile();
                assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(out)))
                        .as("created with the command's umask too").isEqualTo("rw-r-----");
            }
        }
        assertThat(ProcessHandle.current().children()).isEmpty();
    }
}
