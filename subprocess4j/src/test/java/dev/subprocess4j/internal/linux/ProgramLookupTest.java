package dev.subprocess4j.internal.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.subprocess4j.SpawnException;
import dev.subprocess4j.internal.SpawnChecks;
import dev.subprocess4j.internal.SpawnRequest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.LongStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The native backend looks at the PATH candidates in one call of its C library
 * ({@code sp4j_find_program}); it must find what the JDK's file API finds ({@link SpawnChecks#FILES}),
 * which the JDK backend uses, and which the candidates' naming is the same code for.
 */
class ProgramLookupTest {
    private static final int CASES = 100;
    /** The kinds of file a PATH directory may hold under the program's name. */
    private static final String[] KINDS = {"none", "exec", "plain", "dir", "link-exec", "link-plain", "dangling",
        "link-dir", "fifo", "exec-dir-no-x"};

    @TempDir
    static Path root;
    private static final List<Path> dirs = new ArrayList<>();

    /** One directory per kind, each holding "prog" as that kind; and a file where a directory should be. */
    @BeforeAll
    static void makeTree() throws Exception {
        for (String kind : KINDS) {
            Path d = Files.createDirectory(root.resolve(kind));
            dirs.add(d);
            Path prog = d.resolve("prog");
            switch (kind) {
                case "exec" -> script(prog, "rwxr-xr-x");
                case "plain" -> script(prog, "rw-r--r--");
                case "dir" -> Files.createDirectory(prog);
                case "link-exec" -> Files.createSymbolicLink(prog, script(root.resolve("target-exec"), "rwxr-xr-x"));
                case "link-plain" -> Files.createSymbolicLink(prog, script(root.resolve("target-plain"), "rw-------"));
                case "dangling" -> Files.createSymbolicLink(prog, root.resolve("no-such-target"));
                case "link-dir" -> Files.createSymbolicLink(prog, root);
                case "fifo" -> new ProcessBuilder("mkfifo", prog.toString()).start().waitFor();
                case "exec-dir-no-x" -> Files.setPosixFilePermissions(Files.createDirectory(prog),
                        PosixFilePermissions.fromString("rw-rw-rw-"));
                default -> { }
            }
        }
        script(root.resolve("file-not-dir"), "rwxr-xr-x");
    }

    private static Path script(Path p, String permissions) throws IOException {
        Files.writeString(p, "#!/bin/sh\nexit 0\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(permissions));
        return p;
    }

    private static final SpawnChecks.ProgramProbe NATIVE = ChildSetupSpawner.library()::findProgram;

    @Test
    void eachKindOfFileIsSeenAsTheJdkSeesIt() {
        for (Path d : dirs) {
            List<String> one = List.of(d.resolve("prog").toString());
            assertThat(NATIVE.first(one)).as(one.toString()).isEqualTo(SpawnChecks.FILES.first(one));
        }
        assertThat(NATIVE.first(List.of(root + "/exec/prog"))).isZero();
        assertThat(NATIVE.first(List.of(root + "/plain/prog"))).isEqualTo(SpawnChecks.DENIED);
        assertThat(NATIVE.first(List.of(root + "/dir/prog", root + "/fifo/prog"))).isEqualTo(SpawnChecks.NOT_FOUND);
        assertThat(NATIVE.first(List.of(root + "/file-not-dir/prog"))).isEqualTo(SpawnChecks.NOT_FOUND);
        assertThat(NATIVE.first(List.of(root + "/plain/prog", root + "/dir/prog", root + "/link-exec/prog")))
                .isEqualTo(2);
        assertThat(NATIVE.first(List.of(root + "/exec/prog\0x", root + "/exec/prog"))).as("a name with NUL names no file")
                .isEqualTo(1);
        assertThat(SpawnChecks.FILES.first(List.of(root + "/exec/prog\0x", root + "/exec/prog"))).isEqualTo(1);
    }

    /**
     * Random PATHs of these directories, written absolute or relative (to the child's directory),
     * with empty entries, doubled and trailing slashes: the same program, or the same failure.
     */
    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void theLookupFindsWhatTheJdksFileApiFinds(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<String> entries = new ArrayList<>();
        for (int i = random.nextInt(6); i > 0; i--) {
            entries.add(entry(random));
        }
        String path = String.join(":", entries);
        Path cwd = random.nextBoolean() ? root : root.resolve("dir");
        SpawnRequest r = SpawnRequest.builder(List.of(random.nextInt(8) == 0 ? "missing" : "prog"))
                .cwd(cwd).environment(Map.of("PATH", path), false, Map.of()).build();
        String why = "seed " + seed + " (replay: -Dsubprocess4j.seed=" + seed + "), PATH " + path + ", cwd " + cwd;

        Object jdk = outcome(r, SpawnChecks.FILES);
        Object nativeCalls = outcome(r, NATIVE);
        assertThat(nativeCalls).as(why).isEqualTo(jdk);
    }

    private static String entry(SplittableRandom random) {
        String kind = KINDS[random.nextInt(KINDS.length)];
        return switch (random.nextInt(7)) {
            case 0 -> "";
            case 1 -> kind; // relative to the child's directory
            case 2 -> root + "//" + kind;
            case 3 -> root + "/" + kind + "/";
            case 4 -> root + "/file-not-dir";
            case 5 -> "../" + kind;
            default -> root + "/" + kind;
        };
    }

    /** The path found, or the failure's step and errno. */
    private static Object outcome(SpawnRequest r, SpawnChecks.ProgramProbe probe) {
        Throwable t = catchThrowable(() -> SpawnChecks.resolveProgram(r, probe));
        if (t == null) {
            return SpawnChecks.resolveProgram(r, probe);
        }
        assertThat(t).isInstanceOf(SpawnException.class);
        SpawnException e = (SpawnException) t;
        return e.step() + " " + e.errno();
    }

    static LongStream seeds() {
        Long replay = Long.getLong("subprocess4j.seed");
        return replay != null ? LongStream.of(replay) : new SplittableRandom().longs(CASES);
    }
}
