package dev.subprocess4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.subprocess4j.CompletedProcess;
import dev.subprocess4j.Subprocess;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * The man pages that the package phase writes to target/man/man1 (picocli-codegen, then Asciidoctor's
 * manpage back end): one roff page per command, naming every subcommand and option that sp has.
 */
class SpManPageIT {
    private static final Path MAN = Path.of("target", "man", "man1");

    @BeforeAll
    static void manPagesWereBuilt() {
        assumeFalse(Boolean.getBoolean("sp.man.skip"), "the build ran with -Dsp.man.skip=true");
    }

    private static CommandLine command(List<String> path) {
        PrintStream nowhere = new PrintStream(OutputStream.nullOutputStream());
        CommandLine c = Main.commandLine(nowhere, nowhere);
        return path.isEmpty() ? c : c.getSubcommands().get(path.getFirst());
    }

    private static Path page(List<String> path) {
        return MAN.resolve(path.isEmpty() ? "sp.1" : "sp-" + path.getFirst() + ".1");
    }

    /** The page's text with roff's escaped hyphens ({@code \-}) back as plain ones. */
    private static String roff(List<String> path) throws IOException {
        return Files.readString(page(path)).replace("\\-", "-");
    }

    @ParameterizedTest
    @MethodSource("dev.subprocess4j.cli.SpHelpTest#commands")
    void everyCommandHasARoffPageNamingEachOfItsOptions(List<String> path) throws IOException {
        String text = roff(path);
        String title = path.isEmpty() ? "SP" : "SP-" + path.getFirst().toUpperCase(java.util.Locale.ROOT);
        assertThat(text).startsWith("'\\\" t").contains(".TH \"" + title + "\" \"1\"", ".SH \"NAME\"", ".SH \"SYNOPSIS\"");
        CommandLine c = command(path);
        for (OptionSpec o : c.getCommandSpec().options()) {
            if (!o.hidden()) {
                for (String name : o.names()) {
                    assertThat(text).as("%s names %s", page(path), name).contains(name);
                }
            }
        }
        for (PositionalParamSpec p : c.getCommandSpec().positionalParameters()) {
            assertThat(text).as("%s names %s", page(path), p.paramLabel()).contains(p.paramLabel());
        }
        for (String sub : c.getSubcommands().keySet()) {
            assertThat(text).as("%s names the subcommand %s", page(path), sub).contains(sub);
        }
        assertThat(text).contains("EXAMPLES");
    }

    @Test
    void thereIsNoPageForACommandSpDoesNotHave() throws IOException {
        try (var files = Files.list(MAN)) {
            assertThat(files.map(f -> f.getFileName().toString()).sorted().toList())
                    .containsExactly("sp-bench.1", "sp-completion.1", "sp-parallel.1", "sp-run.1", "sp.1");
        }
    }

    /** man(1) renders the page (when man-db is installed): the sections and an option, without warnings. */
    @Test
    @Timeout(60)
    void manRendersThePage() {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/man")), "man is not installed");
        CompletedProcess r = Subprocess.command("/usr/bin/man", "--warnings", "-l", page(List.of("run")).toString())
                .putEnv("MANWIDTH", "100").putEnv("MANPAGER", "cat").putEnv("PAGER", "cat").putEnv("LANG", "C.UTF-8")
                .captureOutput().timeout(Duration.ofSeconds(30)).run();
        assertThat(r.returnCode()).as(r.stderr()).isZero();
        // Without a terminal man prints plain text (no overstrike) when its output is a pipe.
        String text = r.stdout().replaceAll(".\b", "");
        assertThat(text).contains("SP-RUN(1)", "NAME", "sp-run - Runs COMMAND", "SYNOPSIS", "OPTIONS",
                "--kill-grace=DURATION", "EXAMPLES", "sp run --timeout 5s -- make test");
        assertThat(r.stderr()).isEmpty();
    }
}
