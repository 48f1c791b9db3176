package dev.subprocess4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subprocess4j.CompletedProcess;
import dev.subprocess4j.Subprocess;
import java.io.File;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;
import java.net.URI;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/**
 * Every {@code java} block of README.md and docs/*.md compiles, from the Markdown itself (those
 * of docs/guide.md are regions of the compiled examples: {@link GuideSnippetsTest}). The line
 * before each block is a hidden marker that says what the block is:
 * <ul>
 *   <li>{@code <!-- snippet: program NAME -->}: a whole source file, class NAME, compiled as
 *       pasted; {@code <!-- snippet: program NAME run -->} also runs it, in an empty directory,
 *       as a new JVM on the class path with {@code --enable-native-access=ALL-UNNAMED}: it must
 *       exit with 0 and the JVM print no warning.</li>
 *   <li>{@code <!-- snippet: statements(DECLARATIONS) -->}: statements, compiled in a method whose
 *       parameters are DECLARATIONS (what the text around the block has defined), with the
 *       imports {@code dev.subprocess4j.*, java.nio.file.*, java.time.*, java.util.*,
 *       java.util.concurrent.*}.</li>
 * </ul>
 * A block without a marker fails the test.
 */
class MarkdownSnippetsTest {
    private static final Pattern BLOCK = Pattern.compile("(?m)^([^\\n]*)\\n```java\\n(.*?)^```$", Pattern.DOTALL);
    private static final Pattern MARKER = Pattern.compile(
            "<!-- snippet: (?:program (\\w+)( run)?|statements\\((.*)\\)) -->");
    private static final String IMPORTS = """
            import dev.subprocess4j.*;
            import java.nio.file.*;
            import java.time.*;
            import java.util.*;
            import java.util.concurrent.*;
            """;

    @TempDir
    Path tmp;

    record Snippet(String file, int line, String marker, String code) {
        @Override
        public String toString() {
            return file + ":" + line;
        }
    }

    static List<Snippet> snippets() throws IOException {
        Path root = root();
        List<Path> files = new ArrayList<>();
        files.add(root.resolve("README.md"));
        try (Stream<Path> docs = Files.list(root.resolve("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md") && !p.getFileName().toString().equals("guide.md"))
                    .sorted().forEach(files::add);
        }
        List<Snippet> snippets = new ArrayList<>();
        for (Path f : files) {
            String text = Files.readString(f);
            Matcher m = BLOCK.matcher(text);
            while (m.find()) {
                int line = (int) text.substring(0, m.start(2)).lines().count();
                snippets.add(new Snippet(root.relativize(f).toString(), line, m.group(1).strip(), m.group(2)));
            }
        }
        return snippets;
    }

    @Test
    void theReadmeHasAQuickStartThatRuns() throws IOException {
        assertThat(snippets()).filteredOn(s -> s.file().equals("README.md"))
                .anyMatch(s -> s.marker().matches("<!-- snippet: program \\w+ run -->"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("snippets")
    void compiles(Snippet s) throws Exception {
        Matcher m = MARKER.matcher(s.marker());
        assertThat(m.matches()).as("%s: the line before a java block must be a snippet marker, not: %s", s, s.marker())
                .isTrue();
        String className;
        String source;
        if (m.group(1) != null) {
            className = m.group(1);
            source = s.code();
        } else {
            className = "Snippet" + Math.abs(s.toString().hashCode());
            source = IMPORTS + "class " + className + " {\n    static void snippet(" + m.group(3)
                    + ") throws Exception {\n" + s.code() + "    }\n}\n";
        }
        Path out = Files.createDirectories(tmp.resolve("classes"));
        compile(s, className, source, out);
        if (m.group(2) != null) {
            run(s, className, out);
        }
    }

    private static void compile(Snippet s, String className, String source, Path out) {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        JavaFileObject file = new SimpleJavaFileObject(URI.create("string:///" + className + ".java"), JavaFileObject.Kind.SOURCE) {
            @Override
            public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                return source;
            }
        };
        StringWriter errors = new StringWriter();
        boolean ok = javac.getTask(errors, null, null,
                List.of("-d", out.toString(), "-cp", System.getProperty("java.class.path"), "-proc:none", "-Xlint:none"),
                null, List.of(file)).call();
        assertThat(ok).as("%s does not compile:%n%s%n--- as compiled:%n%s", s, errors, source).isTrue();
    }

    private void run(Snippet s, String className, Path out) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("run"));
        String java = ProcessHandle.current().info().command().orElseThrow();
        CompletedProcess r = Subprocess.command(java, "--enable-native-access=ALL-UNNAMED",
                        "-cp", out + File.pathSeparator + System.getProperty("java.class.path"), className)
                .cwd(dir).captureOutput().timeout(Duration.ofMinutes(2)).run();
        assertThat(r.returnCode()).as("%s run as %s in an empty directory; stderr:%n%s", s, className, r.stderr()).isZero();
        assertThat(r.stderr()).as("%s: the JVM's stderr", s).doesNotContain("WARNING");
    }

    /** The repository's root: Maven runs the tests in the module's directory. */
    private static Path root() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("docs/guide.md"))) {
                return p;
            }
        }
        throw new IllegalStateException("docs/guide.md not found above " + Path.of("").toAbsolutePath());
    }
}
