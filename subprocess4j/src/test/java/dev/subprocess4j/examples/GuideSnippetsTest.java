package dev.subprocess4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Keeps docs/guide.md and the examples from drifting apart: every {@code java} block of the guide
 * is, verbatim, a region of an example file marked {@code // tag::name[]} ... {@code // end::name[]}
 * (less its common indentation), and every region is quoted by the guide.
 */
class GuideSnippetsTest {
    private static final Pattern TAG = Pattern.compile("^\\s*// (tag|end)::([\\w-]+)\\[]\\s*$");
    private static final Pattern JAVA_BLOCK = Pattern.compile("(?m)^```java\\n(.*?)^```$", Pattern.DOTALL);

    @Test
    void everyJavaBlockOfTheGuideIsATaggedRegionOfAnExample() throws IOException {
        Map<String, String> regions = regions();
        List<String> blocks = javaBlocks();
        assertThat(blocks).as("java blocks in docs/guide.md").isNotEmpty();
        for (String block : blocks) {
            assertThat(regions.values())
                    .as("this block of docs/guide.md is not, verbatim, a tagged region of an example in %s:%n%s",
                            examplesDir(), block)
                    .contains(block);
        }
    }

    @Test
    void everyTaggedRegionIsQuotedByTheGuide() throws IOException {
        List<String> blocks = javaBlocks();
        regions().forEach((name, text) -> assertThat(blocks)
                .as("region %s is not quoted in docs/guide.md (or differs from it)", name)
                .contains(text));
    }

    @Test
    void everySectionEndsWithItsPythonEquivalentInOneLine() throws IOException {
        String guide = Files.readString(root().resolve("docs/guide.md"));
        String[] sections = guide.split("(?m)^## ");
        assertThat(sections).hasSizeGreaterThan(1);
        for (int i = 1; i < sections.length; i++) {
            List<String> lines = sections[i].strip().lines().filter(l -> !l.isBlank()).toList();
            assertThat(lines.getLast()).as("the last line of section '%s'", lines.getFirst())
                    .startsWith("Python equivalent: ");
        }
    }

    private static List<String> javaBlocks() throws IOException {
        String guide = Files.readString(root().resolve("docs/guide.md"));
        List<String> blocks = new ArrayList<>();
        Matcher m = JAVA_BLOCK.matcher(guide);
        while (m.find()) {
            blocks.add(m.group(1));
        }
        return blocks;
    }

    /** Every tagged region of the example files by name, less the lines' common indentation. */
    private static Map<String, String> regions() throws IOException {
        Map<String, String> regions = new LinkedHashMap<>();
        try (Stream<Path> files = Files.list(examplesDir())) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).sorted().toList()) {
                List<String> lines = Files.readAllLines(file);
                String open = null;
                int start = 0;
                for (int i = 0; i < lines.size(); i++) {
                    Matcher m = TAG.matcher(lines.get(i));
                    if (!m.matches()) {
                        continue;
                    }
                    if (m.group(1).equals("tag")) {
                        assertThat(open).as("%s:%d: tag %s inside %s", file, i + 1, m.group(2), open).isNull();
                        open = m.group(2);
                        start = i + 1;
                    } else {
                        assertThat(m.group(2)).as("%s:%d: end of another tag", file, i + 1).isEqualTo(open);
                        assertThat(regions).as("%s: tag %s used twice", file, open).doesNotContainKey(open);
                        regions.put(open, dedent(lines.subList(start, i)));
                        open = null;
                    }
                }
                assertThat(open).as("%s: tag %s is not closed", file, open).isNull();
            }
        }
        return regions;
    }

    private static String dedent(List<String> lines) {
        int indent = lines.stream().filter(l -> !l.isBlank())
                .mapToInt(l -> l.length() - l.stripLeading().length()).min().orElse(0);
        StringBuilder sb = new StringBuilder();
        for (String l : lines) {
            sb.append(l.isBlank() ? "" : l.substring(indent)).append('\n');
        }
        return sb.toString();
    }

    private static Path examplesDir() {
        return root().resolve("subprocess4j/src/test/java/dev/subprocess4j/examples");
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
