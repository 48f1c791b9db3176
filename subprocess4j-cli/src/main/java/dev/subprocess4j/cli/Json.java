package dev.subprocess4j.cli;

import java.util.List;
import java.util.Locale;

/**
 * Writes one flat JSON object (RFC 8259) field by field, in the order the fields are added.
 *
 * <p>Strings are escaped by {@link #quote(String)}: {@code "} and {@code \}, every control
 * character (U+0000–U+001F), U+2028/U+2029 (so the output is also valid JavaScript) and any
 * unpaired surrogate (which has no UTF-8 form) become escapes; all other characters, non-ASCII
 * included, stay as they are and reach the output as UTF-8.
 */
final class Json {
    private final StringBuilder text = new StringBuilder("{");
    private boolean empty = true;

    /** A string field, {@code null} written as JSON {@code null}. */
    Json field(String name, String value) {
        return raw(name, value == null ? "null" : quote(value));
    }

    /** An integer field. */
    Json field(String name, long value) {
        return raw(name, Long.toString(value));
    }

    /** A boolean field. */
    Json field(String name, boolean value) {
        return raw(name, Boolean.toString(value));
    }

    /** An array of strings. */
    Json field(String name, List<String> values) {
        StringBuilder array = new StringBuilder("[");
        for (int i = 0; i < values.size(); i++) {
            if (i > 0) {
                array.append(", ");
            }
            array.append(quote(values.get(i)));
        }
        return raw(name, array.append(']').toString());
    }

    /**
     * A number of seconds with a fractional part (microsecond precision), as Python prints a float
     * of seconds: {@code 0.301234}, {@code 5.000000}. Never in exponent form.
     */
    Json seconds(String name, java.time.Duration d) {
        return raw(name, String.format(Locale.ROOT, "%.6f", d.toNanos() / 1e9));
    }

    /** A nested object field, written as given (it must already be valid JSON), or {@code null}. */
    Json object(String name, Json value) {
        return raw(name, value == null ? "null" : value.toString());
    }

    /** A field whose value is written as given (it must already be valid JSON). */
    Json raw(String name, String json) {
        if (!empty) {
            text.append(", ");
        }
        empty = false;
        text.append(quote(name)).append(": ").append(json);
        return this;
    }

    /** The object, on one line (no line break inside: every control character is escaped). */
    @Override
    public String toString() {
        return text + "}";
    }

    /** {@code s} as a JSON string literal, quotes included. */
    static String quote(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    if (c < 0x20 || c == '\u2028' || c == '\u2029') {
                        unicodeEscape(sb, c);
                    } else if (Character.isHighSurrogate(c) && i + 1 < s.length()
                            && Character.isLowSurrogate(s.charAt(i + 1))) {
                        sb.append(c).append(s.charAt(++i)); // a valid pair: one code point, kept as is
                    } else if (Character.isSurrogate(c)) {
                        unicodeEscape(sb, c); // unpaired: no UTF-8 form, so only an escape keeps it
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }

    private static void unicodeEscape(StringBuilder sb, char c) {
        sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
    }
}
