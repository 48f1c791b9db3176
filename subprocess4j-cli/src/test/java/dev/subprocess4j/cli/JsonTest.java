package dev.subprocess4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class JsonTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            plain          | "plain"
            `say "hi"`     | "say \\"hi\\""
            `a\\b`         | "a\\\\b"
            `/`            | "/"
            ``             | ""
            """)
    void quoteEscapesQuotesAndBackslashes(String in, String expected) {
        assertThat(Json.quote(in)).isEqualTo(expected);
    }

    @Test
    void quoteEscapesEveryControlCharacter() {
        assertThat(Json.quote("\n\r\t\b\f")).isEqualTo("\"\\n\\r\\t\\b\\f\"");
        assertThat(Json.quote("\u0000\u0001\u001b\u001f")).isEqualTo("\"\\u0000\\u0001\\u001b\\u001f\"");
        for (char c = 0; c < 0x20; c++) {
            assertThat(Json.quote(String.valueOf(c))).as("U+%04x", (int) c).startsWith("\"\\").hasSizeBetween(4, 8);
        }
    }

    @Test
    void quoteKeepsNonAsciiAndEscapesWhatUtf8OrJavaScriptCannotCarry() {
        assertThat(Json.quote("é ☃ 😀 \u007f")).isEqualTo("\"é ☃ 😀 \u007f\"");
        assertThat(Json.quote("\u2028\u2029")).isEqualTo("\"\\u2028\\u2029\"");
        assertThat(Json.quote("a\ud800b")).isEqualTo("\"a\\ud800b\"");       // unpaired high surrogate
        assertThat(Json.quote("\udc00")).isEqualTo("\"\\udc00\"");           // unpaired low surrogate
        assertThat(Json.quote("\ud83d")).isEqualTo("\"\\ud83d\"");           // high surrogate at the end
    }

    @Test
    void quoteRoundTripsThroughAParser() {
        StringBuilder all = new StringBuilder();
        for (char c = 0; c < 0x800; c++) {
            all.append(c);
        }
        all.append("😀\ud800\u2028");
        assertThat(JsonParser.parse(Json.quote(all.toString()))).isEqualTo(all.toString());
    }

    @Test
    void objectKeepsFieldOrderAndTypes() {
        String json = new Json()
                .field("s", "x")
                .field("n", (String) null)
                .field("i", -9)
                .field("b", true)
                .field("a", List.of("p", "q\""))
                .field("e", List.of())
                .seconds("t", Duration.ofMillis(1500))
                .toString();
        assertThat(json).isEqualTo("{\"s\": \"x\", \"n\": null, \"i\": -9, \"b\": true, \"a\": [\"p\", \"q\\\"\"],"
                + " \"e\": [], \"t\": 1.500000}");
        assertThat(JsonParser.parseObject(json)).containsKeys("s", "n", "i", "b", "a", "e", "t");
        assertThat(new Json().toString()).isEqualTo("{}");
    }

    @Test
    void secondsAreNeverInExponentForm() {
        assertThat(new Json().seconds("t", Duration.ofNanos(1234)).toString()).isEqualTo("{\"t\": 0.000001}");
        assertThat(new Json().seconds("t", Duration.ofHours(30)).toString()).isEqualTo("{\"t\": 108000.000000}");
    }
}
