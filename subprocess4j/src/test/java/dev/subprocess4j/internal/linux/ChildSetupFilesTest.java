package dev.subprocess4j.internal.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.subprocess4j.LeakCheckExtension;
import dev.subprocess4j.Subprocess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The checks of the extracted child-setup code: nothing that fails them (mode, owner, content, a
 * link in place of the directory) is ever used; it is replaced first.
 */
@ExtendWith(LeakCheckExtension.class)
@Timeout(60)
class ChildSetupFilesTest {
    private static final byte[] LIBRARY = "pretend this is libsubprocess4j.so".getBytes(StandardCharsets.UTF_8);
    private static final byte[] HELPER = "pretend this is subprocess4j-helper".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path base;

    private ChildSetupFiles files() {
        return new ChildSetupFiles(base, uid(), source(LIBRARY, HELPER));
    }

    /** A jar's files: the library, the helper, and the index the build writes for them. */
    private static java.util.function.Function<String, byte[]> source(byte[] library, byte[] helper) {
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
    void extractsIntoAPrivateDirectoryNamedAfterTheOwnerAndTheHash() throws IOException {
        ChildSetupFiles files = files();
        Path helper = files.helper();
        Path dir = files.directory();
        assertThat(dir.getFileName().toString()).matches("subprocess4j-" + uid() + "-[0-9a-f]{16}");
        assertThat(mode(dir)).isEqualTo("rwx------");
        assertThat(owner(dir)).isEqualTo(uid());
        assertThat(helper).isEqualTo(dir.resolve("subprocess4j-helper"));
        assertThat(mode(helper)).isEqualTo("r-x------");
        assertThat(Files.readAllBytes(helper)).isEqualTo(HELPER);
        assertThat(Files.readAllBytes(files.library())).isEqualTo(LIBRARY);
        try (var names = Files.list(dir)) {
            assertThat(names.map(p -> p.getFileName().toString()).sorted().toList())
                    .as("no temporary file left").containsExactly("libsubprocess4j.so", "subprocess4j-helper");
        }
    }

    @Test
    void theLibraryAloneLeavesTheHelperUnread() throws IOException {
        java.util.concurrent.atomic.AtomicInteger helperReads = new java.util.concurrent.atomic.AtomicInteger();
        var jar = source(LIBRARY, HELPER);
        ChildSetupFiles files = new ChildSetupFiles(base, uid(), name -> {
            if (name.equals("subprocess4j-helper")) {
                helperReads.incrementAndGet();
            }
            return jar.apply(name);
        });
        assertThat(Files.readAllBytes(files.library())).isEqualTo(LIBRARY);
        files.library();
        try (var names = Files.list(files.directory())) {
            // what every spawn needs is there; the helper (for credential changes) is not extracted yet
            assertThat(names.map(p -> p.getFileName().toString()).toList()).containsExactly("libsubprocess4j.so");
        }
        assertThat(helperReads).as("not read to name the directory: the index names it").hasValue(0);
        assertThat(Files.readAllBytes(files.helper())).isEqualTo(HELPER);
        assertThat(helperReads.get()).as("read when needed").isEqualTo(1);
    }

    @Test
    void aHelperThatDoesNotMatchTheIndexIsRefused() {
        // the jar changed while the JVM ran: the index (read at the start) names the old helper
        byte[] index = index(LIBRARY, HELPER);
        ChildSetupFiles files = new ChildSetupFiles(base, uid(), name -> switch (name) {
            case "index" -> index;
            case "subprocess4j-helper" -> "a newer helper".getBytes(StandardCharsets.UTF_8);
            default -> LIBRARY;
        });
        assertThatThrownBy(files::helper).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("subprocess4j-helper").hasMessageContaining("does not match its index");
        assertThat(files.directory()).satisfiesAnyOf(
                d -> assertThat(d).doesNotExist(),
                d -> assertThat(d.resolve("subprocess4j-helper")).doesNotExist());
    }

    @Test
    void aLibraryThatDoesNotMatchTheIndexIsRefusedAtOnce() {
        byte[] index = index(LIBRARY, HELPER);
        assertThatThrownBy(() -> new ChildSetupFiles(base, uid(), name -> switch (name) {
            case "index" -> index;
            case "libsubprocess4j.so" -> "another library".getBytes(StandardCharsets.UTF_8);
            default -> HELPER;
        })).isInstanceOf(IllegalStateException.class).hasMessageContaining("libsubprocess4j.so")
                .hasMessageContaining("does not match its index");
    }

    @Test
    void aBadIndexLineIsRefusedNamingIt() {
        assertThatThrownBy(() -> new ChildSetupFiles(base, uid(), name -> name.equals("index")
                ? "libsubprocess4j.so 12 notanumber\n".getBytes(StandardCharsets.US_ASCII) : LIBRARY))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("libsubprocess4j.so 12 notanumber");
    }

    @Test
    void theEffectiveUidReadFromProcIsTheKernels() {
        assertThat(ChildSetupFiles.effectiveUid()).isEqualTo(dev.subprocess4j.internal.linux.ffi.Unistd.geteuid());
        // the second of "real effective saved fs" (a setuid program's differ)
        assertThat(ChildSetupFiles.effectiveUid(java.util.List.of("Name:\tjava", "Uid:\t1000\t2000\t3000\t4000",
                "Gid:\t5\t6\t7\t8"))).isEqualTo(2000);
        assertThat(ChildSetupFiles.effectiveUid(java.util.List.of("Name:\tjava"))).isEqualTo(-1);
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

    @Test
    void otherContentGetsAnotherDirectory() {
        byte[] anotherHelper = "another helper".getBytes(StandardCharsets.UTF_8);
        ChildSetupFiles other = new ChildSetupFiles(base, uid(), source(LIBRARY, anotherHelper));
        assertThat(other.directory()).isNotEqualTo(files().directory());
    }

    @Test
    void aTamperedFileIsReplacedBeforeItsNextUse() throws IOException {
        ChildSetupFiles files = files();
        Path helper = files.helper();
        byte[] evil = Arrays.copyOf("#!/bin/sh\necho pwned\n".getBytes(StandardCharsets.UTF_8), HELPER.length);
        Files.write(helper, evil); // same size, same mode, same owner: only the content differs
        assertThat(Files.readAllBytes(files.helper())).isEqualTo(HELPER);
        Files.write(files.library(), "x".getBytes(StandardCharsets.UTF_8));
        assertThat(Files.readAllBytes(files.library())).isEqualTo(LIBRARY);
    }

    @Test
    void aFileWithTheWrongModeIsReplaced() throws IOException {
        ChildSetupFiles files = files();
        Path helper = files.helper();
        Files.setPosixFilePermissions(helper, PosixFilePermissions.fromString("rwxrwxrwx"));
        assertThat(mode(files.helper())).isEqualTo("r-x------");
        assertThat(Files.readAllBytes(helper)).isEqualTo(HELPER);
    }

    @Test
    void aFileOwnedBySomeoneElseIsReplaced() throws IOException {
        ChildSetupFiles files = files();
        Path helper = files.helper();
        Files.setOwner(helper, nobody());
        assertThat(owner(files.helper())).isEqualTo(uid());
    }

    @Test
    void aDirectoryWithTheWrongModeIsMadeAnewAndWhatOthersPutThereIsGone() throws IOException {
        ChildSetupFiles files = files();
        Path dir = files.directory();
        files.helper();
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path planted = Files.writeString(dir.resolve("planted"), "by someone else");
        assertThat(Files.readAllBytes(files.helper())).isEqualTo(HELPER);
        assertThat(mode(dir)).isEqualTo("rwx------");
        assertThat(planted).doesNotExist();
    }

    @Test
    void aDirectoryOwnedBySomeoneElseIsMadeAnew() throws IOException {
        ChildSetupFiles files = files();
        Path dir = files.directory();
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        Files.write(dir.resolve("subprocess4j-helper"), HELPER);
        Files.setOwner(dir, nobody());
        files.helper();
        assertThat(owner(dir)).isEqualTo(uid());
        assertThat(mode(dir.resolve("subprocess4j-helper"))).isEqualTo("r-x------");
    }

    @Test
    void aLinkInPlaceOfTheDirectoryIsNeitherFollowedNorUsed() throws IOException {
        ChildSetupFiles files = files();
        Path elsewhere = Files.createDirectory(base.resolve("elsewhere"));
        Files.setPosixFilePermissions(elsewhere, PosixFilePermissions.fromString("rwx------"));
        Path fake = Files.write(elsewhere.resolve("subprocess4j-helper"), HELPER);
        Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("r-x------"));
        Files.createSymbolicLink(files.directory(), elsewhere);
        Path helper = files.helper();
        assertThat(Files.isSymbolicLink(files.directory())).isFalse();
        assertThat(Files.isDirectory(files.directory(), LinkOption.NOFOLLOW_LINKS)).isTrue();
        assertThat(helper.toRealPath()).isEqualTo(files.directory().resolve("subprocess4j-helper").toRealPath());
        assertThat(fake).as("the link's target is left alone").exists();
    }

    @Test
    void theSpawnerNeverExecutesATamperedHelper() throws IOException {
        Path helper = ChildSetupSpawner.files().helper();
        Path marker = base.resolve("helper-was-run");
        String script = "#!/bin/sh\necho tampered > " + marker + "\n";
        try {
            Files.setPosixFilePermissions(helper, PosixFilePermissions.fromString("rwx------"));
            Files.writeString(helper, script);
            Files.setPosixFilePermissions(helper, PosixFilePermissions.fromString("r-x------"));
            String out = Subprocess.command("id", "-u").user("nobody").captureOutput().run().stdout();
            assertThat(out).isEqualTo("65534\n");
            assertThat(marker).doesNotExist();
            assertThat(Files.readString(helper, StandardCharsets.ISO_8859_1)).isNotEqualTo(script);
        } finally {
            ChildSetupSpawner.files().helper(); // whatever happened, leave a good one
        }
    }

    private static long uid() {
        return dev.subprocess4j.internal.linux.ffi.Unistd.geteuid();
    }

    private static String mode(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
    }

    private static long owner(Path p) throws IOException {
        return ((Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS)).longValue();
    }

    private static UserPrincipal nobody() throws IOException {
        return base().getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody");
    }

    private static Path base() {
        return Path.of("/");
    }
}
