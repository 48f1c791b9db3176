package dev.subprocess4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class SpCompletionTest {

    @Test
    @Timeout(30)
    void bashCompletionNamesEverySubcommandAndTheirOptions() {
        SpRunTest.Sp r = SpRunTest.sp("completion", "bash");
        assertThat(r.status()).isZero();
        assertThat(r.out()).contains("complete -F", "run", "parallel", "bench", "--timeout", "--rlimit", "--progress");
    }

    @Test
    @Timeout(30)
    void theScriptIsValidBash() throws Exception {
        String script = SpRunTest.sp("completion", "bash").out();
        dev.subprocess4j.CompletedProcess r = dev.subprocess4j.Subprocess.command("bash", "-n")
                .input(script).captureOutput().run();
        assertThat(r.returnCode()).as(r.stderr()).isZero();
    }

    /**
     * What bash completes for {@code line} (the cursor at its end): the script is loaded into a
     * bash that has not loaded bash-completion, the function that {@code complete} names for sp
     * is called as bash calls it, and COMPREPLY is printed one entry a line.
     */
    static java.util.List<String> complete(String line) {
        String script = SpRunTest.sp("completion", "bash").out();
        String driver = script + """
                read -r -a COMP_WORDS <<< "$LINE"
                case $LINE in *' ') COMP_WORDS+=("") ;; esac
                COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
                COMP_LINE=$LINE
                COMP_POINT=${#LINE}
                fn=$(complete -p sp | sed -n 's/.*-F \\([^ ]*\\) .*/\\1/p')
                "$fn" sp "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
                printf '%s\\n' "${COMPREPLY[@]}"
                """;
        dev.subprocess4j.CompletedProcess r = dev.subprocess4j.Subprocess.command("bash", "--norc", "--noprofile", "-c", driver)
                .putEnv("LINE", line).putEnv("PATH", "/usr/bin:/bin").captureOutput().run();
        assertThat(r.returnCode()).as(r.stderr()).isZero();
        return r.stdout().lines().filter(l -> !l.isEmpty()).toList();
    }

    @Test
    @Timeout(30)
    void enumValuesAreCompletedInLowerCase() {
        assertThat(complete("sp run --kill-signal ")).contains("sigterm", "sigkill").doesNotContain("SIGTERM");
        assertThat(complete("sp parallel --progress ")).containsExactlyInAnyOrder("auto", "always", "never");
        // and accepted so
        assertThat(SpRunTest.sp("run", "--kill-signal", "sigterm", "--", "true").status()).isZero();
    }

    @Test
    @Timeout(30)
    void theCommandOfSpRunIsCompletedFromPathThenItsArgumentsAsFiles(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws java.io.IOException {
        assertThat(complete("sp run -- ech")).contains("echo");
        assertThat(complete("sp run ech")).contains("echo");
        assertThat(complete("sp run --timeout 5s --cwd /tmp ech")).contains("echo");
        assertThat(complete("sp -v run --capture -- ech")).contains("echo");
        java.nio.file.Files.writeString(dir.resolve("data-file.txt"), "x");
        assertThat(complete("sp run -- cat " + dir + "/data-")).containsExactly(dir + "/data-file.txt");
        assertThat(complete("sp run --timeout 5s cat " + dir + "/data-")).containsExactly(dir + "/data-file.txt");
        // sp run's own options and their values are still picocli's
        assertThat(complete("sp run --time")).containsExactly("--timeout");
        assertThat(complete("sp run --stdout " + dir + "/data-")).containsExactly(dir + "/data-file.txt");
        assertThat(complete("sp ru")).containsExactly("run");
        assertThat(complete("sp m")).containsExactly("man");
        assertThat(complete("sp ")).contains("run", "parallel", "man");
    }

    @Test
    @Timeout(30)
    void argFileIsCompletedWithItsFile(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws java.io.IOException {
        assertThat(complete("sp parallel --arg-")).containsExactly("--arg-file");
        java.nio.file.Files.writeString(dir.resolve("inputs.txt"), "x");
        assertThat(complete("sp parallel --arg-file " + dir + "/inp")).containsExactly(dir + "/inputs.txt");
        assertThat(complete("sp parallel -a " + dir + "/inp")).containsExactly(dir + "/inputs.txt");
    }

    @Test
    void anUnknownShellIsAUsageError() {
        SpRunTest.Sp r = SpRunTest.sp("completion", "fish");
        assertThat(r.status()).isEqualTo(2);
        assertThat(r.err()).contains("no completion for shell 'fish'");
    }
}
