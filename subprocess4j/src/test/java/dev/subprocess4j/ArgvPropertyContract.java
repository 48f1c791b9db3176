package dev.subprocess4j;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.subprocess4j.fixtures.PropertySeed;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Property: any argv (Unicode without NUL, shell metacharacters, newlines, quotes, emoji, empty
 * strings) reaches the child unchanged, byte for byte in UTF-8. Cases are seeded; see
 * {@link PropertySeed} to replay one.
 */
@EveryBackend
public class ArgvPropertyContract extends BackendContract {
    private static final int CASES = 120;
    /** Prints each argument followed by a NUL byte: the exact bytes the child received. */
    private static final String PRINT_ARGS = "printf '%s\\0' \"$@\"";

    /** One generated argv (without the program), named by its seed and index. */
    record ArgvCase(int index, List<String> args) {
        @Override
        public String toString() {
            return PropertySeed.describe(index, args.size() + " args");
        }
    }

    /** Hand-picked arguments that break naive quoting; case 0 passes them all at once. */
    private static final List<String> TRICKY = List.of(
            "", " ", "  two  spaces  ", "$(echo pwned)", "`id`", "${HOME}", "$HOME", "a;b", "a && b", "a|b",
            "'", "\"", "\\", "\\\"", "'\"'\"'", "*", "?", "[a-z]", "~", "#comment", "%s", "%n", "-c", "--", "-",
            "\n", "\r\n", "line1\nline2", "\t", "\u0001\u001f\u007f", "é", "€", "😀", "👨‍👩‍👧", "\uFEFF", "\uFFFD",
            "\u00a0", "𝄞 music", "日本語", "a=b", "x".repeat(10_000));

    static Stream<ArgvCase> argvCases() {
        return IntStream.range(0, CASES).mapToObj(i -> i == 0
                ? new ArgvCase(0, TRICKY)
                : new ArgvCase(i, randomArgv(PropertySeed.random("argv", i))));
    }

    private static List<String> randomArgv(Random random) {
        int n = 1 + random.nextInt(10);
        List<String> args = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            args.add(random.nextInt(8) == 0 ? TRICKY.get(random.nextInt(TRICKY.size())) : randomString(random));
        }
        return args;
    }

    private static final String SHELL_SPECIALS = " \t\n\r\"'\\$`;&|<>(){}[]*?!#~=%^,.:-_/+@";

    private static String randomString(Random random) {
        int length = random.nextInt(5) == 0 ? 0 : random.nextInt(40);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < length; i++) {
            int kind = random.nextInt(10);
            int cp = switch (kind) {
                case 0, 1, 2 -> SHELL_SPECIALS.charAt(random.nextInt(SHELL_SPECIALS.length()));
                case 3, 4 -> 'a' + random.nextInt(26);
                case 5 -> 1 + random.nextInt(0x7f); // any ASCII but NUL, controls included
                case 6 -> 0x80 + random.nextInt(0x780); // Latin-1 supplement to two-byte UTF-8
                case 7 -> bmpOutsideSurrogates(random);
                case 8 -> 0x1F300 + random.nextInt(0x700); // emoji and pictographs
                default -> 0x10000 + random.nextInt(0x100000); // any supplementary code point
            };
            sb.appendCodePoint(cp);
        }
        return sb.toString();
    }

    private static int bmpOutsideSurrogates(Random random) {
        while (true) {
            int cp = 0x800 + random.nextInt(0x10000 - 0x800);
            if (cp < Character.MIN_SURROGATE || cp > Character.MAX_SURROGATE) {
                return cp;
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("argvCases")
    void anyArgvReachesTheChildUnchanged(ArgvCase c) {
        List<String> argv = new ArrayList<>(List.of("/bin/sh", "-c", PRINT_ARGS, "sh"));
        argv.addAll(c.args());
        CompletedProcess r = cmd(argv.toArray(String[]::new)).stdout(Redirect.PIPE).run();
        assertThat(r.returnCode()).as(c::toString).isZero();
        assertThat(r.args()).as(c::toString).isEqualTo(argv);
        String out = new String(r.stdoutBytes(), UTF_8);
        assertThat(out).as(c::toString).endsWith("\0");
        List<String> received = Arrays.asList(out.substring(0, out.length() - 1).split("\0", -1));
        assertThat(received).as(c::toString).isEqualTo(c.args());
    }
}
