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

    private final List<String> words;
    private final boolean shell;
    private final boolean contextReplace;

    Template(List<String> words, boolean forceShell, boolean contextReplace) {
        List<String> w = new ArrayList<>(words);
        if (w.stream().noneMatch(x -> REPLACEMENT.matcher(x).find())) {
            w.add("{}");
        }
        this.words = List.copyOf(w);
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
            Shlex.split(String.join(" ", words));
        }
    }

    /** The command line for a job: the template with its replacement strings filled in. */
    String text(List<String> args, int seq, int slot) {
        List<String> out = new ArrayList<>();
        for (String word : words) {
            if (contextReplace && args.size() > 1 && usesAllArgs(word)) {
                for (String a : args) {
                    out.add(fill(word, List.of(a), seq, slot));
                }
            } else {
                out.add(fill(word, args, seq, slot));
            }
        }
        return String.join(" ", out);
    }

    /** What runs: {@code /bin/sh -c TEXT}, or TEXT split into words. */
    List<String> argv(String text) {
        return shell ? List.of("/bin/sh", "-c", text) : Shlex.split(text);
    }

    private static boolean usesAllArgs(String word) {
        Matcher m = REPLACEMENT.matcher(word);
        while (m.find()) {
            if (m.group(1) == null && !m.group().equals("{#}") && !m.group().equals("{%}")) {
                return true;
            }
        }
        return false;
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
        Matcher m = REPLACEMENT.matcher(word);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String value;
            if (m.group().equals("{#}")) {
                value = Integer.toString(seq);
            } else if (m.group().equals("{%}")) {
                value = Integer.toString(slot);
            } else if (m.group(1) != null) {
                int n = Integer.parseInt(m.group(1));
                value = n >= 1 && n <= args.size() ? quoted(modify(args.get(n - 1), m.group(2)), quote) : "";
            } else {
                List<String> quoted = new ArrayList<>();
                for (String a : args) {
                    quoted.add(quoted(modify(a, m.group(2)), quote));
                }
                value = String.join(" ", quoted);
            }
            m.appendReplacement(sb, Matcher.quoteReplacement(value));
        }
        m.appendTail(sb);
        return sb.toString();
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
