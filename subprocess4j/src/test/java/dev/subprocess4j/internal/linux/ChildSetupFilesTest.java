package dev.subprocess4j.internal.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.subprocess4j.Subprocess;
import dev.subprocess4j.fixtures.LeakCheckExtension;
import dev.subprocess4j.internal.linux.ffi.NativeFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where the child-setup code is placed: in sealed memfds, else in a file of a directory the JVM
 * makes for it in a base no other user can change, and used only through the open fd. Attacks by
 * another user on the base directories are in {@link NativeFilesAttackTest}.
 */
@ExtendWith(LeakCheckExtension.class)
@Timeout(60)
class ChildSetupFilesTest {
    private static final byte[] LIBRARY = "pretend this is libsubprocess4j.so".getBytes(StandardCharsets.UTF_8);
    private static final byte[] HELPER = "pretend this is subprocess4j-helper".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path base;

    private ChildSetupFiles files(String where, Path... bases) {
        return files(where, source(LIBRARY, HELPER), bases);
    }

    private static ChildSetupFiles files(String where, Function<String, byte[]> source, Path... bases) {
        List<Map.Entry<Path, Boolean>> list = java.util.Arrays.stream(bases).map(b -> Map.entry(b, false)).toList();
        return new ChildSetupFiles(where, list, uid(), source);
    }

    /** A jar's files: the library, the helper, and the index the build writes for them. */
    private static Function<String, byte[]> source(byte[] library, byte[] helper) {
        byte[] index = index(library, helper);
        return name -> switch (name) {
            case "libsubprocess4j.so" -> library;
            case "subprocess4j-helper" -> helper;
            case "index" -> index;
            default -> throw new AssertionError(name);
        };
    }

    private static byte[] index(byte[] library, byte[] helper) {
        return ("libsubprocess4j.so " + library.length + " " + crc32(library) + "\n"
                + "subprocess4j-helper " + helper.length + " " + crc32(helper) + "\n").getBytes(StandardCharsets.US_ASCII);
    }

    private static long crc32(byte[] bytes) {
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(bytes);
        return crc.getValue();
    }

    @Test
    void theJvmsLibraryAndHelperAreSealedMemfdsThatNoProgramInherits() throws IOException {
        String out = Subprocess.command("sh", "-c", "id -u; ls /proc/self/fd").user("nobody").captureOutput().run().stdout();
        assertThat(out.lines().findFirst()).hasValue("65534");
        ChildSetupFiles files = ChildSetupSpawner.files();
        for (ChildSetupFiles.Open file : List.of(files.library(), files.helper())) {
            String target = Files.readSymbolicLink(Path.of(file.procPath())).toString();
            assertThat(target).as(file.description()).startsWith("/memfd:subprocess4j:");
            assertThat(NativeFiles.seals(file.fd()) & NativeFiles.ALL_SEALS).isEqualTo(NativeFiles.ALL_SEALS);
            assertThat(closeOnExec(file.fd())).as("close-on-exec: " + file.description()).isTrue();
            assertThat(out.lines().skip(1).toList()).as("the program's fds").doesNotContain(Integer.toString(file.fd()));
        }
    }

    @Test
    void theChildSetupCodesOwnFdsCannotBePassedToAProgram() {
        ChildSetupFiles files = ChildSetupSpawner.files();
        int library = files.library().fd();
        int helper = files.helper().fd();
        for (var c : List.of(Subprocess.command("true").passFds(library),
                Subprocess.command("true").user("nobody").passFds(helper))) {
            assertThatThrownBy(c::run).isInstanceOfSatisfying(dev.subprocess4j.SpawnException.class, e -> {
                assertThat(e.step()).isEqualTo(dev.subprocess4j.SpawnException.Step.FDS);
                assertThat(e.errnoName()).isEqualTo("EBADF");
            });
        }
    }

    @Test
    void aMemfdCannotBeWrittenOnceSealed() throws IOException {
        try (ChildSetupFiles files = files("memfd")) {
            ChildSetupFiles.Open helper = files.helper();
            assertThat(Files.readAllBytes(Path.of(helper.procPath()))).isEqualTo(HELPER);
            assertThatThrownBy(() -> Files.write(Path.of(helper.procPath()), "evil".getBytes(StandardCharsets.UTF_8)))
                    .isInstanceOf(IOException.class);
            assertThat(Files.readAllBytes(Path.of(helper.procPath()))).isEqualTo(HELPER);
        }
    }

    @Test
    void theDirectoryWayLeavesNoFileAndNoDirectoryBehindOnlyTheOpenFd() throws IOException {
        try (ChildSetupFiles files = files("directory", base)) {
            ChildSetupFiles.Open helper = files.helper();
            String target = Files.readSymbolicLink(Path.of(helper.procPath())).toString();
            assertThat(target).matches(java.util.regex.Pattern.quote(base.toRealPath().toString())
                    + "/subprocess4j-[0-9a-f]{24}/subprocess4j-helper \\(deleted\\)");
            assertThat(Files.readAllBytes(Path.of(helper.procPath()))).isEqualTo(HELPER);
            NativeFiles.Stat st = NativeFiles.stat(helper.fd());
            assertThat(st.mode() & 07777).isEqualTo(0500);
            assertThat(st.uid()).isEqualTo(uid());
            assertThat(closeOnExec(helper.fd())).isTrue();
            try (var names = Files.list(base)) {
                assertThat(names.toList()).as("nothing left in the base").isEmpty();
            }
        }
    }

    @Test
    void theDirectoryWayRefusesABaseOwnedByAnotherUserAndTouchesNothingInIt() throws IOException {
        Path foreign = Files.createDirectory(base.resolve("foreign"));
        Files.setOwner(foreign, nobody());
        try (ChildSetupFiles files = files("directory", foreign)) {
            assertThatThrownBy(files::helper).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining(foreign.toString()).hasMessageContaining("owned by uid 65534")
                    .hasMessageContaining("plain spawns still work");
        }
        try (var names = Files.list(foreign)) {
            assertThat(names.toList()).isEmpty();
        }
    }

    @Test
    void theDirectoryWayRefusesABaseUnderADirectoryOthersMayWriteThatIsNotSticky() throws IOException {
        Path open = Files.createDirectory(base.resolve("open"));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path inside = Files.createDirectory(open.resolve("inside"));
        try (ChildSetupFiles files = files("directory", inside)) {
            assertThatThrownBy(files::helper).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("its ancestor " + open.toRealPath()).hasMessageContaining("not sticky");
        }
        // sticky, as /tmp: other users cannot rename or remove what the JVM makes there
        Files.setAttribute(open, "unix:mode", 01777);
        try (ChildSetupFiles files = files("directory", inside)) {
            assertThat(Files.readAllBytes(Path.of(files.helper().procPath()))).isEqualTo(HELPER);
        }
    }

    @Test
    void aRuntimeDirectoryIsUsedOnlyWhenItIsTheUsersWithMode0700() throws IOException {
        Path runtime = Files.createDirectory(base.resolve("runtime"));
        Files.setPosixFilePermissions(runtime, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path tmp = Files.createDirectory(base.resolve("tmp"));
        List<Map.Entry<Path, Boolean>> bases = List.of(Map.entry(runtime, true), Map.entry(tmp, false));
        try (ChildSetupFiles files = new ChildSetupFiles("directory", bases, uid(), source(LIBRARY, HELPER))) {
            assertThat(Files.readSymbolicLink(Path.of(files.helper().procPath())).toString())
                    .as("not the runtime directory of mode 0755").startsWith(tmp.toRealPath() + "/");
        }
        Files.setPosixFilePermissions(runtime, PosixFilePermissions.fromString("rwx------"));
        try (ChildSetupFiles files = new ChildSetupFiles("directory", bases, uid(), source(LIBRARY, HELPER))) {
            assertThat(Files.readSymbolicLink(Path.of(files.helper().procPath())).toString()).startsWith(runtime.toRealPath() + "/");
        }
    }

    @Test
    void aNameSomeoneHoldsIsNeitherUsedNorTouched() throws IOException {
        // whatever another user made in a sticky base, the JVM's own directory is made anew with O_EXCL semantics
        Path sticky = Files.createDirectory(base.resolve("sticky"));
        Files.setAttribute(sticky, "unix:mode", 01777);
        Path planted = Files.createDirectory(sticky.resolve("subprocess4j-planted"));
        Files.setOwner(planted, nobody());
        try (ChildSetupFiles files = files("directory", sticky)) {
            assertThat(Files.readAllBytes(Path.of(files.helper().procPath()))).isEqualTo(HELPER);
        }
        try (var names = Files.list(sticky)) {
            assertThat(names.toList()).containsExactly(planted);
        }
    }

    @Test
    void aBadValueOfTheSystemPropertyIsNamed() {
        assertThatThrownBy(() -> files("disk", base)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("-Dsubprocess4j.nativeFiles=disk").hasMessageContaining("neither memfd nor directory");
    }

    @Test
    void theLibraryAloneLeavesTheHelperUnread() throws IOException {
        java.util.concurrent.atomic.AtomicInteger helperReads = new java.util.concurrent.atomic.AtomicInteger();
        var jar = source(LIBRARY, HELPER);
        try (ChildSetupFiles files = files("memfd", name -> {
            if (name.equals("subprocess4j-helper")) {
                helperReads.incrementAndGet();
            }
            return jar.apply(name);
        })) {
            byte[] loaded = files.loadLibrary(path -> {
                try {
                    return Files.readAllBytes(Path.of(path));
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            assertThat(loaded).isEqualTo(LIBRARY);
            assertThat(helperReads).as("the helper is read when first needed").hasValue(0);
            assertThat(Files.readAllBytes(Path.of(files.helper().procPath()))).isEqualTo(HELPER);
            files.helper();
            assertThat(helperReads).as("once").hasValue(1);
        }
    }

    @Test
    void aLibraryThatCannotBeLoadedFromAMemfdIsTriedFromADirectoryAndEachReasonIsNamed() {
        try (ChildSetupFiles files = files(null, base)) {
            assertThatThrownBy(() -> files.loadLibrary(path -> {
                throw new IllegalArgumentException("Cannot open library: " + path);
            })).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("libsubprocess4j.so (sealed memfd")
                    .hasMessageContaining("of a file made and removed again in " + base.toString());
        }
    }

    @Test
    void aHelperThatDoesNotMatchTheIndexIsRefused() {
        // the jar changed while the JVM ran: the index (read at the start) names the old helper
        byte[] index = index(LIBRARY, HELPER);
        try (ChildSetupFiles files = files("memfd", name -> switch (name) {
            case "index" -> index;
            case "subprocess4j-helper" -> "a newer helper".getBytes(StandardCharsets.UTF_8);
            default -> LIBRARY;
        })) {
            assertThatThrownBy(files::helper).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("subprocess4j-helper").hasMessageContaining("does not match its index");
        }
    }

    @Test
    void aLibraryThatDoesNotMatchTheIndexIsRefusedAtOnce() {
        byte[] index = index(LIBRARY, HELPER);
        assertThatThrownBy(() -> files("memfd", name -> switch (name) {
            case "index" -> index;
            case "libsubprocess4j.so" -> "another library".getBytes(StandardCharsets.UTF_8);
            default -> HELPER;
        })).isInstanceOf(IllegalStateException.class).hasMessageContaining("libsubprocess4j.so")
                .hasMessageContaining("does not match its index");
    }

    @Test
    void aBadIndexLineIsRefusedNamingIt() {
        assertThatThrownBy(() -> files("memfd", name -> name.equals("index")
                ? "libsubprocess4j.so 12 notanumber\n".getBytes(StandardCharsets.US_ASCII) : LIBRARY))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("libsubprocess4j.so 12 notanumber");
    }

    @Test
    void theEffectiveUidReadFromProcIsTheKernels() {
        assertThat(ChildSetupFiles.effectiveUid()).isEqualTo(dev.subprocess4j.internal.linux.ffi.Unistd.geteuid());
        // the second of "real effective saved fs" (a setuid program's differ)
        assertThat(ChildSetupFiles.effectiveUid(List.of("Name:\tjava", "Uid:\t1000\t2000\t3000\t4000",
                "Gid:\t5\t6\t7\t8"))).isEqualTo(2000);
        assertThat(ChildSetupFiles.effectiveUid(List.of("Name:\tjava"))).isEqualTo(-1);
    }

    @Test
    void theShippedIndexMatchesTheShippedFiles() throws IOException {
        assertThat(ChildSetupFiles.shipped()).as("the build ships the C code for this platform").isTrue();
        String dir = "/dev/subprocess4j/native/" + ChildSetupFiles.platform() + "/";
        byte[] library, helper, index;
        try (var a = ChildSetupFiles.class.getResourceAsStream(dir + "libsubprocess4j.so");
                var b = ChildSetupFiles.class.getResourceAsStream(dir + "subprocess4j-helper");
                var c = ChildSetupFiles.class.getResourceAsStream(dir + "index")) {
            library = a.readAllBytes();
            helper = b.readAllBytes();
            index = c.readAllBytes();
        }
        assertThat(new String(index, StandardCharsets.US_ASCII)).isEqualTo(new String(index(library, helper), StandardCharsets.US_ASCII));
    }

    /** Whether fd has close-on-exec set: the "flags:" line of /proc/self/fdinfo/N, in octal. */
    private static boolean closeOnExec(int fd) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/fdinfo/" + fd))) {
            if (line.startsWith("flags:")) {
                return (Long.parseLong(line.substring(6).trim(), 8) & 02000000) != 0;
            }
        }
        throw new AssertionError("no flags in /proc/self/fdinfo/" + fd);
    }

    private static long uid() {
        return dev.subprocess4j.internal.linux.ffi.Unistd.geteuid();
    }

    private static UserPrincipal nobody() throws IOException {
        return Path.of("/").getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody");
    }
}
