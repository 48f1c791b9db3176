package dev.subprocess4j;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;

/**
 * The explaining part of the exceptions' messages: the command as a shell reads it and the last
 * lines of the captured stderr, bounded, with the values of the command's environment changes
 * masked and control characters escaped (a message goes to logs and terminals).
 */
final class Messages {
    private Messages() {}

    /** At most this many lines of stderr in a message. */
    static final int MAX_LINES = 20;
    /** At most this many bytes of stderr (before decoding) in a message. */
    static final int MAX_BYTES = 2048;
    /** Shorter values are not masked: they would mask ordinary words ("1", "yes", "C"). */
    static final int MIN_MASKED = 4;
    static final String MASK = "***";

    /** Python's sentence, the command quoted by {@link Shlex#join}. */
    static String command(List<String> argv) {
        return "Command " + Shlex.join(argv);
    }

    /** {@code "\nstderr:\n..."} with the last lines of {@code stderr}, or "" when there is none. */
    static String stderrTail(byte[] stderr, Charset charset, Collection<String> masked) {
        if (stderr == null || stderr.length == 0) {
            return "";
        }
        int from = Math.max(0, stderr.length - MAX_BYTES);
        boolean cutBytes = from > 0;
        String text = decodeLeniently(stderr, from, charset);
        if (cutBytes) {
            int nl = text.indexOf('\n');
            text = nl >= 0 ? text.substring(nl + 1) : dropPartialStart(text);
        }
        text = text.replace("\r\n", "\n").replace('\r', '\n');
        if (text.endsWith("\n")) {
            text = text.substring(0, text.length() - 1);
        }
        String[] lines = text.split("\n", -1);
        boolean cutLines = lines.length > MAX_LINES;
        List<String> kept = new ArrayList<>(List.of(lines).subList(Math.max(0, lines.length - MAX_LINES), lines.length));
        String joined = mask(String.join("\n", kept), masked);
        if (joined.isBlank()) {
            return "";
        }
        String header = cutLines ? "stderr (last " + MAX_LINES + " lines):" : cutBytes ? "stderr (last 2 KiB):" : "stderr:";
        return "\n" + header + "\n" + escapeControls(joined);
    }

    private static String decodeLeniently(byte[] b, int from, Charset charset) {
        CharsetDecoder d = charset.newDecoder().onMalformedInput(CodingErrorAction.REPLACE)
                .onUnmappableCharacter(CodingErrorAction.REPLACE);
        try {
            return d.decode(ByteBuffer.wrap(b, from, b.length - from)).toString();
        } catch (CharacterCodingException e) {
            return new String(b, from, b.length - from, charset); // REPLACE never throws; for the compiler
        }
    }

    /** After a byte cut inside a long line: drop what decoded from a partial character. */
    private static String dropPartialStart(String text) {
        int i = 0;
        while (i < text.length() && text.charAt(i) == '\uFFFD') {
            i++;
        }
        return text.substring(i);
    }

    private static String mask(String text, Collection<String> masked) {
        if (masked.isEmpty()) {
            return text;
        }
        List<String> longestFirst = masked.stream().filter(v -> v != null && v.length() >= MIN_MASKED).distinct()
                .sorted(Comparator.comparingInt(String::length).reversed()).toList();
        for (String v : longestFirst) {
            text = text.replace(v, MASK);
        }
        return text;
    }

    /** C0 controls but newline and tab, and DEL, as {@code \xNN}: no terminal escape reaches a log. */
    private static String escapeControls(String text) {
        StringBuilder sb = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean control = (c < 0x20 && c != '\n' && c != '\t') || c == 0x7f;
            if (control && sb == null) {
                sb = new StringBuilder(text.length() + 16).append(text, 0, i);
            }
            if (sb != null) {
                if (control) {
                    sb.append(String.format("\\x%02x", (int) c));
                } else {
                    sb.append(c);
                }
            }
        }
        return sb == null ? text : sb.toString();
    }
}
