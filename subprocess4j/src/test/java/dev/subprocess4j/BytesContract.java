package dev.subprocess4j;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.subprocess4j.fixtures.PropertySeed;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Arguments and environment given as bytes ({@link Subprocess#command(byte[]...)},
 * {@link Command#putEnv(byte[], byte[])}): the native backend passes them unchanged, invalid
 * UTF-8 included; the JDK backend refuses bytes it cannot pass unchanged.
 */
@EveryBackend
public class BytesContract extends BackendContract {
    private static final int CASES = 100;
    private static final byte[] INVALID_A = {(byte) 0xff, (byte) 0xfe};
    private static final byte[] LONE_C3 = {(byte) 0xc3};
    private static final byte[] MIXED = {'a', (byte) 0xc3, 'b', (byte) 0x80, (byte) 0x80, 'c'};

    private static byte[] ascii(String s) {
        return s.getBytes(US_ASCII);
    }

    private boolean isJdk() {
        return backend().name().equals("jdk");
    }

    /** {@code sh -c 'printf "%s\0" "$@"' sh args...}: the child prints each argument's bytes and a NUL. */
    private Command printArgs(List<byte[]> args) {
        List<byte[]> argv = new ArrayList<>(List.of(ascii("/bin/sh"), ascii("-c"), ascii("printf '%s\\0' \"$@\""), ascii("sh")));
        argv.addAll(args);
        return Subprocess.command(argv.toArray(byte[][]::new)).withBackend(backend()).stdout(Redirect.PIPE);
    }

    private static byte[] nulTerminated(List<byte[]> parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
            out.write(0);
        }
        return out.toByteArray();
    }

    /** The entries of the child's {@code /proc/self/environ}, as read by {@code cat} (the child itself). */
    private Set<List<Byte>> childEnviron(Command c) {
        CompletedProcess r = c.stdout(Redirect.PIPE).run();
        assertThat(r.returnCode()).isZero();
        return entries(r.stdoutBytes());
    }

    private static Set<List<Byte>> entries(byte[] nulSeparated) {
        Set<List<Byte>> out = new HashSet<>();
        int start = 0;
        for (int i = 0; i < nulSeparated.length; i++) {
            if (nulSeparated[i] == 0) {
                out.add(boxed(Arrays.copyOfRange(nulSeparated, start, i)));
                start = i + 1;
            }
        }
        return out;
    }

    private static List<Byte> boxed(byte[] b) {
        List<Byte> l = new ArrayList<>(b.length);
        for (byte x : b) {
            l.add(x);
        }
        return l;
    }

    private static List<Byte> entry(byte[] key, byte[] value) {
        byte[] e = Arrays.copyOf(key, key.length + 1 + value.length);
        e[key.length] = '=';
        System.arraycopy(value, 0, e, key.length + 1, value.length);
        return boxed(e);
    }

    private Command catEnviron() {
        return Subprocess.command(ascii("/bin/cat"), ascii("/proc/self/environ")).withBackend(backend());
    }

    @Test
    void invalidUtf8ArgumentsReachTheChildUnchangedOrAreRefused() {
        List<byte[]> args = List.of(INVALID_A, LONE_C3, MIXED, ascii("plain"), new byte[0]);
        Command c = printArgs(args);
        if (isJdk()) {
            assertThatThrownBy(c::run).isInstanceOf(UnsupportedOperationException.class)
                    .hasMessageContaining("argument 4 of bytes ff fe")
                    .hasMessageContaining("sun.jnu.encoding").hasMessageContaining("jdk backend");
            return;
        }
        CompletedProcess r = c.run();
        assertThat(r.returnCode()).isZero();
        assertThat(r.stdoutBytes()).isEqualTo(nulTerminated(args));
    }

    @Test
    void aBareProgramNameOrAPathThatIsNotUtf8IsNotSearchedByItsLossyText() {
        // Decoded, both would read as U+FFFD and could find another file: refused, named (the jdk
        // backend refuses such bytes before any lookup).
        byte[] bare = {'e', 'c', 'h', (byte) 0xff};
        if (isJdk()) {
            assertThatThrownBy(() -> Subprocess.command(bare, ascii("x")).withBackend(backend()).run())
                    .isInstanceOf(UnsupportedOperationException.class);
            return;
        }
        assertThatThrownBy(() -> Subprocess.command(bare, ascii("x")).withBackend(backend()).run())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not looked up in PATH");
        byte[] path = {'/', 'b', 'i', 'n', ':', '/', (byte) 0xff};
        Command viaPath = Subprocess.command("echo", "x").withBackend(backend()).putEnv(ascii("PATH"), path);
        assertThatThrownBy(viaPath::run).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("PATH given as bytes").hasMessageContaining("'echo'");
    }

    @Test
    void anInvalidUtf8ProgramPathIsExecutedByItsBytes() throws Exception {
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("bytes");
        try {
            // A directory whose name is not UTF-8 (the JVM's Path cannot name it on a UTF-8 JVM): made by a child.
            byte[] dirBytes = (dir + "/d").getBytes(UTF_8);
            byte[] sub = Arrays.copyOf(dirBytes, dirBytes.length + 1);
            sub[dirBytes.length] = (byte) 0xff;
            byte[] link = Arrays.copyOf(sub, sub.length + 3);
            System.arraycopy(ascii("/ok"), 0, link, sub.length, 3);
            byte[] script = ascii("mkdir \"$1\" && ln -s /bin/echo \"$2\"");
            assertThat(Subprocess.command(ascii("/bin/sh"), ascii("-c"), script, ascii("sh"), sub, link).run().returnCode())
                    .isZero();
            Command c = Subprocess.command(link, ascii("hi")).withBackend(backend()).stdout(Redirect.PIPE);
            if (isJdk()) {
                assertThatThrownBy(c::run).isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("argument 0");
                return;
            }
            assertThat(c.run().stdout()).isEqualTo("hi\n");
        } finally {
            Subprocess.command("rm", "-rf", dir.toString()).run();
        }
    }

    @Test
    void invalidUtf8EnvironmentReachesTheChildUnchangedOrIsRefused() {
        byte[] key = {'K', (byte) 0xc3};
        Command c = catEnviron().clearEnv()
                .putEnv("TEXT", "café ü")
                .putEnv(ascii("BIN"), new byte[] {(byte) 0xff, (byte) 0xfe, 'x', '='})
                .putEnv(key, ascii("v"))
                .putEnv(ascii("EMPTY"), new byte[0]);
        if (isJdk()) {
            assertThatThrownBy(c::run).isInstanceOf(UnsupportedOperationException.class)
                    .hasMessageContaining("environment variable of key bytes 42 49 4e")
                    .hasMessageContaining("its value is not shown").hasMessageNotContaining("ff fe");
            return;
        }
        assertThat(childEnviron(c)).containsExactlyInAnyOrder(
                entry(ascii("TEXT"), "café ü".getBytes(UTF_8)),
                entry(ascii("BIN"), new byte[] {(byte) 0xff, (byte) 0xfe, 'x', '='}),
                entry(key, ascii("v")),
                entry(ascii("EMPTY"), new byte[0]));
    }

    @Test
    void aByteVariableReplacesTheInheritedOneAndAStringOneReplacesIt() {
        byte[] bad = {(byte) 0xfe, '/', 'h'};
        Command c = catEnviron().putEnv(ascii("HOME"), bad);
        if (isJdk()) {
            assertThatThrownBy(c::run).isInstanceOf(UnsupportedOperationException.class);
        } else {
            Set<List<Byte>> env = childEnviron(c);
            assertThat(env).contains(entry(ascii("HOME"), bad));
            assertThat(env.stream().filter(e -> e.size() >= 5 && boxed(ascii("HOME=")).equals(e.subList(0, 5))))
                    .hasSize(1);
            assertThat(env).hasSize(System.getenv().size() + (System.getenv().containsKey("HOME") ? 0 : 1));
        }
        // A later String putEnv / removeEnv of the same key wins, on every backend.
        assertThat(childEnviron(c.putEnv("HOME", "/text"))).contains(entry(ascii("HOME"), ascii("/text")))
                .doesNotContain(entry(ascii("HOME"), bad));
        assertThat(childEnviron(c.removeEnv("HOME")))
                .noneMatch(e -> e.size() >= 5 && boxed(ascii("HOME=")).equals(e.subList(0, 5)));
    }

    @Test
    void validUtf8BytesActAsStringsOnEveryBackend() {
        byte[] cafe = "café ü".getBytes(UTF_8);
        CompletedProcess r = printArgs(List.of(cafe)).run();
        assertThat(r.stdoutBytes()).isEqualTo(nulTerminated(List.of(cafe)));
        assertThat(childEnviron(catEnviron().clearEnv().putEnv(ascii("T"), cafe)))
                .containsExactly(entry(ascii("T"), cafe));
    }

    /** One generated list of byte arguments, named by its seed and index. */
    record BytesCase(int index, List<byte[]> args) {
        @Override
        public String toString() {
            return PropertySeed.describe(index, args.size() + " byte args");
        }
    }

    static Stream<BytesCase> bytesCases() {
        return IntStream.range(0, CASES).mapToObj(i -> {
            Random random = PropertySeed.random("bytes-argv", i);
            int n = 1 + random.nextInt(8);
            List<byte[]> args = new ArrayList<>(n);
            for (int a = 0; a < n; a++) {
                byte[] b = new byte[random.nextInt(5) == 0 ? 0 : random.nextInt(64)];
                for (int k = 0; k < b.length; k++) {
                    b[k] = (byte) (1 + random.nextInt(255)); // any byte but NUL
                }
                args.add(b);
            }
            return new BytesCase(i, args);
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("bytesCases")
    void anyBytesWithoutNulReachTheChildUnchanged(BytesCase c) {
        Command cmd = printArgs(c.args());
        boolean allUtf8 = c.args().stream().allMatch(b -> dev.subprocess4j.internal.ByteString.isUtf8(b));
        if (isJdk() && !allUtf8) {
            assertThatThrownBy(cmd::run).as(c::toString).isInstanceOf(UnsupportedOperationException.class);
            return;
        }
        CompletedProcess r = cmd.run();
        assertThat(r.returnCode()).as(c::toString).isZero();
        assertThat(r.stdoutBytes()).as(c::toString).isEqualTo(nulTerminated(c.args()));
        List<byte[]> back = cmd.argvBytes();
        for (int i = 0; i < c.args().size(); i++) {
            assertThat(back.get(4 + i)).as(c::toString).isEqualTo(c.args().get(i));
        }
    }
}
