package dev.subprocess4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/** Every command of sp, the root included, has --help with examples and --version. */
class SpHelpTest {

    /** The command paths: {@code []} for sp itself, {@code [run]}, {@code [parallel]}, ... */
    static Stream<List<String>> commands() {
        PrintStream nowhere = new PrintStream(OutputStream.nullOutputStream());
        List<List<String>> all = new ArrayList<>();
        all.add(List.of());
        Main.commandLine(nowhere, nowhere).getSubcommands().keySet().forEach(name -> all.add(List.of(name)));
        return all.stream();
    }

    private static SpRunTest.Sp sp(List<String> command, String option) {
        List<String> args = new ArrayList<>(command);
        args.add(option);
        return SpRunTest.sp(args.toArray(String[]::new));
    }

    @ParameterizedTest
    @MethodSource("commands")
    @Timeout(30)
    void helpShowsExamplesOnStdout(List<String> command) {
        SpRunTest.Sp help = sp(command, "--help");
        assertThat(help.status()).isZero();
        assertThat(help.err()).isEmpty();
        String usage = "sp" + (command.isEmpty() ? "" : " " + command.getFirst());
        assertThat(help.out()).startsWith("Usage: " + usage).doesNotContain("picocli WARN");
        String examples = help.out().substring(help.out().indexOf("\nExamples:\n") + 1);
        assertThat(examples).as("an Examples section").startsWith("Examples:\n")
                .containsPattern("(?m)^  .*" + java.util.regex.Pattern.quote(usage) + "( |$)");
    }

    @ParameterizedTest
    @MethodSource("commands")
    @Timeout(30)
    void versionNamesSpTheBackendAndTheJvm(List<String> command) {
        SpRunTest.Sp version = sp(command, "--version");
        assertThat(version.status()).isZero();
        assertThat(version.out()).matches("(?s)sp \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?\\nsubprocess4j backend: (jdk|linux-native)\\n"
                + "Java .+\\n");
    }

    @ParameterizedTest
    @MethodSource("commands")
    void everyCommandHasAFooterOfExamples(List<String> command) {
        PrintStream nowhere = new PrintStream(OutputStream.nullOutputStream());
        CommandLine c = Main.commandLine(nowhere, nowhere);
        if (!command.isEmpty()) {
            c = c.getSubcommands().get(command.getFirst());
        }
        assertThat(c.getCommandSpec().usageMessage().footerHeading()).contains("Examples:");
        assertThat(c.getCommandSpec().usageMessage().footer()).isNotEmpty();
    }
}
