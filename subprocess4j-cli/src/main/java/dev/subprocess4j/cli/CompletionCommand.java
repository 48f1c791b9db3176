package dev.subprocess4j.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
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
        CommandLine root = spec.root().commandLine();
        lowerCaseEnumCandidates(root);
        out.print(AutoComplete.bash("sp", root).replace("complete -F _complete_sp ", "complete -F _sp_complete "));
        out.print(runCompletion(root.getSubcommands().get("run").getCommandSpec()));
        return 0;
    }

    /**
     * The values of an enum option completed in lower case, as users type them ({@code term},
     * {@code always}): sp accepts enum values in any case ({@link Main}), and picocli's script
     * would offer the constants' names.
     */
    private static void lowerCaseEnumCandidates(CommandLine command) {
        CommandSpec s = command.getCommandSpec();
        for (OptionSpec o : new ArrayList<>(s.options())) {
            if (o.type().isEnum() && o.completionCandidates() != null && o.group() == null) {
                List<String> lower = new ArrayList<>();
                for (String c : o.completionCandidates()) {
                    lower.add(c.toLowerCase(Locale.ROOT));
                }
                s.remove(o);
                s.addOption(o.toBuilder().completionCandidates(lower).build());
            }
        }
        for (CommandLine sub : command.getSubcommands().values()) {
            lowerCaseEnumCandidates(sub);
        }
    }

    /**
     * The completion of {@code sp run}'s COMMAND and its arguments, which picocli's script does not
     * give: a command name (from PATH, as bash completes a first word) for the first word that is
     * not one of sp run's options (or the first after {@code --}), then the command's own
     * completion when bash-completion's {@code _command_offset} is loaded (as for {@code sudo} and
     * {@code timeout}), else file names. {@code _sp_complete} calls picocli's {@code _complete_sp}
     * for everything else.
     */
    static String runCompletion(CommandSpec run) {
        List<String> withValue = new ArrayList<>();
        for (OptionSpec o : run.options()) {
            if (o.arity().max() > 0) {
                withValue.addAll(List.of(o.names()));
            }
        }
        String valued = String.join("|", withValue);
        return """

                # sp run: COMMAND after its options (or after --), then the command's own arguments.
                function _sp_complete() {
                  local i=1 cur=${COMP_WORDS[COMP_CWORD]} start=0 w
                  while [ $i -lt $COMP_CWORD ]; do
                    case ${COMP_WORDS[i]} in -*) i=$((i+1)) ;; *) break ;; esac
                  done
                  if [ $i -lt $COMP_CWORD ] && [ "${COMP_WORDS[i]}" = run ]; then
                    i=$((i+1))
                    while [ $i -le $COMP_CWORD ]; do
                      w=${COMP_WORDS[i]}
                      if [ $i -eq $COMP_CWORD ]; then
                        case $w in -*) ;; *) start=$i ;; esac
                        break
                      fi
                      case $w in
                        --) start=$((i+1)); break ;;
                        %s)
                          if [ "${COMP_WORDS[i+1]}" = = ]; then i=$((i+2)); else i=$((i+1)); fi
                          [ $i -ge $COMP_CWORD ] && break ;;
                        -*) ;;
                        *) start=$i; break ;;
                      esac
                      i=$((i+1))
                    done
                    if [ $start -gt 0 ]; then
                      if [ $COMP_CWORD -eq $start ]; then
                        COMPREPLY=( $(compgen -c -- "$cur") )
                      elif declare -F _command_offset >/dev/null; then
                        _command_offset $start
                      else
                        type compopt &>/dev/null && compopt -o filenames
                        local IFS=$'\n'
                        COMPREPLY=( $(compgen -f -- "$cur") )
                      fi
                      return 0
                    fi
                  fi
                  _complete_sp "$@"
                  # ./sp's own `sp man` (the launcher's, not a picocli command)
                  if [ $i -eq $COMP_CWORD ] && [[ man == "$cur"* ]] && [[ $cur != -* ]]; then
                    COMPREPLY+=(man)
                  fi
                }
                """.formatted(valued);
    }
}
