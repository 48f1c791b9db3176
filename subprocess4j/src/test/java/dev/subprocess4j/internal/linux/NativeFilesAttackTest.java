package dev.subprocess4j.internal.linux;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subprocess4j.Command;
import dev.subprocess4j.CompletedProcess;
import dev.subprocess4j.Popen;
import dev.subprocess4j.Redirect;
import dev.subprocess4j.Subprocess;
import dev.subprocess4j.fixtures.LeakCheckExtension;
import dev.subprocess4j.fixtures.NativeFilesAttackMain;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The attacks of issue 17 on where the child-setup code lives, each by user nobody against a
 * JVM running as root ({@link NativeFilesAttackMain}) whose {@code java.io.tmpdir} and
 * {@code XDG_RUNTIME_DIR} the attacker can reach. Each worked against the library that extracted
 * the code to {@code subprocess4j-<euid>-<crc><crc>} and used it by path; each is tried on the
 * default way (sealed memfds) and on the directory way ({@code -Dsubprocess4j.nativeFiles=directory}).
 */
@ExtendWith(LeakCheckExtension.class)
@Timeout(300)
class NativeFilesAttackTest {
    @TempDir
    Path top;

    /**
     * Shared {@code /tmp}: nobody makes the name the library would extract to, with a subdirectory
     * of many files, and swaps that subdirectory for a link to root's files as soon as the library
     * starts deleting "the foreign tree". Nothing of root's, nor of nobody's, is deleted.
     */
    @Test
    void aLinkSwappedInDuringADeleteMakesRootDeleteNothing() throws IOException {
        Files.setAttribute(top, "unix:mode", 0755);
        for (String where : new String[] {null, "directory"}) {
            Path shared = Files.createDirectory(top.resolve("shared-" + where));
            Files.setAttribute(shared, "unix:mode", 01777); // as /tmp
            Path precious = Files.createDirectory(top.resolve("precious-" + where));
            Path planted = Files.createDirectories(shared.resolve(predictableName()).resolve("S"));
            int n = 2000;
            for (int i = 0; i < n; i++) {
                String name = String.format("f%05d", i);
                Files.writeString(precious.resolve(name), "root's");
                Files.setOwner(Files.writeString(planted.resolve(name), "nobody's"), nobody());
            }
            Files.setOwner(planted, nobody());
            Files.setOwner(planted.getParent(), nobody());
            Files.setAttribute(planted.getParent(), "unix:mode", 0700);
            String last = String.format("f%05d", n - 1);
            String script = "cd " + planted.getParent() + " && while [ -e S/" + last + " ]; do :; done"
                    + " && mv S S.old && ln -s " + precious + " S && echo swapped";
            // killOnParentExit: a test JVM that dies mid-test (a CI run stopped) leaves no spinning attacker
            try (Popen attacker = Subprocess.command("sh", "-c", script).user("nobody").killOnParentExit()
                    .stdin(Redirect.DEVNULL).stdout(Redirect.DEVNULL).start()) {
                try {
                    List<String> out = victim(shared, null, where, 2, top.resolve("unused"));
                    assertThat(out).as("where=" + where).containsExactly("plain ok", "nobody ok 2");
                } finally {
                    attacker.kill();
                    attacker.waitFor();
                }
            }
            assertThat(count(precious)).as("root's files, where=" + where).isEqualTo(n);
            assertThat(count(planted)).as("nobody's files are nobody's business, where=" + where).isEqualTo(n);
        }
    }

    /**
     * {@code XDG_RUNTIME_DIR} and {@code java.io.tmpdir} are another user's ({@code su} without
     * {@code -}, {@code sudo -E}): the library puts nothing there; on the directory way it refuses
     * them, naming why, and plain spawns still work.
     */
    @Test
    void aBaseDirectoryOwnedByAnotherUserIsNeverUsed() throws IOException {
        Files.setAttribute(top, "unix:mode", 0755);
        Path foreign = Files.createDirectory(top.resolve("nobodys"));
        Files.setOwner(foreign, nobody());
        Files.setAttribute(foreign, "unix:mode", 0700);
        assertThat(victim(foreign, foreign, null, 2, top.resolve("unused"))).containsExactly("plain ok", "nobody ok 2");
        assertThat(count(foreign)).as("nothing made in nobody's directory").isZero();
        List<String> out = victim(foreign, foreign, "directory", 2, top.resolve("unused"));
        assertThat(out).hasSize(2);
        assertThat(out.get(0)).isEqualTo("plain ok");
        assertThat(out.get(1)).startsWith("nobody failed 2 times, first: java.lang.IllegalStateException: cannot place the child-setup code")
                .contains(foreign + " is owned by uid 65534 with mode 0700, not by uid 0 with mode 0700")
                .contains(foreign + " is not safe: owned by uid 65534, neither 0 nor root");
        assertThat(count(foreign)).as("nothing made in nobody's directory").isZero();
    }

    /**
     * The owner of the base swaps every entry in it with a directory holding their own helper,
     * {@code renameat2(RENAME_EXCHANGE)} in a loop, while root spawns {@code id -u} as nobody: the
     * real helper always runs (the program's uid is nobody's) and the attacker's never does.
     */
    @Test
    void aRenameExchangeLoopOnTheBaseNeverGetsItsHelperRun() throws IOException {
        Files.setAttribute(top, "unix:mode", 0755);
        Path attacker = compileAttacker();
        Path foreign = Files.createDirectory(top.resolve("nobodys"));
        Files.setOwner(foreign, nobody());
        Path sticky = Files.createDirectory(top.resolve("sticky"));
        Files.setAttribute(sticky, "unix:mode", 01777);
        Path marker = top.resolve("pwned");
        String helper = "#!/bin/sh\necho pwned > " + marker + "\n";
        // the default way with both bases nobody's; the directory way with java.io.tmpdir a sticky /tmp
        for (String where : new String[] {null, "directory"}) {
            Path tmp = where == null ? foreign : sticky;
            try (Popen swapper = Subprocess.command(attacker.toString(), helper).cwd(tmp).user("nobody")
                    .stdin(Redirect.DEVNULL).stdout(Redirect.DEVNULL).stderr(Redirect.DEVNULL).start()) {
                try {
                    List<String> out = victim(tmp, foreign, where, 500, marker);
                    assertThat(out).as("where=" + where).containsExactly("plain ok", "nobody ok 500");
                    assertThat(swapper.poll()).as("the attacker swapped all along").isEmpty();
                } finally {
                    swapper.kill();
                    swapper.waitFor();
                }
            }
            assertThat(marker).as("where=" + where).doesNotExist();
        }
    }

    /**
     * The attacker: once an entry of root's in its working directory has not changed for 0.1 s
     * (the files are in), it keeps
     * exchanging every entry with "evil" (which holds its own helper, made again whenever root
     * removed it) and back, each state held for a few microseconds, for ever.
     */
    private Path compileAttacker() throws IOException {
        String c = """
                #define _GNU_SOURCE
                #include <dirent.h>
                #include <fcntl.h>
                #include <linux/fs.h>
                #include <stdio.h>
                #include <string.h>
                #include <sys/stat.h>
                #include <sys/syscall.h>
                #include <time.h>
                #include <unistd.h>
                static void plant(const char *script) {
                    struct stat st;
                    if (stat("evil/subprocess4j-helper", &st) != 0) {
                        mkdir("evil", 0755);
                        int fd = open("evil/subprocess4j-helper", O_WRONLY | O_CREAT | O_TRUNC, 0755);
                        if (fd >= 0) {
                            if (write(fd, script, strlen(script)) < 0) {}
                            close(fd);
                        }
                    }
                }
                int main(int argc, char **argv) {
                    (void)argc;
                    int started = 0;
                    for (;;) {
                        plant(argv[1]);
                        DIR *d = opendir(".");
                        struct dirent *e;
                        while (d != NULL && (e = readdir(d)) != NULL) {
                            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") || !strcmp(e->d_name, "evil")) {
                                continue;
                            }
                            struct stat st;
                            struct timespec now;
                            clock_gettime(CLOCK_REALTIME, &now);
                            if (!started && lstat(e->d_name, &st) == 0 && st.st_uid == 0
                                    && (now.tv_sec - st.st_mtim.tv_sec) * 1000000000L
                                       + (now.tv_nsec - st.st_mtim.tv_nsec) > 100000000L) {
                                started = 1; /* root's, unchanged for 0.1 s (its files are in): swap from now on */
                            }
                            if (started && syscall(SYS_renameat2, AT_FDCWD, e->d_name, AT_FDCWD, "evil", RENAME_EXCHANGE) == 0) {
                                usleep(50);
                                syscall(SYS_renameat2, AT_FDCWD, e->d_name, AT_FDCWD, "evil", RENAME_EXCHANGE);
                                usleep(50);
                            }
                        }
                        if (d != NULL) {
                            closedir(d);
                        }
                    }
                }
                """;
        Path source = Files.writeString(top.resolve("attacker.c"), c);
        Path binary = top.resolve("attacker");
        CompletedProcess r = Subprocess.command("cc", "-O2", "-o", binary.toString(), source.toString())
                .stdin(Redirect.DEVNULL).captureOutput().run();
        assertThat(r.returnCode()).as(r.stderr()).isZero();
        Files.setAttribute(binary, "unix:mode", 0755);
        return binary;
    }

    /** Runs {@link NativeFilesAttackMain} as root with these bases; its output lines. */
    private static List<String> victim(Path tmpdir, Path runtimeDir, String where, int count, Path marker) {
        List<String> argv = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-Djava.io.tmpdir=" + tmpdir));
        if (where != null) {
            argv.add("-Dsubprocess4j.nativeFiles=" + where);
        }
        argv.addAll(List.of("-cp", System.getProperty("java.class.path"), NativeFilesAttackMain.class.getName(),
                Integer.toString(count), marker.toString()));
        Command c = Subprocess.command(argv).stdin(Redirect.DEVNULL).captureOutput().timeout(Duration.ofSeconds(120));
        c = runtimeDir == null ? c.removeEnv("XDG_RUNTIME_DIR") : c.putEnv("XDG_RUNTIME_DIR", runtimeDir.toString());
        CompletedProcess r = c.run();
        assertThat(r.returnCode()).as(r.stderr()).isZero();
        return r.stdout().lines().toList();
    }

    /** The name the library before issue 17 extracted to as root: {@code subprocess4j-0-<crc32 library><crc32 helper>}. */
    private static String predictableName() throws IOException {
        try (InputStream in = ChildSetupFiles.class.getResourceAsStream(
                "/dev/subprocess4j/native/" + ChildSetupFiles.platform() + "/index")) {
            StringBuilder name = new StringBuilder("subprocess4j-0-");
            for (String line : new String(in.readAllBytes(), StandardCharsets.US_ASCII).split("\n")) {
                name.append(HexFormat.of().toHexDigits((int) Long.parseLong(line.trim().split(" ")[2])));
            }
            return name.toString();
        }
    }

    private static long count(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.count();
        }
    }

    private static UserPrincipal nobody() throws IOException {
        return Path.of("/").getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody");
    }
}
