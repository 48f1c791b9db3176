package dev.subprocess4j.cli;

import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.List;
import tools.jackson.core.JsonEncoding;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.ObjectWriteContext;
import tools.jackson.core.SerializableString;
import tools.jackson.core.StreamWriteFeature;
import tools.jackson.core.io.CharacterEscapes;
import tools.jackson.core.io.SerializedString;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.core.json.JsonWriteFeature;

/**
 * sp's JSON output: one compact object per line (JSON Lines), UTF-8, written with Jackson's
 * streaming generator ({@code tools.jackson.core}).
 *
 * <p>The generator escapes {@code "}, {@code \} and every control character (U+0000–U+001F);
 * sp adds escapes for U+2028/U+2029 (so a line is also valid JavaScript) and keeps {@code /} as
 * it is (Jackson 3 escapes it by default). Every other character, non-ASCII included, reaches the
 * output as UTF-8; a character outside the BMP as its 4-byte UTF-8 form, not as two escapes.
 */
public final class Json {
    private static final JsonFactory FACTORY = JsonFactory.builder()
            .disable(JsonWriteFeature.ESCAPE_FORWARD_SLASHES)
            .disable(JsonWriteFeature.WRITE_HEX_UPPER_CASE)
            .enable(JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8)
            // 0.000000 rather than 0E-6 for a zero duration.
            .enable(StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN)
            .characterEscapes(new LineSeparatorEscapes())
            .build();

    private Json() {}

    /** What writes one JSON value to the generator it is given. */
    @FunctionalInterface
    public interface Body {
        void write(JsonGenerator g);
    }

    /** The JSON value that {@code body} writes, as UTF-8 bytes followed by one {@code \n}. */
    public static byte[] line(Body body) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(512);
        try (JsonGenerator g = FACTORY.createGenerator(ObjectWriteContext.empty(), bytes, JsonEncoding.UTF8)) {
            body.write(g);
        }
        bytes.write('\n');
        return bytes.toByteArray();
    }

    /** Writes the {@link #line} that {@code body} writes to {@code out}. */
    static void write(java.io.PrintStream out, Body body) {
        byte[] b = line(body);
        out.write(b, 0, b.length);
    }

    /** {@link #line} as a string, without the line break: for tests and messages. */
    static String text(Body body) {
        byte[] b = line(body);
        return new String(b, 0, b.length - 1, java.nio.charset.StandardCharsets.UTF_8);
    }

    /** A string property, or {@code null}. */
    public static void string(JsonGenerator g, String name, String value) {
        if (value == null) {
            g.writeNullProperty(name);
        } else {
            g.writeStringProperty(name, value);
        }
    }

    /** An array of strings. */
    public static void strings(JsonGenerator g, String name, List<String> values) {
        g.writeArrayPropertyStart(name);
        for (String v : values) {
            g.writeString(v);
        }
        g.writeEndArray();
    }

    /** An integer property, or {@code null}. */
    public static void integer(JsonGenerator g, String name, Integer value) {
        if (value == null) {
            g.writeNullProperty(name);
        } else {
            g.writeNumberProperty(name, value.intValue());
        }
    }

    /**
     * A number of seconds with {@code decimals} decimal places, as Python prints a float of
     * seconds ({@code 0.301234}, {@code 5.000000}), never in exponent form; {@code null} for null.
     */
    public static void seconds(JsonGenerator g, String name, Duration d, int decimals) {
        if (d == null) {
            g.writeNullProperty(name);
        } else {
            g.writeNumberProperty(name, BigDecimal.valueOf(d.toNanos(), 9).setScale(decimals, RoundingMode.HALF_EVEN));
        }
    }

    /** Jackson's standard escapes, plus U+2028 and U+2029, which JavaScript reads as line breaks. */
    private static final class LineSeparatorEscapes extends CharacterEscapes {
        private static final long serialVersionUID = 1L;
        private static final SerializableString LS = new SerializedString("\\u2028");
        private static final SerializableString PS = new SerializedString("\\u2029");
        private final int[] ascii = standardAsciiEscapesForJSON();

        @Override
        public int[] getEscapeCodesForAscii() {
            return ascii;
        }

        @Override
        public SerializableString getEscapeSequence(int ch) {
            return switch (ch) {
                case '\u2028' -> LS;
                case '\u2029' -> PS;
                default -> null;
            };
        }
    }
}
