package dev.subprocess4j.cli;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;

import dev.subprocess4j.Command;
import dev.subprocess4j.Subprocess;
import java.nio.charset.Charset;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * sp's byte strings: a {@code String} holding one byte per char (ISO-8859-1, chars 0–255), so
 * that arguments, job files and stdin lines keep every byte sp was given, whatever the locale and
 * whether or not they are UTF-8, while the parsing (shell words, replacement strings,
 * {@code --colsep}'s regex, {@code {.}} and the other modifiers) works on them as on text, byte by
 * byte, as GNU parallel's Perl and xargs do. They become bytes again, unchanged, for the command
 * ({@link #command}) and for sp's output; {@link #text} decodes them as UTF-8 only for what must
 * be text: messages and JSON.
 */
public final class Bytes {
    private Bytes() {}

    /** The byte string of {@code bytes}. */
    public static String of(byte[] bytes) {
        return new String(bytes, ISO_8859_1);
    }

    /** The byte string of {@code text}'s UTF-8 encoding (text that did not come as bytes). */
    public static String ofText(String text) {
        return of(text.getBytes(UTF_8));
    }

    /** The bytes of a byte string. */
    public static byte[] bytes(String byteString) {
        return byteString.getBytes(ISO_8859_1);
    }

    /** A byte string as text, for messages and JSON: decoded as UTF-8, what is not UTF-8 replaced. */
    public static String text(String byteString) {
        return new String(bytes(byteString), UTF_8);
    }

    /** Each byte string as text ({@link #text}). */
    public static List<String> text(List<String> byteStrings) {
        List<String> out = new ArrayList<>(byteStrings.size());
        for (String s : byteStrings) {
            out.add(text(s));
        }
        return out;
    }

    /**
     * A file name given as a byte string, as the JVM names files: decoded with its file-name
     * charset ({@code sun.jnu.encoding}, the locale's), so a name it cannot encode (any non-ASCII
     * name under {@code LANG=C}) throws {@link java.nio.file.InvalidPathException}.
     */
    public static Path path(String byteString) {
        return Path.of(new String(bytes(byteString), localeCharset()));
    }

    /** The charset the JVM decodes its arguments and encodes file names with: the locale's ({@code sun.jnu.encoding}). */
    static Charset localeCharset() {
        String name = System.getProperty("sun.jnu.encoding");
        try {
            return name == null ? Charset.defaultCharset() : Charset.forName(name);
        } catch (IllegalArgumentException e) {
            return Charset.defaultCharset();
        }
    }

    /**
     * The command that runs {@code argv}, given as byte strings: the child gets these bytes
     * unchanged (the library's {@link Subprocess#command(byte[]...)}; on the jdk backend only
     * bytes that round-trip through the locale's charset, on ssh and Slurm only UTF-8, else its
     * start fails with {@link UnsupportedOperationException} naming the argument).
     *
     * @throws IllegalArgumentException for an empty argv or a NUL byte, naming it
     */
    public static Command command(List<String> argv) {
        byte[][] raw = new byte[argv.size()][];
        for (int i = 0; i < raw.length; i++) {
            raw[i] = bytes(argv.get(i));
        }
        return Subprocess.command(raw);
    }
}
