package dev.subprocess4j.cli.parallel;

import dev.subprocess4j.Shlex;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The command template and GNU parallel's replacement strings: {@code {}} (the arguments),
 * {@code {.}} (without extension), {@code {/}} (basename), {@code {//}} (dirname), {@code {/.}}
 * (basename without extension), {@code {#}} (the job's sequence number), {@code {%}} (its slot),
 * and {@code {N}}, {@code {N.}}, {@code {N/}}, {@code {N//}}, {@code {N/.}} for the N-th argument.
 *
 * <p>As GNU parallel does, the template's words are joined with spaces, each replacement value is
 * quoted for the shell, and a template without replacement string gets {@code {}} appended. The
 * result runs by {@code /bin/sh -c} when {@code --shell} is given or the template uses shell
 * syntax; otherwise it is split into words as the shell would and run directly (the same argv,
 * without a shell's start).
 */
final class Template {
    static final Pattern REPLACEMENT = Pattern.compile("\\{(?:(\\d+)?(\\.|/|//|/\\.)?|#|%)\\}");
    /** Characters that make a template need a shell (outside the replacement strings). */
    private static final String SHELL_SYNTAX = "|&;<>()$`*?[]~!\n";

    private final List<Word> words;
    private final boolean shell;
    private final boolean contextReplace;

    Template(List<String> words, boolean forceShell, boolean contextReplace) {
        List<String> w = new ArrayList<>(words);
        if (w.stream().noneMatch(x -> REPLACEMENT.matcher(x).find())) {
            w.add("{}");
        }
        this.words = w.stream().map(Word::parse).toList();
        this.contextReplace = contextReplace;
        String bare = REPLACEMENT.matcher(String.join(" ", words)).replaceAll("");
        boolean syntax = bare.chars().anyMatch(c -> SHELL_SYNTAX.indexOf(c) >= 0)
                || (!words.isEmpty() && words.getFirst().contains("="));
        this.shell = forceShell || syntax;
    }

    /**
     * Checks that the template splits into words.
     *
     * @throws IllegalArgumentException naming the problem
     */
    void check() {
        if (!shell) {
            Shlex.split(String.join(" ", words.stream().map(Word::text).toList()));
        }
    }

    /** The command line for a job: the template with its replacement strings filled in. */
    String text(List<String> args, int seq, int slot) {
        StringBuilder sb = new StringBuilder();
        boolean first = true; // the words joined with spaces (an empty one too)
        for (Word word : words) {
            if (contextReplace && args.size() > 1 && word.usesAllArgs()) {
                for (String a : args) {
                    sb.append(first ? "" : " ");
                    first = false;
                    word.fill(sb, List.of(a), seq, slot, true);
                }
            } else {
                sb.append(first ? "" : " ");
                first = false;
                word.fill(sb, args, seq, slot, true);
            }
        }
        return sb.toString();
    }

    /** What runs: {@code /bin/sh -c TEXT}, or TEXT split into words. */
    List<String> argv(String text) {
        return shell ? List.of("/bin/sh", "-c", text) : Shlex.split(text);
    }

    /** {@code word} with each replacement string replaced by its value, quoted for the shell. */
    static String fill(String word, List<String> args, int seq, int slot) {
        return fill(word, args, seq, slot, true);
    }

    /**
     * {@code word} with each replacement string replaced by its value, quoted for the shell when
     * {@code quote} (not in --tagstring's text, which no shell reads: as GNU parallel).
     */
    static String fill(String word, List<String> args, int seq, int slot, boolean quote) {
        StringBuilder sb = new StringBuilder();
        Word.parse(word).fill(sb, args, seq, slot, quote);
        return sb.toString();
    }

    /**
     * A word of the template, split once into its literal text and its replacement strings, so
     * that each job's line is built without matching the pattern again.
     *
     * @param text the word as given
     * @param parts each a {@link String} (literal text) or a {@link Ref} (a replacement string)
     */
    private record Word(String text, List<Object> parts) {
        static Word parse(String text) {
            List<Object> parts = new ArrayList<>();
            Matcher m = REPLACEMENT.matcher(text);
            int at = 0;
            while (m.find()) {
                if (m.start() > at) {
                    parts.add(text.substring(at, m.start()));
                }
                parts.add(Ref.of(m));
                at = m.end();
            }
            if (at < text.length()) {
                parts.add(text.substring(at));
            }
            return new Word(text, List.copyOf(parts));
        }

        /** Whether a replacement string takes all the arguments ({@code {}} and its modified forms). */
        boolean usesAllArgs() {
            return parts.stream().anyMatch(p -> p instanceof Ref r && r.kind == Ref.ALL);
        }

        void fill(StringBuilder sb, List<String> args, int seq, int slot, boolean quote) {
            for (Object part : parts) {
                if (part instanceof Ref r) {
                    r.fill(sb, args, seq, slot, quote);
                } else {
                    sb.append((String) part);
                }
            }
        }
    }

    /**
     * A replacement string: {@code {#}}, {@code {%}}, the N-th argument ({@code n}, from 1; 0 when
     * N is out of int's range: never an argument) or all of them, through {@code modifier} (null,
     * ".", "/", "//" or "/.").
     */
    private record Ref(int kind, int n, String modifier) {
        static final int SEQ = 0;
        static final int SLOT = 1;
        static final int ARG = 2;
        static final int ALL = 3;

        static Ref of(Matcher m) {
            if (m.group().equals("{#}")) {
                return new Ref(SEQ, 0, null);
            }
            if (m.group().equals("{%}")) {
                return new Ref(SLOT, 0, null);
            }
            if (m.group(1) == null) {
                return new Ref(ALL, 0, m.group(2));
            }
            int n;
            try {
                n = Integer.parseInt(m.group(1));
            } catch (NumberFormatException e) {
                n = 0; // more digits than any argument count: no argument, as {N} beyond the last
            }
            return new Ref(ARG, n, m.group(2));
        }

        void fill(StringBuilder sb, List<String> args, int seq, int slot, boolean quote) {
            switch (kind) {
                case SEQ -> sb.append(seq);
                case SLOT -> sb.append(slot);
                case ARG -> {
                    if (n >= 1 && n <= args.size()) {
                        sb.append(quoted(modify(args.get(n - 1), modifier), quote));
                    }
                }
                default -> {
                    for (int i = 0; i < args.size(); i++) {
                        if (i > 0) {
                            sb.append(' ');
                        }
                        sb.append(quoted(modify(args.get(i), modifier), quote));
                    }
                }
            }
        }
    }

    private static String quoted(String value, boolean quote) {
        return quote ? Shlex.quote(value) : value;
    }

    /** An argument through a modifier: null (as is), ".", "/", "//" or "/.". */
    static String modify(String arg, String modifier) {
        if (modifier == null) {
            return arg;
        }
        return switch (modifier) {
            case "." -> withoutExtension(arg);
            case "/" -> basename(arg);
            case "//" -> dirname(arg);
            case "/." -> withoutExtension(basename(arg));
            default -> throw new IllegalArgumentException(modifier);
        };
    }

    static String basename(String s) {
        return s.substring(s.lastIndexOf('/') + 1);
    }

    /** POSIX dirname (as GNU parallel's {//}, Perl's File::Basename): "dir/" is in ".", "/" in "/". */
    static String dirname(String s) {
        String t = stripTrailingSlashes(s);
        if (t.equals("/")) {
            return "/";
        }
        int slash = t.lastIndexOf('/');
        if (slash < 0) {
            return ".";
        }
        String d = stripTrailingSlashes(t.substring(0, slash));
        return d.isEmpty() ? "/" : d;
    }

    private static String stripTrailingSlashes(String s) {
        int end = s.length();
        while (end > 1 && s.charAt(end - 1) == '/') {
            end--;
        }
        return s.substring(0, end);
    }

    static String withoutExtension(String s) {
        int dot = s.lastIndexOf('.');
        int slash = s.lastIndexOf('/');
        return dot > slash ? s.substring(0, dot) : s;
    }
}
