package dev.subprocess4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;
import org.junit.jupiter.api.Test;

/**
 * The published Javadoc jar (built by {@code package}, checked by Failsafe) documents the exported
 * package {@code dev.subprocess4j} only: no page of {@code dev.subprocess4j.internal} or its
 * subpackages.
 */
class JavadocJarIT {

    private static JarFile jar() throws IOException {
        String path = System.getProperty("javadoc.jar");
        assertThat(path).as("system property javadoc.jar (set by the Failsafe configuration)").isNotNull();
        assertThat(Path.of(path)).as("the javadoc jar built by the package phase").isRegularFile();
        return new JarFile(path);
    }

    @Test
    void onlyTheExportedPackageIsDocumented() throws IOException {
        try (JarFile jar = jar()) {
            List<String> names = Collections.list(jar.entries()).stream().map(ZipEntry::getName).toList();
            assertThat(names).as("pages of the javadoc jar").anyMatch(n -> n.endsWith("dev/subprocess4j/package-summary.html"));
            assertThat(names).as("pages of the javadoc jar").anyMatch(n -> n.endsWith("dev/subprocess4j/Command.html"));
            assertThat(names).as("internal pages in the javadoc jar").noneMatch(n -> n.contains("/internal/"));

            String elements = new String(jar.getInputStream(jar.getEntry("element-list")).readAllBytes(), StandardCharsets.UTF_8);
            assertThat(elements.lines().filter(l -> !l.startsWith("module:")).toList()).containsExactly("dev.subprocess4j");

            String search = new String(jar.getInputStream(jar.getEntry("type-search-index.js")).readAllBytes(), StandardCharsets.UTF_8);
            assertThat(search).doesNotContain("dev.subprocess4j.internal");
        }
    }

    @Test
    void theModuleExportsOnlyThatPackage() throws IOException {
        Path moduleInfo = Path.of("src/main/java/module-info.java");
        List<String> exports = Files.readAllLines(moduleInfo).stream().map(String::strip).filter(l -> l.startsWith("exports")).toList();
        assertThat(exports).containsExactly("exports dev.subprocess4j;");
    }
}
