package dev.subprocess4j.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * sp's arguments as the bytes it was given. The JVM decodes its argv with the locale's charset
 * before {@code main} sees it, replacing what does not decode (every non-ASCII byte under
 * {@code LANG=C}, bytes that are not UTF-8 in a UTF-8 locale); the kernel still holds the bytes,
 * in {@code /proc/self/cmdline}: the JVM's whole argv (java, its options, the jar or class), whose
 * last {@code args.length} entries are {@code main}'s arguments, whatever came before them
 * ({@code ./sp}'s JVM options, a launcher's own). Each entry is checked against the string the JVM
 * made of it; when {@code /proc} cannot be read or they do not match, the strings are used (their
 * UTF-8 bytes), with one warning when an argument lost bytes.
 */
public final class RawArgs {
    /** main's arguments, as the JVM decoded them. */
    private final List<String> strings;
    /** The same, as byte strings ({@link Bytes}). */
    private final List<String> raw;

    private RawArgs(String[] strings, List<String> raw) {
        this(List.of(strings), raw);
    }

    private RawArgs(List<String> strings, List<String> raw) {
        this.strings = List.copyOf(strings);
        this.raw = List.copyOf(raw);
    }

    /**
     * The arguments before the last {@code k} (sp's own, before the positional parameters that
     * {@link #tail} maps): where {@link #option} and {@link #options} look, so that a command's
     * own argument that looks like one of sp's options is never taken for it.
     */
    public RawArgs beforeTail(int k) {
        int end = Math.max(0, strings.size() - k);
        return new RawArgs(strings.subList(0, end), raw.subList(0, end));
    }

    /** {@code args} read as bytes from {@code cmdline} (such as /proc/self/cmdline); see the class comment. */
    static RawArgs read(String[] args, Path cmdline, PrintStream err) {
        return new RawArgs(args, of(args, cmdline, err));
    }

    /** {@code args} that came as strings (sp run in-process by tests): their UTF-8 bytes. */
    static RawArgs ofStrings(String[] args) {
        return new RawArgs(args, java.util.Arrays.stream(args).map(Bytes::ofText).toList());
    }

    /**
     * The bytes of {@code parsed}, the last arguments (picocli's positional parameters, which
     * end the command line: sp stops parsing options at the first one): the same number of
     * entries from the end. Their UTF-8 when they are not the last arguments.
     */
    public List<String> tail(List<String> parsed) {
        int n = strings.size();
        int k = parsed.size();
        if (k <= n && strings.subList(n - k, n).equals(parsed)) {
            return raw.subList(n - k, n);
        }
        return parsed.stream().map(Bytes::ofText).toList();
    }

    /**
     * The bytes of option {@code name}'s value {@code value} (the last occurrence, which picocli
     * keeps): given as {@code NAME VALUE} or {@code NAME=VALUE}. Null for null; the value's UTF-8
     * when it is not found.
     */
    public String option(String value, String... names) {
        if (value == null) {
            return null;
        }
        for (int i = strings.size() - 1; i >= 0; i--) {
            String a = strings.get(i);
            for (String name : names) {
                if (i + 1 < strings.size() && a.equals(name) && strings.get(i + 1).equals(value)) {
                    return raw.get(i + 1);
                }
                if (a.equals(name + "=" + value)) {
                    return raw.get(i).substring(name.length() + 1); // the name is ASCII: one byte per char
                }
            }
        }
        return Bytes.ofText(value);
    }

    /**
     * The bytes of a repeatable option's values, {@code parsed} as picocli keeps them (in order),
     * each given as {@code NAME VALUE} or {@code NAME=VALUE}: their UTF-8 when the arguments do
     * not hold exactly these.
     */
    public List<String> options(List<String> parsed, String... names) {
        List<String> found = new ArrayList<>();
        List<String> foundRaw = new ArrayList<>();
        for (int i = 0; i < strings.size(); i++) {
            String a = strings.get(i);
            for (String name : names) {
                if (a.equals(name) && i + 1 < strings.size()) {
                    found.add(strings.get(i + 1));
                    foundRaw.add(raw.get(i + 1));
                    i++;
                    break;
                }
                if (a.startsWith(name + "=")) {
                    found.add(a.substring(name.length() + 1));
                    foundRaw.add(raw.get(i).substring(name.length() + 1)); // an ASCII name: a byte per char
                    break;
                }
            }
        }
        return found.equals(parsed) ? List.copyOf(foundRaw) : parsed.stream().map(Bytes::ofText).toList();
    }

    /** {@code args} as byte strings ({@link Bytes}): from {@code cmdline}, else their UTF-8. */
    private static List<String> of(String[] args, Path cmdline, PrintStream err) {
        List<String> raw = fromCmdline(args, cmdline);
        if (raw != null) {
            return raw;
        }
        List<String> lossy = new ArrayList<>(args.length);
        boolean replaced = false;
        for (String a : args) {
            lossy.add(Bytes.ofText(a));
            replaced |= a.indexOf('\uFFFD') >= 0;
        }
        if (replaced) {
            err.println("sp: warning: cannot read sp's arguments as bytes from " + cmdline
                    + ": bytes the locale could not decode are passed as U+FFFD");
        }
        return lossy;
    }

    /** The last {@code args.length} entries of {@code cmdline} when they match {@code args}, else null. */
    private static List<String> fromCmdline(String[] args, Path cmdline) {
        byte[] all;
        try {
            all = Files.readAllBytes(cmdline);
        } catch (IOException | SecurityException e) {
            return null;
        }
        // NUL-terminated entries; an empty argument is an empty entry.
        List<String> entries = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < all.length; i++) {
            if (all[i] == 0) {
                entries.add(Bytes.of(java.util.Arrays.copyOfRange(all, start, i)));
                start = i + 1;
            }
        }
        if (entries.size() < args.length) {
            return null;
        }
        List<String> tail = entries.subList(entries.size() - args.length, entries.size());
        Charset jvm = Bytes.localeCharset();
        for (int i = 0; i < args.length; i++) {
            if (!matches(tail.get(i), args[i], jvm)) {
                return null;
            }
        }
        return List.copyOf(tail);
    }

    /**
     * Whether the JVM made {@code decoded} of {@code raw}: the same string through its charset,
     * or, where the JVM replaced bytes it could not decode ({@code U+FFFD} or {@code ?}: its
     * replacement may differ from Java's decoder's), the same ASCII characters in the same order.
     * A decoded string without a replacement must equal the bytes' decoding: "é" is not "ü".
     */
    static boolean matches(String raw, String decoded, Charset jvm) {
        if (new String(Bytes.bytes(raw), jvm).equals(decoded)) {
            return true;
        }
        boolean replaced = decoded.indexOf('\uFFFD') >= 0 || decoded.indexOf('?') >= 0;
        return replaced && ascii(raw).equals(ascii(decoded));
    }

    private static String ascii(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < 0x80) {
                sb.append(s.charAt(i));
            }
        }
        return sb.toString();
    }
}
