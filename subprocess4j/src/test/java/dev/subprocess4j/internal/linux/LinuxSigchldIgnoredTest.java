package dev.subprocess4j.internal.linux;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subprocess4j.CompletedProcess;
import dev.subprocess4j.Subprocess;
import dev.subprocess4j.fixtures.LeakCheckExtension;
import dev.subprocess4j.fixtures.SigchldIgnoredMain;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGCHLD ignored by native code in the JVM (the kernel then reaps every child itself at its exit
 * and its status is lost): every spawn of a program that exits at once still returns, as a child
 * that exited with its status unknown (returnCode 0, no usage), never a SpawnException; the
 * library leaves the disposition as it found it and says so once at WARNING.
 */
@ExtendWith(LeakCheckExtension.class)
@Timeout(300)
class LinuxSigchldIgnoredTest {
    private static final int SPAWNS = 1000;

    @TempDir
    Path dir;

    @Test
    void aChildReapedByTheKernelIsReportedAsExitedWithItsStatusUnknownOnEveryPath() throws IOException {
        Path program = exitAtOnce(dir.resolve("exit0"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        CompletedProcess r = Subprocess.command(java, "--enable-native-access=ALL-UNNAMED", "-XX:TieredStopAtLevel=1",
                        "-cp", System.getProperty("java.class.path"), SigchldIgnoredMain.class.getName(),
                        program.toString(), Integer.toString(SPAWNS))
                .captureOutput().timeout(Duration.ofSeconds(280)).run();
        assertThat(r.returnCode()).as(r.stdout() + r.stderr()).isZero();
        assertThat(r.stdout()).as(r.stderr()).contains("before=0"); // SIG_DFL before the test set SIG_IGN
        for (String path : new String[] {"default", "posix_spawn", "copying", "helper"}) {
            int n = path.equals("helper") ? SPAWNS / 10 : SPAWNS;
            assertThat(r.stdout()).as(r.stderr())
                    .contains("path=" + path + " spawns=" + n + " exceptions=0 nonzero=0 usage=0\n");
        }
        assertThat(r.stdout()).as(r.stderr()).contains("path=popen exceptions=0 nonzero=0\n");
        assertThat(r.stdout()).as("the library leaves SIGCHLD ignored").contains("afterFirstUse=1\n").contains("after=1\n");
        long warnings = r.stderr().lines().filter(l -> l.contains("SIGCHLD")).count();
        assertThat(warnings).as(r.stderr()).isEqualTo(1);
    }

    /**
     * A static program of 130 bytes that calls exit_group(0) at once (no dynamic loader, no libc:
     * it exits within microseconds of its exec), for this machine's architecture.
     */
    static Path exitAtOnce(Path file) throws IOException {
        String arch = System.getProperty("os.arch");
        byte[] code;
        short machine;
        if (arch.equals("amd64") || arch.equals("x86_64")) {
            machine = 0x3e;
            code = new byte[] {0x31, (byte) 0xff, // xor edi, edi
                    (byte) 0xb8, (byte) 0xe7, 0, 0, 0, // mov eax, 231 (exit_group)
                    0x0f, 0x05}; // syscall
        } else if (arch.equals("aarch64")) {
            machine = 0xb7;
            code = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN)
                    .putInt(0xd2800000) // mov x0, #0
                    .putInt(0xd2800bc8) // mov x8, #94 (exit_group)
                    .putInt(0xd4000001) // svc #0
                    .array();
        } else {
            throw new IllegalStateException("no exit program for " + arch);
        }
        long base = 0x400000;
        int headers = 64 + 56;
        ByteBuffer elf = ByteBuffer.allocate(headers + code.length).order(ByteOrder.LITTLE_ENDIAN);
        elf.put(new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1, 0}).put(new byte[8]); // 64-bit, little-endian, SysV
        elf.putShort((short) 2).putShort(machine).putInt(1); // ET_EXEC, machine, EV_CURRENT
        elf.putLong(base + headers).putLong(64).putLong(0); // entry, program headers, no section headers
        elf.putInt(0).putShort((short) 64).putShort((short) 56).putShort((short) 1); // flags, sizes, one header
        elf.putShort((short) 0).putShort((short) 0).putShort((short) 0);
        elf.putInt(1).putInt(5).putLong(0).putLong(base).putLong(base); // PT_LOAD, R+X, offset 0, at base
        elf.putLong(headers + code.length).putLong(headers + code.length).putLong(0x10000);
        elf.put(code);
        Files.write(file, Arrays.copyOf(elf.array(), elf.position()));
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        return file;
    }
}
