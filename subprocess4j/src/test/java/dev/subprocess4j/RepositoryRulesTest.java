package dev.subprocess4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Rules on the repository's own text, checked over the files: backends and launchers are chosen
 * by what they do (one dispatch point, no type tests elsewhere), internal code never goes through
 * the public entry points, no document points to a file the repository does not have, the
 * code's comments describe the design as it is, not as it was, and the tests mirror the code: a
 * test package per main package, fixtures apart, each contract run over the backends by itself.
 */
class RepositoryRulesTest {
    /** The repository's root: the parent of this module's directory (Maven runs tests there). */
    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();
    private static final Path MAIN = ROOT.resolve("subprocess4j/src/main");
    private static final Path INTERNAL = MAIN.resolve("java/dev/subprocess4j/internal");

    private static List<Path> files(Path dir, String... suffixes) {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile)
                    .filter(p -> Stream.of(suffixes).anyMatch(x -> p.getFileName().toString().endsWith(x)))
                    .sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The text without its comments (crude, enough for Java: no comment markers in these strings). */
    private static String code(Path p) {
        return read(p).replaceAll("(?s)/\\*.*?\\*/", "").replaceAll("(?m)//.*$", "");
    }

    private static List<String> matches(List<Path> files, Pattern pattern, boolean codeOnly) {
        List<String> found = new ArrayList<>();
        for (Path f : files) {
            String[] lines = (codeOnly ? code(f) : read(f)).split("\n", -1);
            for (int i = 0; i < lines.length; i++) {
                if (pattern.matcher(lines[i]).find()) {
                    found.add(ROOT.relativize(f) + (codeOnly ? "" : ":" + (i + 1)) + ": " + lines[i].strip());
                }
            }
        }
        return found;
    }

    @Test
    void launchersAndBackendsAreNeverChosenByTheirType() {
        // a type pattern (instanceof X, or case X x ->); equals(Object) comparing with its own class is no choice
        Pattern typeTest = Pattern.compile("(?<!return o )instanceof\\s+(LocalLauncher|SshLauncher|SlurmLauncher|LinuxBackend"
                + "|JdkBackend)\\b|case\\s+(LocalLauncher|SshLauncher|SlurmLauncher|LinuxBackend|JdkBackend)\\s+\\w+\\s*->");
        assertThat(matches(files(MAIN.resolve("java"), ".java"), typeTest, true)).isEmpty();
    }

    @Test
    void internalCodeNeverCallsThePublicEntryPoints() {
        Pattern publicEntry = Pattern.compile("\\bSubprocess\\s*\\.\\s*(command|shell|pipeline|pool)\\b"
                + "|\\bdev\\.subprocess4j\\.(Command|Popen|Pipeline|ProcessPool|Subprocess)\\b");
        assertThat(matches(files(INTERNAL, ".java"), publicEntry, true)).isEmpty();
    }

    /** Issue [11]: a class in internal/ does one job; above ~500 lines it is split by job, each part with its class Javadoc. */
    @Test
    void noInternalClassIsAbove500LinesAndEachSaysWhatItIs() {
        List<String> tooLong = new ArrayList<>();
        List<String> undocumented = new ArrayList<>();
        Pattern topLevel = Pattern.compile("(?m)^(public )?(final |abstract |sealed )*(class|interface|record|enum) ");
        for (Path f : files(INTERNAL, ".java")) {
            String text = read(f);
            long lines = text.lines().count();
            if (lines > 500) {
                tooLong.add(ROOT.relativize(f) + ": " + lines + " lines");
            }
            Matcher m = topLevel.matcher(text);
            if (!f.getFileName().toString().equals("package-info.java") && m.find()
                    && !text.substring(0, m.start()).replaceAll("(?m)^@.*\\n", "").stripTrailing().endsWith("*/")) {
                undocumented.add(ROOT.relativize(f).toString());
            }
        }
        assertThat(tooLong).as("classes in internal/ above 500 lines").isEmpty();
        assertThat(undocumented).as("classes in internal/ without a class Javadoc").isEmpty();
    }

    @Test
    void documentsNameOnlyFilesOfTheRepository() {
        // a Markdown link to a .md file, a document named in capitals (README.md, DESIGN.md) or a
        // file under docs/; not the names of files a script writes (jmh.md, profile-EVENT.md)
        Pattern mdName = Pattern.compile("(?<=\\]\\()[^)#\\s:]+\\.md\\b"
                + "|(?<![\\w/.-])(?:[\\w.-]+/)*(?:[A-Z][A-Z0-9_]*|docs/[a-z0-9-]+)\\.md\\b");
        List<Path> docs = new ArrayList<>(files(ROOT.resolve("docs"), ".md"));
        docs.add(ROOT.resolve("README.md"));
        docs.add(ROOT.resolve("CHANGELOG.md"));
        docs.add(ROOT.resolve("subprocess4j-cli/README.md"));
        docs.add(ROOT.resolve("subprocess4j-bench/README.md"));
        docs.addAll(files(MAIN, ".java", ".c", ".h", ".sh"));
        docs.addAll(files(ROOT.resolve("subprocess4j-cli/src/main"), ".java"));
        docs.addAll(files(ROOT.resolve("subprocess4j-bench/src/main"), ".java"));
        try (Stream<Path> top = Files.list(ROOT.resolve("subprocess4j-bench"))) {
            top.filter(p -> p.toString().endsWith(".sh") || p.toString().endsWith(".java")).sorted().forEach(docs::add);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> missing = new ArrayList<>();
        for (Path doc : docs) {
            Matcher m = mdName.matcher(read(doc));
            while (m.find()) {
                String name = m.group();
                boolean exists = Files.exists(doc.getParent().resolve(name)) || Files.exists(ROOT.resolve(name))
                        || Files.exists(ROOT.resolve("docs").resolve(name));
                if (!exists) {
                    missing.add(ROOT.relativize(doc) + " names " + name);
                }
            }
        }
        assertThat(missing).isEmpty();
    }

    @Test
    void theCodeDescribesTheDesignAsItIsNotAsItWas() {
        Pattern history = Pattern.compile("(?i)the old way|benchmark target|fast path|fastSpawn|before the fix");
        List<Path> sources = new ArrayList<>(files(MAIN, ".java", ".c", ".h", ".sh"));
        sources.addAll(files(ROOT.resolve("subprocess4j-cli/src/main"), ".java"));
        assertThat(matches(sources, history, false)).isEmpty();
    }

    /** The modules with tests, each with its own main and test trees. */
    private static final List<String> MODULES = List.of("subprocess4j", "subprocess4j-cli");

    /** The packages, as paths under {@code root}, that hold at least one {@code .java} file. */
    private static Set<String> packages(Path root) {
        Set<String> found = new TreeSet<>();
        for (Path f : files(root, ".java")) {
            found.add(root.relativize(f.getParent()).toString());
        }
        return found;
    }

    @Test
    void testPackagesMirrorTheMainPackages() {
        List<String> wrong = new ArrayList<>();
        for (String module : MODULES) {
            Path mainJava = ROOT.resolve(module).resolve("src/main/java");
            Path testJava = ROOT.resolve(module).resolve("src/test/java");
            Set<String> mainPackages = packages(mainJava);
            for (String pkg : packages(testJava)) {
                // the test-only packages: the child-JVM mains and servers, the documentation's examples
                boolean testOnly = pkg.equals("dev/subprocess4j/fixtures") || pkg.equals("dev/subprocess4j/examples");
                if (!mainPackages.contains(pkg) && !testOnly) {
                    wrong.add(module + "/src/test/java/" + pkg + ": no such package in " + module + "/src/main/java");
                }
            }
            for (Path f : files(testJava, ".java")) {
                String pkg = testJava.relativize(f.getParent()).toString();
                String name = f.getFileName().toString();
                // a test of the linux-native backend's own behaviour lives with that backend
                if (name.matches("Linux\\w*Test\\.java") && !pkg.startsWith("dev/subprocess4j/internal/linux")) {
                    wrong.add(ROOT.relativize(f) + ": a linux-native test outside dev/subprocess4j/internal/linux");
                }
                // a program a test starts in a JVM of its own (*Main) is a fixture, unless it needs
                // package-private members of an internal package
                if (name.endsWith("Main.java") && !pkg.equals("dev/subprocess4j/fixtures")
                        && !pkg.startsWith("dev/subprocess4j/internal/")) {
                    wrong.add(ROOT.relativize(f) + ": a child-JVM main outside dev/subprocess4j/fixtures");
                }
            }
        }
        assertThat(wrong).isEmpty();
    }

    @Test
    void everyContractRunsOverTheBackendsByItselfWithoutASubclassPerBackend() {
        // the subclass that only names a backend ("class LinuxRunContractTest extends RunContract {
        // backend() { return ...; } }"): @EveryBackend runs the contract on each backend instead
        Pattern extendsContract = Pattern.compile("\\bclass\\s+(\\w+)\\s+extends\\s+(\\w+Contract)\\b");
        Pattern aTest = Pattern.compile("@(Test|ParameterizedTest|RepeatedTest|TestFactory|TestTemplate)\\b");
        Pattern namesABackend = Pattern.compile("\\bBackend\\s+backend\\s*\\(\\s*\\)");
        List<String> copies = new ArrayList<>();
        for (String module : MODULES) {
            for (Path f : files(ROOT.resolve(module).resolve("src/test/java"), ".java")) {
                String code = code(f);
                Matcher m = extendsContract.matcher(code);
                if (m.find() && !aTest.matcher(code).find()
                        && (m.group(1).matches("(Linux|Jdk)\\w*") || namesABackend.matcher(code).find())) {
                    copies.add(ROOT.relativize(f) + ": " + m.group(1) + " only runs " + m.group(2) + " on one backend");
                }
            }
        }
        assertThat(copies).isEmpty();
    }
}
