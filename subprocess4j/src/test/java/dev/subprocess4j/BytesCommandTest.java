package dev.subprocess4j;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Building commands from bytes: validation, messages, copies, display forms, remote refusal. */
class BytesCommandTest {
    private static byte[] ascii(String s) {
        return s.getBytes(US_ASCII);
    }

    @Test
    void aNulInAnArgumentIsRejectedNamingArgumentAndIndex() {
        assertThatThrownBy(() -> Subprocess.command(ascii("echo"), ascii("ok"), new byte[] {'a', 0, 'b'}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("NUL byte in argument 2 at index 1");
    }

    @Test
    void emptyOrNullArgvIsRejected() {
        assertThatThrownBy(() -> Subprocess.command(new byte[0][]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("argv must not be empty");
        assertThatThrownBy(() -> Subprocess.command(new byte[0], ascii("x")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("argument 0");
        assertThatThrownBy(() -> Subprocess.command(ascii("x"), null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("argument 1 is null");
    }

    @Test
    void badEnvironmentBytesAreRejectedWithoutShowingTheValue() {
        Command c = Subprocess.command("true");
        assertThatThrownBy(() -> c.putEnv(ascii("A=B"), ascii("v")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'=' in environment key at index 1");
        assertThatThrownBy(() -> c.putEnv(new byte[] {'K', 0}, ascii("v")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("NUL byte in environment key at index 1");
        assertThatThrownBy(() -> c.putEnv(new byte[0], ascii("v")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("environment key must not be empty");
        assertThatThrownBy(() -> c.putEnv(ascii("TOKEN"), new byte[] {'s', 'e', 'c', 'r', 'e', 't', 0, 'x'}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("NUL byte at index 6 in the value of environment key 'TOKEN'")
                .hasMessageNotContaining("secret");
    }

    @Test
    void argvBytesIsExactAndCopied() {
        byte[] bad = {(byte) 0xff, 'x'};
        Command c = Subprocess.command(ascii("prog"), bad);
        bad[0] = 'y'; // the command kept its own copy
        List<byte[]> got = c.argvBytes();
        assertThat(got.get(1)).containsExactly((byte) 0xff, 'x');
        got.get(1)[0] = 'z'; // and hands out copies
        assertThat(c.argvBytes().get(1)).containsExactly((byte) 0xff, 'x');
        assertThat(c.argv()).containsExactly("prog", "\uFFFDx");
    }

    @Test
    void argvBytesOfStringsIsUtf8() {
        assertThat(Subprocess.command("printf", "café ü").argvBytes().get(1)).isEqualTo("café ü".getBytes(UTF_8));
    }

    @Test
    void validUtf8BytesGiveTheSameArgvAsStrings() {
        Command c = Subprocess.command(ascii("echo"), "café ü".getBytes(UTF_8));
        assertThat(c.argv()).containsExactly("echo", "café ü");
        assertThat(c.toString()).isEqualTo(Subprocess.command("echo", "café ü").toString());
    }

    @Test
    void remoteLaunchersRefuseBytesThatAreNotUtf8NamingThem() {
        for (Launcher l : List.of(SshLauncher.to("nowhere.invalid"), SlurmLauncher.create())) {
            assertThatThrownBy(() -> Subprocess.command(ascii("echo"), new byte[] {(byte) 0xc3}).on(l).run())
                    .isInstanceOf(UnsupportedOperationException.class)
                    .hasMessageContaining("argument 1").hasMessageContaining("not valid UTF-8").hasMessageContaining(l.name());
            assertThatThrownBy(() -> Subprocess.command("true").putEnv(ascii("K"), new byte[] {(byte) 0xff}).on(l).run())
                    .isInstanceOf(UnsupportedOperationException.class)
                    .hasMessageContaining("environment variable").hasMessageContaining("'K'").hasMessageContaining(l.name());
        }
    }
}
