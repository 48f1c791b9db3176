package dev.subprocess4j.cli.parallel;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subprocess4j.Shlex;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/** Filling the command template: each job's line from words split once into text and replacement strings. */
class TemplateTest {
    private static final int CASES = 200;

    /** A replacement string naming an argument past int's range is no argument, as one past the last. */
    @Test
    void anArgumentNumberPastIntsRangeIsNoArgument() {
        Template t = new Template(List.of("echo", "[{99999999999}]", "{1}"), false, false);

        assertThat(t.text(List.of("a", "b"), 1, 1)).isEqualTo("echo [] a");
        assertThat(Template.fill("<{99999999999}>", List.of("a"), 1, 1)).isEqualTo("<>");
    }

    @Test
    void emptyWordsKeepTheirPlaceInTheLine() {
        Template t = new Template(List.of("", "x", "", "{3}"), false, false);

        assertThat(t.text(List.of("a"), 1, 1)).isEqualTo(" x  ");
    }

    /**
     * Random words of replacement strings, braces, modifiers and text, against filling them by
     * matching the pattern for each job (what the template did before it split its words once).
     */
    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void aFilledWordIsTheWordWithEachReplacementStringReplaced(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<String> words = new ArrayList<>();
        for (int i = 1 + random.nextInt(4); i > 0; i--) {
            words.add(randomWord(random));
        }
        List<String> args = new ArrayList<>();
        for (int i = 1 + random.nextInt(3); i > 0; i--) {
            args.add(randomArg(random));
        }
        int seq = random.nextInt(1000);
        int slot = 1 + random.nextInt(8);
        boolean context = random.nextBoolean();
        String why = "seed " + seed + " (replay: -Dsubprocess4j.seed=" + seed + "), words " + words + ", args " + args;

        for (String w : words) {
            assertThat(Template.fill(w, args, seq, slot, true)).as(why).isEqualTo(reference(w, args, seq, slot, true));
            assertThat(Template.fill(w, args, seq, slot, false)).as(why).isEqualTo(reference(w, args, seq, slot, false));
        }
        Template t = new Template(words, true, context);
        List<String> expectedWords = new ArrayList<>(words);
        if (expectedWords.stream().noneMatch(x -> Template.REPLACEMENT.matcher(x).find())) {
            expectedWords.add("{}");
        }
        List<String> out = new ArrayList<>();
        for (String w : expectedWords) {
            if (context && args.size() > 1 && usesAllArgs(w)) {
                for (String a : args) {
                    out.add(reference(w, List.of(a), seq, slot, true));
                }
            } else {
                out.add(reference(w, args, seq, slot, true));
            }
        }
        assertThat(t.text(args, seq, slot)).as(why).isEqualTo(String.join(" ", out));
    }

    static LongStream seeds() {
        Long replay = Long.getLong("subprocess4j.seed");
        return replay != null ? LongStream.of(replay) : new SplittableRandom().longs(CASES);
    }

    private static final String[] PIECES = {"{}", "{.}", "{/}", "{//}", "{/.}", "{#}", "{%}", "{1}", "{2}", "{3.}",
        "{1/}", "{2//}", "{1/.}", "{0}", "{01}", "{10}", "{", "}", "{{}}", "{x}", ".", "/", "a", "b c", "'", "\"", "$", "\\",
        "="};

    private static String randomWord(SplittableRandom random) {
        StringBuilder sb = new StringBuilder();
        for (int i = random.nextInt(5); i > 0; i--) {
            sb.append(PIECES[random.nextInt(PIECES.length)]);
        }
        return sb.toString();
    }

    private static String randomArg(SplittableRandom random) {
        String[] pieces = {"dir/", "file", ".txt", "/", ".", " ", "'", "x", "é", "", "$", "\\", "$1"};
        StringBuilder sb = new StringBuilder();
        for (int i = random.nextInt(5); i > 0; i--) {
            sb.append(pieces[random.nextInt(pieces.length)]);
        }
        return sb.toString();
    }

    private static boolean usesAllArgs(String word) {
        Matcher m = Template.REPLACEMENT.matcher(word);
        while (m.find()) {
            if (m.group(1) == null && !m.group().equals("{#}") && !m.group().equals("{%}")) {
                return true;
            }
        }
        return false;
    }

    /** The word filled by matching the pattern, as GNU parallel's replacement strings read. */
    private static String reference(String word, List<String> args, int seq, int slot, boolean quote) {
        Matcher m = Template.REPLACEMENT.matcher(word);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String value;
            if (m.group().equals("{#}")) {
                value = Integer.toString(seq);
            } else if (m.group().equals("{%}")) {
                value = Integer.toString(slot);
            } else if (m.group(1) != null) {
                int n = Integer.parseInt(m.group(1));
                value = n >= 1 && n <= args.size() ? q(Template.modify(args.get(n - 1), m.group(2)), quote) : "";
            } else {
                List<String> each = new ArrayList<>();
                for (String a : args) {
                    each.add(q(Template.modify(a, m.group(2)), quote));
                }
                value = String.join(" ", each);
            }
            m.appendReplacement(sb, Matcher.quoteReplacement(value));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    private static String q(String s, boolean quote) {
        return quote ? Shlex.quote(s) : s;
    }
}
