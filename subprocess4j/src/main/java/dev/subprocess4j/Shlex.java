package dev.subprocess4j;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Shell-style quoting and splitting, with exactly the results of CPython's {@code shlex} in POSIX
 * mode with comments off.
 *
 * <h2>Examples</h2>
 * {@snippet :
 * Shlex.split("grep -r 'two words' \"$HOME\"");   // [grep, -r, two words, $HOME]
 * Shlex.quote("it's");                              // 'it'"'"'s'
 * Shlex.join(List.of("echo", "a b"));               // echo 'a b'
 * }
 *
 * <h2>Errors</h2>
 * {@link #split(String)} throws {@link IllegalArgumentException} with Python's message
 * ({@code No closing quotation}, {@code No escaped character}).
 *
 * <h2>Python equivalent</h2>
 * {@code shlex.quote}, {@code shlex.split(s)} (POSIX, {@code comments=False}), {@code shlex.join}.
 */
public final class Shlex {
    private Shlex() {}

    /**
     * Quotes a string so that a POSIX shell reads it back as one word, unchanged. Strings made only
     * of ASCII letters, digits and {@code @%+=:,./-_} are returned as they are.
     */
    public static String quote(String s) {
        Objects.requireNonNull(s, "s");
        if (s.isEmpty()) {
            return "''";
        }
        if (isSafe(s)) {
            return s;
        }
        return "'" + s.replace("'", "'\"'\"'") + "'";
    }

    private static boolean isSafe(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || "_@%+=:,./-".indexOf(c) >= 0;
            if (!safe) {
                return false;
            }
        }
        return true;
    }

    /** Joins words into one shell command line, quoting each with {@link #quote(String)}. */
    public static String join(List<String> words) {
        Objects.requireNonNull(words, "words");
        StringBuilder sb = new StringBuilder();
        for (String w : words) {
            if (!sb.isEmpty()) {
                sb.append(' ');
            }
            sb.append(quote(w));
        }
        return sb.toString();
    }

    private static final int WHITESPACE = ' ';
    private static final int WORD = 'a';
    private static final int ESCAPE = '\\';

    /**
     * Splits a command line into words as a POSIX shell would (quotes and backslash escapes; no
     * expansion, no comments).
     *
     * @throws IllegalArgumentException {@code No closing quotation} or {@code No escaped character}
     */
    public static List<String> split(String s) {
        Objects.requireNonNull(s, "s");
        List<String> words = new ArrayList<>();
        StringBuilder token = new StringBuilder();
        boolean quoted = false;
        int state = WHITESPACE;
        int escapedState = WORD;
        int i = 0;
        while (true) {
            if (i >= s.length()) {
                if (state == '\'' || state == '"') {
                    throw new IllegalArgumentException("No closing quotation");
                }
                if (state == ESCAPE) {
                    throw new IllegalArgumentException("No escaped character");
                }
                if (quoted || !token.isEmpty()) {
                    words.add(token.toString());
                }
                return words;
            }
            char c = s.charAt(i++);
            switch (state) {
                case WHITESPACE -> {
                    if (isWhitespace(c)) {
                        if (quoted || !token.isEmpty()) {
                            words.add(token.toString());
                            token.setLength(0);
                            quoted = false;
                        }
                    } else if (c == '\\') {
                        escapedState = WORD;
                        state = ESCAPE;
                    } else if (c == '\'' || c == '"') {
                        state = c;
                    } else {
                        token.append(c);
                        state = WORD;
                    }
                }
                case '\'', '"' -> {
                    quoted = true;
                    if (c == state) {
                        state = WORD;
                    } else if (c == '\\' && state == '"') {
                        escapedState = state;
                        state = ESCAPE;
                    } else {
                        token.append(c);
                    }
                }
                case ESCAPE -> {
                    // Inside double quotes a backslash escapes only the quote and itself.
                    if ((escapedState == '"' || escapedState == '\'') && c != escapedState && c != '\\') {
                        token.append('\\');
                    }
                    token.append(c);
                    state = escapedState;
                }
                default -> { // WORD
                    if (isWhitespace(c)) {
                        state = WHITESPACE;
                        if (quoted || !token.isEmpty()) {
                            words.add(token.toString());
                            token.setLength(0);
                            quoted = false;
                        }
                    } else if (c == '\'' || c == '"') {
                        state = c;
                    } else if (c == '\\') {
                        escapedState = WORD;
                        state = ESCAPE;
                    } else {
                        token.append(c);
                    }
                }
            }
        }
    }

    private static boolean isWhitespace(char c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\n';
    }
}
