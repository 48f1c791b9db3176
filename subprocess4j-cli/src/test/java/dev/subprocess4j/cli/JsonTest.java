package dev.subprocess4j.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class JsonTest {

    private static String string(String value) {
        return Json.text(g -> g.writeString(value));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            plain          | "plain"
            `say "hi"`     | "say \\"hi\\""
            `a\\b`         | "a\\\\b"
            `/`            | "/"
            ``             | ""
            """)
    void quotesAndBackslashesAreEscapedAndSlashIsNot(String in, String expected) {
        assertThat(string(in)).isEqualTo(expected);
    }

    @Test
    void everyControlCharacterIsEscaped() {
        assertThat(string("\n\r\t\b\f")).isEqualTo("\"\\n\\r\\t\\b\\f\"");
        assertThat(string("\u0000\u0001\u001b\u001f")).isEqualTo("\"\\u0000\\u0001\\u001b\\u001f\"");
        for (char c = 0; c < 0x20; c++) {
            assertThat(string(String.valueOf(c))).as("U+%04x", (int) c).startsWith("\"\\").hasSizeBetween(4, 8);
        }
    }

    @Test
    void nonAsciiStaysAsUtf8AndLineSeparatorsAreEscaped() {
        assertThat(string("é ☃ 😀 \u007f")).isEqualTo("\"é ☃ 😀 \u007f\"");
        // The emoji is one 4-byte UTF-8 sequence, not two \\ud83d\\ude00 escapes.
        assertThat(Json.line(g -> g.writeString("😀"))).containsExactly('"', 0xf0 - 256, 0x9f - 256, 0x98 - 256,
                0x80 - 256, '"', '\n');
        assertThat(string("\u2028\u2029")).isEqualTo("\"\\u2028\\u2029\"");
    }

    @Test
    void everyBmpCharacterRoundTripsThroughAParser() {
        StringBuilder all = new StringBuilder();
        for (char c = 0; c < 0xd800; c++) {
            all.append(c);
        }
        all.append("😀\u2028\ufffd");
        String json = string(all.toString());
        assertThat(json).doesNotContain("\n");
        assertThat(TestJson.value(json)).isEqualTo(all.toString());
    }

    @Test
    void objectKeepsPropertyOrderAndTypesOnOneLine() {
        byte[] line = Json.line(g -> {
            g.writeStartObject();
            Json.string(g, "s", "x");
            Json.string(g, "n", null);
            g.writeNumberProperty("i", -9);
            Json.integer(g, "j", null);
            g.writeBooleanProperty("b", true);
            Json.strings(g, "a", List.of("p", "q\""));
            Json.strings(g, "e", List.of());
            Json.seconds(g, "t", Duration.ofMillis(1500), 6);
            g.writeEndObject();
        });
        String text = new String(line, UTF_8);
        assertThat(text).isEqualTo("{\"s\":\"x\",\"n\":null,\"i\":-9,\"j\":null,\"b\":true,\"a\":[\"p\",\"q\\\"\"],"
                + "\"e\":[],\"t\":1.500000}\n");
        Map<String, Object> parsed = TestJson.object(text);
        assertThat(parsed).containsOnlyKeys("s", "n", "i", "j", "b", "a", "e", "t")
                .containsEntry("t", new BigDecimal("1.500000")).containsEntry("a", List.of("p", "q\""));
    }

    private static String seconds(Duration d, int decimals) {
        return Json.text(g -> {
            g.writeStartObject();
            Json.seconds(g, "t", d, decimals);
            g.writeEndObject();
        });
    }

    @Test
    void secondsAreNeverInExponentForm() {
        assertThat(seconds(Duration.ofNanos(1234), 6)).isEqualTo("{\"t\":0.000001}");
        assertThat(seconds(Duration.ZERO, 6)).isEqualTo("{\"t\":0.000000}");
        assertThat(seconds(Duration.ZERO, 9)).isEqualTo("{\"t\":0.000000000}");
        assertThat(seconds(Duration.ofHours(30), 3)).isEqualTo("{\"t\":108000.000}");
    }
}
