package dev.subprocess4j.cli;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.json.JsonFactory;

/**
 * Reads sp's JSON in the tests with Jackson's strict streaming parser: objects become
 * {@link LinkedHashMap} (field order kept), arrays {@link List}, every number a {@link BigDecimal}
 * (so {@code 1} and {@code 1.000000} are told apart), {@code null} {@code null}. Duplicate keys and
 * trailing content are errors, so a passing parse shows that sp printed one valid JSON value.
 */
final class TestJson {
    private static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private TestJson() {}

    /** The value of the JSON text {@code text}; whitespace around it is allowed, nothing else. */
    static Object value(String text) {
        try (JsonParser p = FACTORY.createParser(ObjectReadContext.empty(), text)) {
            Object value = read(p, p.nextToken());
            JsonToken after = p.nextToken();
            if (after != null) {
                throw new IllegalArgumentException("trailing content after the JSON value: " + after + " in " + text);
            }
            return value;
        }
    }

    /** A JSON object, as a map. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> object(String text) {
        Object value = value(text);
        if (!(value instanceof Map)) {
            throw new IllegalArgumentException("not a JSON object: " + text);
        }
        return (Map<String, Object>) value;
    }

    private static Object read(JsonParser p, JsonToken t) {
        if (t == null) {
            throw new IllegalArgumentException("no JSON value");
        }
        return switch (t) {
            case START_OBJECT -> {
                Map<String, Object> m = new LinkedHashMap<>();
                for (JsonToken n = p.nextToken(); n != JsonToken.END_OBJECT; n = p.nextToken()) {
                    String name = p.currentName();
                    m.put(name, read(p, p.nextToken()));
                }
                yield m;
            }
            case START_ARRAY -> {
                List<Object> l = new ArrayList<>();
                for (JsonToken n = p.nextToken(); n != JsonToken.END_ARRAY; n = p.nextToken()) {
                    l.add(read(p, n));
                }
                yield l;
            }
            case VALUE_STRING -> p.getString();
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> new BigDecimal(p.getString());
            case VALUE_TRUE -> true;
            case VALUE_FALSE -> false;
            case VALUE_NULL -> null;
            default -> throw new IllegalArgumentException("unexpected " + t);
        };
    }
}
