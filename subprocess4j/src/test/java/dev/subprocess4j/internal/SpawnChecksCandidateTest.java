package dev.subprocess4j.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A PATH lookup's candidate names: an absolute entry is joined to the name as a string, every
 * other one through {@link Path#resolve}; both must name the file as {@code Path} does, which the
 * lookup has always answered with (and which error messages and the exec show).
 */
class SpawnChecksCandidateTest {
    private static final int CASES = 300;
    private static final String[] PIECES = {"/", "//", "a", "bin", ".", "..", "a.b", " ", "x y", "é", "~"};

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void aCandidateIsNamedAsPathResolveNamesIt(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        StringBuilder dir = new StringBuilder();
        for (int i = random.nextInt(6); i > 0; i--) {
            dir.append(PIECES[random.nextInt(PIECES.length)]);
        }
        Path cwd = random.nextBoolean() ? null : Path.of("/tmp/some dir");
        String program = random.nextBoolean() ? "prog" : "a.out";
        SpawnRequest.Builder b = SpawnRequest.builder(List.of(program)).environment(Map.of("PATH", dir.toString()), false);
        if (cwd != null) {
            b.cwd(cwd);
        }
        SpawnRequest r = b.build();
        Path base = cwd != null ? cwd : Path.of("").toAbsolutePath();
        String d = dir.toString();
        String expected = base.resolve(d.isEmpty() ? "." : d).resolve(program).toString();

        assertThat(SpawnChecks.candidate(r, d, program))
                .as("seed %d (replay: -Dsubprocess4j.seed=%d), entry '%s', cwd %s", seed, seed, d, cwd)
                .isEqualTo(expected);
        assertThat(SpawnChecks.candidates(r, program)).as("seed %d", seed).containsExactly(expected);
    }

    static LongStream seeds() {
        Long replay = Long.getLong("subprocess4j.seed");
        return replay != null ? LongStream.of(replay) : new SplittableRandom().longs(CASES);
    }
}
