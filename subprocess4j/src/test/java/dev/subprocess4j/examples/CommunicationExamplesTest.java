package dev.subprocess4j.examples;

import static dev.subprocess4j.examples.Proc.fdNumberOf;
import static java.nio.file.StandardOpenOption.APPEND;
import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.subprocess4j.CompletedProcess;
import dev.subprocess4j.PipelineResult;
import dev.subprocess4j.Popen;
import dev.subprocess4j.Redirect;
import dev.subprocess4j.Subprocess;
import dev.subprocess4j.fixtures.LeakCheckExtension;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** docs/guide.md: pipes and FIFOs, inter-process communication, encoding and newlines. */
@ExtendWith(LeakCheckExtension.class)
@Timeout(30)
class CommunicationExamplesTest {
    @TempDir
    Path tmp;

    @Test
    void aPipelineJoinsChildrenWithKernelPipes() {
        // tag::pipe[]
        // printf 'b\na\nb\n' | sort | uniq: three children, two pipes between them.
        PipelineResult r = Subprocess.pipeline(
                        Subprocess.command("printf", "b\\na\\nb\\n"),
                        Subprocess.command("sort"),
                        Subprocess.command("uniq"))
                .stdout(Redirect.PIPE)
                .run();
        assertThat(r.stdout()).isEqualTo("a\nb\n");
        assertThat(r.returnCode()).isZero();
        // end::pipe[]
    }

    @Test
    void aNamedPipeBetweenTwoChildren() {
        // tag::fifo[]
        Path fifo = tmp.resolve("channel");
        Subprocess.checkCall("mkfifo", fifo.toString());

        // Opening a FIFO blocks until its other end is open too: both children must run at once.
        try (Popen writer = Subprocess.command("sh", "-c", "echo 'through the fifo' > \"$1\"", "sh", fifo.toString())
                .start()) {
            CompletedProcess reader = Subprocess.command("cat", fifo.toString())
                    .captureOutput()
                    .timeout(Duration.ofSeconds(5))
                    .run();
            assertThat(reader.stdout()).isEqualTo("through the fifo\n");
            assertThat(writer.waitFor()).isZero();
        }
        // end::fifo[]
    }

    /** Backs the guide's warning: a FIFO as a file redirect holds start() until a reader opens it. */
    @Test
    void aFifoAsARedirectBlocksStartUntilTheOtherEndOpens() throws Exception {
        Path fifo = tmp.resolve("channel");
        Subprocess.checkCall("mkfifo", fifo.toString());
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<Integer> writer = threads.submit(() -> {
                try (Popen p = Subprocess.command("echo", "late").stdout(Redirect.file(fifo)).start()) {
                    return p.waitFor();
                }
            });
            Thread.sleep(300);
            assertThat(writer.isDone()).isFalse();   // still in start(): the child blocks in open()
            CompletedProcess reader = Subprocess.command("cat", fifo.toString()).captureOutput().run();
            assertThat(reader.stdout()).isEqualTo("late\n");
            assertThat(writer.get(5, TimeUnit.SECONDS)).isZero();
        }
    }

    @Test
    void filesAsInputAndOutput() throws IOException {
        // tag::ipc-file[]
        Path report = tmp.resolve("report.txt");
        Subprocess.command("echo", "42 tests passed").stdout(Redirect.file(report)).check().run();
        assertThat(Files.readString(report)).isEqualTo("42 tests passed\n");

        CompletedProcess words = Subprocess.command("wc", "-w").stdin(Redirect.read(report)).captureOutput().run();
        assertThat(words.stdout()).isEqualTo("3\n");
        // end::ipc-file[]
    }

    @Test
    void outputLineByLine() {
        // tag::ipc-lines[]
        List<String> lines = new CopyOnWriteArrayList<>();
        Subprocess.command("printf", "one\\ntwo\\nthree")
                .stdout(Redirect.lines(lines::add))      // called for each line, as it arrives
                .check()
                .run();
        assertThat(lines).containsExactly("one", "two", "three"); // all of them before run() returns
        // end::ipc-lines[]
    }

    @Test
    void passingAnOpenFileDescriptor() throws IOException {
        // tag::pass-fds[]
        Path log = tmp.resolve("shared.log");
        try (FileChannel channel = FileChannel.open(log, CREATE, WRITE, APPEND)) {
            int fd = fdNumberOf(log);
            String script = "echo \"child wrote to fd $1\" >&$1";   // bash: dash takes fds 0-9 only

            Subprocess.command("bash", "-c", script, "bash", String.valueOf(fd)).passFds(fd).check().run();

            CompletedProcess closed = Subprocess.command("bash", "-c", script, "bash", String.valueOf(fd))
                    .captureOutput().run();               // without passFds the fd is closed in the child
            assertThat(closed.stderr()).contains("Bad file descriptor");
            assertThat(Files.readString(log)).isEqualTo("child wrote to fd " + fd + "\n");
        }
        // end::pass-fds[]
    }

    @Test
    void encodingAndUniversalNewlines() {
        // tag::encoding[]
        CompletedProcess utf8 = Subprocess.command("printf", "caf\\303\\251\\r\\n").captureOutput().run();
        assertThat(utf8.stdout()).isEqualTo("café\n");       // UTF-8; \r\n read as \n
        assertThat(utf8.stdoutBytes()).hasSize(7);           // the bytes as the child wrote them

        CompletedProcess latin1 = Subprocess.command("printf", "caf\\351\\r\\n")
                .encoding(StandardCharsets.ISO_8859_1)
                .universalNewlines(false)
                .captureOutput()
                .run();
        assertThat(latin1.stdout()).isEqualTo("café\r\n");

        // Bytes that are not UTF-8: replaced by default, or an error when asked.
        CompletedProcess lenient = Subprocess.command("printf", "caf\\351").captureOutput().run();
        assertThat(lenient.stdout()).isEqualTo("caf\uFFFD");
        CompletedProcess strict = Subprocess.command("printf", "caf\\351")
                .errors(CodingErrorAction.REPORT)
                .captureOutput()
                .run();
        assertThatThrownBy(strict::stdout).isInstanceOf(UncheckedIOException.class);
        // end::encoding[]
    }

    @Test
    void bytesArgumentsAndEnvironment() {
        // tag::bytes[]
        byte[] latin1Name = "caf\u00e9.txt".getBytes(StandardCharsets.ISO_8859_1);   // 63 61 66 e9 ...: not UTF-8
        CompletedProcess r = Subprocess.command("printf".getBytes(StandardCharsets.US_ASCII),
                        "%s".getBytes(StandardCharsets.US_ASCII), latin1Name)
                .putEnv("LABEL".getBytes(StandardCharsets.US_ASCII), new byte[] {(byte) 0xff})
                .captureOutput()
                .run();
        assertThat(r.stdoutBytes()).isEqualTo(latin1Name);                     // unchanged, byte for byte
        assertThat(r.args().get(2)).isEqualTo("caf\uFFFD.txt");                // argv(): for display only
        // end::bytes[]
    }
}
