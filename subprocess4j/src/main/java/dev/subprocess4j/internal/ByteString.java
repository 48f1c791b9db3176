package dev.subprocess4j.internal;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Bytes compared by content: an argument or environment entry given as bytes that are not valid
 * UTF-8 ({@code Subprocess.command(byte[]...)}, {@code Command.putEnv(byte[], byte[])}). Never
 * changed after construction; {@link #toString()} shows the bytes as text decoded with
 * replacement, for messages about names and arguments only (never an environment value).
 *
 * @param bytes the bytes, owned by this object (callers pass a copy)
 */
public record ByteString(byte[] bytes) {

    /** Whether {@code b} is well-formed UTF-8: it then decodes to a string that encodes back to exactly {@code b}. */
    public static boolean isUtf8(byte[] b) {
        return decode(b, StandardCharsets.UTF_8) != null;
    }

    /** {@code b} decoded with {@code cs} when every byte is valid in it, else {@code null}. */
    public static String decode(byte[] b, Charset cs) {
        try {
            return cs.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    /** {@code b} as text for display: UTF-8 with each malformed byte replaced by U+FFFD. */
    public static String display(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    /** {@code b} in hex, e.g. {@code 66 6f ff}, at most 64 bytes then {@code ...}; for messages. */
    public static String hex(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(b.length, 64); i++) {
            sb.append(i == 0 ? "" : " ").append(String.format("%02x", b[i] & 0xff));
        }
        return b.length > 64 ? sb.append(" ...").toString() : sb.toString();
    }

    /** The first index of {@code value} in {@code b}, or -1. */
    public static int indexOf(byte[] b, int value) {
        for (int i = 0; i < b.length; i++) {
            if (b[i] == (byte) value) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ByteString other && Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return display(bytes);
    }
}
