package dev.subprocess4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ShlexTest {

    /** One line of shlex-cases.tsv: the input and the words CPython's shlex.split gives, or its error. */
    record Case(String input, List<String> words, String error) {
        @Override
        public String toString() {
            return Validation.printable(input);
        }
    }

    static Stream<Case> cpythonCases() throws IOException {
        List<Case> cases = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(
                ShlexTest.class.getResourceAsStream("shlex-cases.tsv"), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.startsWith("##")) {
                    continue;
                }
                String[] f = line.split("\t", -1);
                String input = unescape(f[0]);
                if (f[1].startsWith("!")) {
                    cases.add(new Case(input, null, f[1].substring(1)));
                } else {
                    int n = Integer.parseInt(f[1]);
                    List<String> words = new ArrayList<>();
                    for (int i = 0; i < n; i++) {
                        words.add(unescape(f[2 + i]));
                    }
                    cases.add(new Case(input, words, null));
                }
            }
        }
        assertThat(cases).hasSizeGreaterThan(80);
        return cases.stream();
    }

    private static String unescape(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\') {
                sb.append(c);
                continue;
            }
            char e = s.charAt(++i);
            switch (e) {
                case '\\' -> sb.append('\\');
                case 't' -> sb.append('\t');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 'u' -> {
                    sb.append((char) Integer.parseInt(s.substring(i + 1, i + 5), 16));
                    i += 4;
                }
                default -> throw new IllegalArgumentException("bad escape in test data: " + s);
            }
        }
        return sb.toString();
    }

    @ParameterizedTest(name = "split {0}")
    @MethodSource("cpythonCases")
    void splitGivesCPythonsWords(Case c) {
        if (c.error() != null) {
            assertThatThrownBy(() -> Shlex.split(c.input()))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage(c.error());
        } else {
            assertThat(Shlex.split(c.input())).containsExactlyElementsOf(c.words());
        }
    }

    @ParameterizedTest(name = "join round trip {0}")
    @MethodSource("cpythonCases")
    void joinThenSplitGivesTheWordsBack(Case c) {
        if (c.words() != null) {
            assertThat(Shlex.split(Shlex.join(c.words()))).containsExactlyElementsOf(c.words());
        }
    }

    @Test
    void quoteLeavesSafeStringsAlone() {
        String safe = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@%_-+=:,./";
        assertThat(Shlex.quote(safe)).isEqualTo(safe);
        assertThat(Shlex.quote("")).isEqualTo("''");
        assertThat(Shlex.quote("test file name")).isEqualTo("'test file name'");
    }

    @Test
    void quoteWrapsUnsafeCharactersAsCPythonDoes() {
        for (char u : "\"`$\\!\u00e9\u00e0\u00df".toCharArray()) {
            assertThat(Shlex.quote("test" + u + "name")).isEqualTo("'test" + u + "name'");
            assertThat(Shlex.quote("test" + u + "'name'")).isEqualTo("'test" + u + "'\"'\"'name'\"'\"''");
        }
    }

    @Test
    void joinQuotesEachWordAsCPythonDoes() {
        assertThat(Shlex.join(List.of("a ", "b"))).isEqualTo("'a ' b");
        assertThat(Shlex.join(List.of("a", " b"))).isEqualTo("a ' b'");
        assertThat(Shlex.join(List.of("a", " ", "b"))).isEqualTo("a ' ' b");
        assertThat(Shlex.join(List.of("\"a", "b\""))).isEqualTo("'\"a' 'b\"'");
        assertThat(Shlex.join(List.of())).isEmpty();
    }

    @Test
    void splitReportsPythonsErrors() {
        assertThatThrownBy(() -> Shlex.split("echo 'open")).hasMessage("No closing quotation");
        assertThatThrownBy(() -> Shlex.split("echo \"open")).hasMessage("No closing quotation");
        assertThatThrownBy(() -> Shlex.split("echo \\")).hasMessage("No escaped character");
        assertThatThrownBy(() -> Shlex.split("\"a\\")).hasMessage("No escaped character");
    }

    // ---- property: split(join(x)) == x for any list of strings ----------------------------------

    static final long SEED = Long.getLong("subprocess4j.seed", System.nanoTime());

    static Stream<Arguments> randomWordLists() {
        Random seeds = new Random(SEED);
        return IntStream.range(0, 300).mapToObj(i -> Arguments.of(SEED, seeds.nextLong()));
    }

    /** Random words from an alphabet rich in shell metacharacters, whitespace and non-ASCII. */
    static List<String> randomWords(Random r) {
        String alphabet = " \t\n\r'\"\\$`;&|<>(){}[]*?!#~=%@,.:/-_aZ09éß€😀";
        int[] points = alphabet.codePoints().toArray();
        int n = r.nextInt(6);
        List<String> words = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            StringBuilder sb = new StringBuilder();
            int len = r.nextInt(12);
            for (int j = 0; j < len; j++) {
                sb.appendCodePoint(r.nextInt(10) == 0 ? 0x80 + r.nextInt(0xD000) : points[r.nextInt(points.length)]);
            }
            words.add(sb.toString());
        }
        return words;
    }

    @ParameterizedTest(name = "case seed {1} (replay all with -Dsubprocess4j.seed={0})")
    @MethodSource("randomWordLists")
    void splitOfJoinIsIdentity(long classSeed, long seed) {
        List<String> words = randomWords(new Random(seed));
        assertThat(Shlex.split(Shlex.join(words)))
                .as("class seed %d, case seed %d, words %s", SEED, seed, Arrays.toString(words.toArray()))
                .containsExactlyElementsOf(words);
    }
}
