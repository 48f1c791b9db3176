package dev.subprocess4j.cli;

import java.io.PrintStream;
import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code sp completion bash}: prints a bash (and zsh) completion script for sp. */
@picocli.CommandLine.Command(
        name = "completion",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Prints a completion script for SHELL (bash; zsh loads it through bashcompinit).",
        footerHeading = "%nExamples:%n",
        footer = {"  sp completion bash > /etc/bash_completion.d/sp", "  source <(sp completion bash)"})
final class CompletionCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Parameters(paramLabel = "SHELL", description = "The shell: bash.")
    private String shell;

    private final PrintStream out;

    CompletionCommand(PrintStream out) {
        this.out = out;
    }

    @Override
    public Integer call() {
        if (!shell.equals("bash") && !shell.equals("zsh")) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "no completion for shell '" + shell + "': use bash (zsh loads it through bashcompinit)");
        }
        out.print(AutoComplete.bash("sp", spec.root().commandLine()));
        return 0;
    }
}
