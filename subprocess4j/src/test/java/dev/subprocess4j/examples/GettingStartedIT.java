package dev.subprocess4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subprocess4j.CompletedProcess;
import dev.subprocess4j.Redirect;
import dev.subprocess4j.Subprocess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * README.md's "Getting started", followed by a new user in a throwaway Maven project, from the
 * Markdown itself: the quick start ({@code <!-- snippet: program QuickStart run -->}), the
 * dependency ({@code <!-- getting-started: dependency -->}), the jar plugin for {@code java -jar}
 * ({@code <!-- getting-started: jar-plugin -->}) and the native-access table's flags are pasted
 * into the project, so a README that is wrong fails the build here.
 *
 * <p>The library jar and POMs this build has just packaged are laid into a private local
 * repository ({@code ~/.m2} is only read, as {@code maven.repo.local.tail}: the plugins the project
 * needs are the ones this build uses, at this build's versions; online, what {@code ~/.m2} lacks
 * is downloaded into the private repository, and with {@code -o} the project's Maven is offline
 * too); then {@code mvn verify} compiles the quick start and runs a test of it under Surefire and
 * one under Failsafe, both with the README's {@code argLine}, and the
 * program runs with {@code exec:java} (nothing to add with this build's Maven), on the class path, on
 * the module path (the app a named module), with {@code java -jar} (the README's manifest) and
 * with a JFR recording. Each must exit with 0, print the quick start's output and no JDK warning
 * (the native-access one above all); without the flag the JDK does warn, so the check can fail.
 * Gradle is not tried (no Gradle distribution can be had on this build's machines).
 */
class GettingStartedIT {
    /** The JDK's lines start so ("WARNING: A restricted method in ..."); Maven's are "[WARNING]". */
    private static final Pattern JVM_WARNING = Pattern.compile("(?m)^WARNING: .*$");
    private static final Duration STEP = Duration.ofMinutes(4);

    @TempDir
    static Path tmp;

    static String readme;
    static Path app;
    static Path m2;
    static Path javaHome;
    static String verifyLog;

    @BeforeAll
    @Timeout(value = 6, unit = TimeUnit.MINUTES)
    static void newProjectBuiltWithMaven() throws Exception {
        Path root = Path.of(property("getting-started.root"));
        readme = Files.readString(root.resolve("README.md"));
        javaHome = Path.of(System.getProperty("java.home"));
        String version = property("getting-started.version");

        // The library as `./mvnw install` would leave it, in a local repository of our own.
        m2 = tmp.resolve("m2");
        Path lib = Files.createDirectories(m2.resolve("dev/subprocess4j/subprocess4j/" + version));
        Files.copy(Path.of(property("getting-started.jar")), lib.resolve("subprocess4j-" + version + ".jar"));
        Files.copy(root.resolve("subprocess4j/pom.xml"), lib.resolve("subprocess4j-" + version + ".pom"));
        Path parent = Files.createDirectories(m2.resolve("dev/subprocess4j/subprocess4j-parent/" + version));
        Files.copy(root.resolve("pom.xml"), parent.resolve("subprocess4j-parent-" + version + ".pom"));

        app = Files.createDirectories(tmp.resolve("app"));
        Files.createDirectories(app.resolve("src/main/java"));
        Files.createDirectories(app.resolve("src/test/java"));
        Files.writeString(app.resolve("src/main/java/QuickStart.java"), quickStart());
        Files.writeString(app.resolve("src/test/java/QuickStartTest.java"), """
                import static org.junit.jupiter.api.Assertions.assertEquals;

                import dev.subprocess4j.Subprocess;
                import org.junit.jupiter.api.Test;

                class QuickStartTest {
                    @Test
                    void runsUnderSurefire() throws Exception {
                        assertEquals("linux-native", Subprocess.backend());
                        QuickStart.main(new String[0]);
                    }
                }
                """);
        Files.writeString(app.resolve("src/test/java/QuickStartIT.java"), """
                import static org.junit.jupiter.api.Assertions.assertEquals;

                import dev.subprocess4j.Subprocess;
                import org.junit.jupiter.api.Test;

                class QuickStartIT {
                    @Test
                    void runsUnderFailsafe() throws Exception {
                        assertEquals("linux-native", Subprocess.backend());
                        QuickStart.main(new String[0]);
                    }
                }
                """);
        Files.writeString(app.resolve("pom.xml"), pom(Files.readString(root.resolve("pom.xml"))));

        verifyLog = maven("verify");
    }

    @Test
    void the_tests_run_under_Surefire_and_Failsafe_with_the_READMEs_argLine() throws IOException {
        assertThat(verifyLog).as("mvn verify").contains("Running QuickStartTest").contains("Running QuickStartIT");
        // (a failing test fails mvn verify, which maven() asserts against)
        String surefire = Files.readString(app.resolve("target/surefire-reports/QuickStartTest-output.txt"));
        String failsafe = Files.readString(app.resolve("target/failsafe-reports/QuickStartIT-output.txt"));
        assertThat(surefire).as("the Surefire test's output").contains("2 errors");
        assertThat(failsafe).as("the Failsafe test's output").contains("2 errors");
        assertNoJvmWarning("mvn verify", verifyLog + surefire + failsafe);
    }

    @Test
    void exec_java_needs_nothing_with_Maven_3_9_10_or_newer() throws Exception {
        // The row: | `mvn exec:java` (runs in Maven's JVM) | nothing with Maven 3.9.10 or newer ... |
        // (this build's Maven is newer: its mvn script gives its own JVM the flag).
        assertThat(row("`mvn exec:java`")).contains("nothing with Maven 3.9.10 or newer");
        assertThat(app.resolve(".mvn")).doesNotExist();
        assertQuickStartRan("exec:java", maven("-q", "exec:java"));
    }

    @Test
    void the_class_path_with_the_READMEs_flag() throws Exception {
        String flag = flag(row("class path"));
        assertQuickStartRan("java -cp", java(flag, "-cp", app.resolve("target/classes") + ":" + app.resolve("target/lib/*"),
                "QuickStart"));
    }

    @Test
    void the_module_path_with_the_READMEs_flag() throws Exception {
        // The README's row runs a named module (`-m app/app.Main`): the quick start in package app.
        Path src = Files.createDirectories(tmp.resolve("modular/src/app"));
        Files.writeString(src.getParent().resolve("module-info.java"), "module app { requires dev.subprocess4j; }\n");
        Files.writeString(src.resolve("QuickStart.java"), "package app;\n" + quickStart());
        Path mods = tmp.resolve("modular/mods/app");
        int javac = ToolProvider.getSystemJavaCompiler().run(null, null, null, "-d", mods.toString(),
                "-p", app.resolve("target/lib").toString(), "--release", "25",
                src.getParent().resolve("module-info.java").toString(), src.resolve("QuickStart.java").toString());
        assertThat(javac).as("javac of the modular app").isZero();
        String flag = flag(row("module path"));
        assertQuickStartRan("java -p", java(flag, "-p", app.resolve("target/lib") + ":" + mods, "-m", "app/app.QuickStart"));
    }

    @Test
    void java_jar_with_the_READMEs_manifest() throws Exception {
        assertQuickStartRan("java -jar", java("-jar", app.resolve("target/app.jar").toString()));
    }

    @Test
    void a_JFR_recording_holds_the_spawns() throws Exception {
        Path recording = tmp.resolve("rec.jfr");
        String out = java("-XX:StartFlightRecording:filename=" + recording, flag(row("class path")),
                "-cp", app.resolve("target/classes") + ":" + app.resolve("target/lib/*"), "QuickStart");
        assertQuickStartRan("java -XX:StartFlightRecording", out.lines().filter(l -> !l.startsWith("[")).reduce("",
                (a, b) -> a + b + "\n"));
        CompletedProcess events = Subprocess.command(javaHome.resolve("bin/jfr").toString(), "print", "--events",
                "dev.subprocess4j.Spawn", recording.toString()).captureOutput().timeout(STEP).check().run();
        assertThat(events.stdout()).contains("dev.subprocess4j.Spawn").contains("argv = \"uname -r\"");
    }

    @Test
    void without_the_flag_the_JDK_warns_so_the_checks_above_can_fail() throws Exception {
        CompletedProcess r = Subprocess.command(javaHome.resolve("bin/java").toString(),
                        "-cp", app.resolve("target/classes") + ":" + app.resolve("target/lib/*"), "QuickStart")
                .cwd(Files.createTempDirectory(tmp, "run")).captureOutput().timeout(STEP).check().run();
        assertThat(r.stderr()).contains("WARNING: A restricted method");
    }

    // --- the README's pieces ---------------------------------------------------------------

    private static String quickStart() {
        return block("<!-- snippet: program QuickStart run -->", "java");
    }

    /** The fenced block of {@code language} right after the marker line. */
    private static String block(String marker, String language) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(marker) + "\\n```" + language + "\\n(.*?)^```$",
                Pattern.DOTALL).matcher(readme);
        assertThat(m.find()).as("README.md has a ```%s block after %s", language, marker).isTrue();
        return m.group(1);
    }

    /** The native-access table's row whose first cell starts with {@code first}. */
    private static String row(String first) {
        return readme.lines().filter(l -> l.startsWith("| " + first)).findFirst()
                .orElseThrow(() -> new AssertionError("README.md has no table row starting with | " + first));
    }

    /** The code spans of a row's cell {@code index} (0 is the first). */
    private static List<String> codeSpans(String row, int index) {
        String cell = row.split("\\|")[index + 1];
        List<String> spans = new ArrayList<>();
        Matcher m = Pattern.compile("`([^`]+)`").matcher(cell);
        while (m.find()) {
            spans.add(m.group(1));
        }
        assertThat(spans).as("code in the cell of %s", row).isNotEmpty();
        return spans;
    }

    /** The {@code --enable-native-access=...} of a row's command. */
    private static String flag(String row) {
        Matcher m = Pattern.compile("--enable-native-access=\\S+").matcher(codeSpans(row, 1).getFirst());
        assertThat(m.find()).as("a flag in %s", row).isTrue();
        return m.group();
    }

    /**
     * The project's POM: the README's dependency, its Surefire {@code argLine} and its jar plugin
     * pasted in; every plugin at the version this build uses (in pluginManagement, as a project
     * would pin them), so nothing but this build's plugins is needed.
     */
    private static String pom(String parentPom) {
        String surefireRow = row("Maven tests (Surefire, Failsafe)");
        String argLine = codeSpans(surefireRow, 1).stream().filter(s -> s.startsWith("<argLine>")).findFirst()
                .orElseThrow(() -> new AssertionError("no <argLine> in " + surefireRow));
        StringBuilder managed = new StringBuilder();
        for (String plugin : List.of("maven-compiler-plugin", "maven-resources-plugin", "maven-surefire-plugin",
                "maven-failsafe-plugin", "maven-jar-plugin", "maven-dependency-plugin", "maven-install-plugin", "maven-clean-plugin")) {
            managed.append("      <plugin><groupId>org.apache.maven.plugins</groupId><artifactId>").append(plugin)
                    .append("</artifactId><version>").append(version(parentPom, plugin)).append("</version></plugin>\n");
        }
        managed.append("      <plugin><groupId>org.codehaus.mojo</groupId><artifactId>exec-maven-plugin</artifactId><version>")
                .append(version(parentPom, "exec-maven-plugin")).append("</version></plugin>\n");
        return """
                <?xml version="1.0" encoding="UTF-8"?>
                <project xmlns="http://maven.apache.org/POM/4.0.0">
                  <modelVersion>4.0.0</modelVersion>
                  <groupId>example</groupId>
                  <artifactId>app</artifactId>
                  <version>1</version>
                  <properties>
                    <maven.compiler.release>25</maven.compiler.release>
                    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
                  </properties>
                  <dependencies>
                %s
                    <dependency>
                      <groupId>org.junit.jupiter</groupId>
                      <artifactId>junit-jupiter</artifactId>
                      <version>%s</version>
                      <scope>test</scope>
                    </dependency>
                  </dependencies>
                  <build>
                    <finalName>app</finalName>
                    <pluginManagement><plugins>
                %s    </plugins></pluginManagement>
                    <plugins>
                      <plugin>
                        <groupId>org.apache.maven.plugins</groupId>
                        <artifactId>maven-surefire-plugin</artifactId>
                        <configuration>
                          %s
                          <redirectTestOutputToFile>true</redirectTestOutputToFile>
                        </configuration>
                      </plugin>
                      <plugin>
                        <groupId>org.apache.maven.plugins</groupId>
                        <artifactId>maven-failsafe-plugin</artifactId>
                        <configuration>
                          %s
                          <redirectTestOutputToFile>true</redirectTestOutputToFile>
                        </configuration>
                        <executions>
                          <execution>
                            <goals><goal>integration-test</goal><goal>verify</goal></goals>
                          </execution>
                        </executions>
                      </plugin>
                %s
                      <plugin>
                        <groupId>org.apache.maven.plugins</groupId>
                        <artifactId>maven-dependency-plugin</artifactId>
                        <executions>
                          <execution>
                            <phase>package</phase>
                            <goals><goal>copy-dependencies</goal></goals>
                            <configuration>
                              <includeScope>runtime</includeScope>
                              <outputDirectory>${project.build.directory}/lib</outputDirectory>
                            </configuration>
                          </execution>
                        </executions>
                      </plugin>
                      <plugin>
                        <groupId>org.codehaus.mojo</groupId>
                        <artifactId>exec-maven-plugin</artifactId>
                        <configuration>
                          <mainClass>QuickStart</mainClass>
                        </configuration>
                      </plugin>
                    </plugins>
                  </build>
                </project>
                """.formatted(block("<!-- getting-started: dependency -->", "xml"), property("getting-started.junit"),
                managed, argLine, argLine, block("<!-- getting-started: jar-plugin -->", "xml"));
    }

    /** The version of {@code artifactId} in the parent POM's pluginManagement. */
    private static String version(String parentPom, String artifactId) {
        Matcher m = Pattern.compile("<artifactId>" + artifactId + "</artifactId>\\s*<version>([^<$]+)</version>")
                .matcher(parentPom);
        assertThat(m.find()).as("the version of %s in pom.xml", artifactId).isTrue();
        return m.group(1);
    }

    // --- running things -----------------------------------------------------------------------

    /** Maven in the project, on this JDK, with the private local repository; its output. */
    private static String maven(String... goals) throws Exception {
        List<String> argv = new ArrayList<>(List.of(Path.of(property("getting-started.maven.home"), "bin/mvn").toString(),
                "-B", "-Dmaven.repo.local=" + m2, "-Dmaven.repo.local.tail=" + property("getting-started.local.repository")));
        if (property("getting-started.offline").equals("offline=true")) {
            argv.add("-o");
        }
        argv.addAll(List.of(goals));
        CompletedProcess r = Subprocess.command(argv).cwd(app).putEnv("JAVA_HOME", javaHome.toString())
                .removeEnv("MAVEN_OPTS").removeEnv("MAVEN_ARGS")
                .stdout(Redirect.PIPE).stderr(Redirect.STDOUT).timeout(STEP).run();
        assertThat(r.returnCode()).as("mvn %s in %s:%n%s", String.join(" ", goals), app, tail(r.stdout())).isZero();
        return r.stdout();
    }

    /** A new JVM of this JDK in a fresh empty directory; its stdout and stderr. */
    private static String java(String... args) throws Exception {
        List<String> argv = new ArrayList<>(List.of(javaHome.resolve("bin/java").toString()));
        argv.addAll(List.of(args));
        CompletedProcess r = Subprocess.command(argv).cwd(Files.createTempDirectory(tmp, "run"))
                .stdout(Redirect.PIPE).stderr(Redirect.STDOUT).timeout(STEP).run();
        assertThat(r.returnCode()).as("%s:%n%s", argv, tail(r.stdout())).isZero();
        return r.stdout();
    }

    private static void assertQuickStartRan(String how, String output) {
        assertThat(output).as("what %s printed", how).contains("kernel ").containsPattern("(?m)^2 errors$")
                .contains("> ERROR disk full").contains("one\ntwo\n").doesNotContainPattern("(?m)null");
        assertNoJvmWarning(how, output);
    }

    private static void assertNoJvmWarning(String how, String output) {
        assertThat(JVM_WARNING.matcher(output).results().map(java.util.regex.MatchResult::group).toList())
                .as("JDK warnings printed by %s", how).isEmpty();
    }

    private static String tail(String s) {
        return s.length() <= 6000 ? s : "..." + s.substring(s.length() - 6000);
    }

    private static String property(String name) {
        String value = System.getProperty(name);
        assertThat(value).as("system property %s (set by the Failsafe configuration)", name).isNotBlank();
        return value;
    }
}
