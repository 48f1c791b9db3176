package dev.subprocess4j;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.subprocess4j.fixtures.ContractSupport;
import dev.subprocess4j.internal.Backend;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every {@link Redirect}, for each stream it fits, and the checks that reject the ones that do not fit. */
@EveryBackend
public class RedirectContract extends BackendContract {
    private static final Duration LONG = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    /** What {@code /proc/self/fd/N} of this JVM points to, e.g. {@code pipe:[123]} or {@code /dev/pts/0}. */
    private static String jvmFd(int fd) throws IOException {
        return Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
    }

    // ---- PIPE ---------------------------------------------------------------------------------

    @Test
    void pipesAreTheJvmsEndsOfTheChildsStreams() throws Exception {
        try (Popen p = sh("cat; echo to-err >&2")
                .stdin(Redirect.PIPE).stdout(Redirect.PIPE).stderr(Redirect.PIPE).start()) {
            try (OutputStream in = p.stdin()) {
                in.write("through the pipe\n".getBytes(UTF_8));
            }
            assertThat(new String(p.stdout().readAllBytes(), UTF_8)).isEqualTo("through the pipe\n");
            assertThat(new String(p.stderr().readAllBytes(), UTF_8)).isEqualTo("to-err\n");
            assertThat(p.waitFor()).isZero();
        }
    }

    @Test
    void popenStreamsThatAreNotPipesThrowIllegalStateException() {
        try (Popen p = cmd("true").stdout(Redirect.DEVNULL).stderr(Redirect.lines(line -> { })).start()) {
            assertThatThrownBy(p::stdin).isInstanceOf(IllegalStateException.class).hasMessageContaining("stdin");
            assertThatThrownBy(p::stdout).isInstanceOf(IllegalStateException.class).hasMessageContaining("stdout");
            assertThatThrownBy(p::stderr).isInstanceOf(IllegalStateException.class).hasMessageContaining("stderr");
        }
    }

    /**
     * A child that writes where its fds 0, 1 and 2 point into {@code report}, one line each,
     * without reading or writing any of them (a command substitution reads the shell's links).
     */
    private Command reportingItsFds(Path report) {
        return sh("for n in 0 1 2; do l=$(readlink /proc/$$/fd/$n); echo \"$l\" >> " + Shlex.quote(report.toString()) + "; done");
    }

    private static List<String> fdLinks(Path report) throws IOException {
        return Files.readAllLines(report);
    }

    private static List<String> jvmFds() throws IOException {
        return List.of(jvmFd(0), jvmFd(1), jvmFd(2));
    }

    // ---- DEVNULL ------------------------------------------------------------------------------

    @Test
    void devnullStdinReadsEndOfFileAtOnce() throws IOException {
        CompletedProcess r = cmd("cat").stdin(Redirect.DEVNULL).stdout(Redirect.PIPE).run();
        assertThat(r.returnCode()).isZero();
        assertThat(r.stdoutBytes()).isEmpty();

        Path report = dir.resolve("fds");
        reportingItsFds(report).stdin(Redirect.DEVNULL).run();
        assertThat(fdLinks(report).getFirst()).isEqualTo("/dev/null");
    }

    @Test
    void devnullOutputIsDiscarded() throws IOException {
        CompletedProcess r = sh("head -c 10000000 /dev/zero; head -c 10000000 /dev/zero >&2")
                .stdout(Redirect.DEVNULL).stderr(Redirect.DEVNULL).run();
        assertThat(r.returnCode()).isZero();
        assertThat(r.stdout()).isNull();
        assertThat(r.stderr()).isNull();

        Path report = dir.resolve("fds");
        reportingItsFds(report).stdout(Redirect.DEVNULL).stderr(Redirect.DEVNULL).run();
        assertThat(fdLinks(report)).containsExactly(jvmFd(0), "/dev/null", "/dev/null");
    }

    // ---- INHERIT and fd(0..2) -----------------------------------------------------------------

    @Test
    void inheritIsTheDefaultAndSharesTheJvmsOwnStreams() throws IOException {
        Path byDefault = dir.resolve("default");
        CompletedProcess r = reportingItsFds(byDefault).run();
        assertThat(r.stdout()).isNull();
        assertThat(r.stderr()).isNull();
        assertThat(fdLinks(byDefault)).isEqualTo(jvmFds());

        Path explicit = dir.resolve("explicit");
        reportingItsFds(explicit).stdin(Redirect.INHERIT).stdout(Redirect.INHERIT).stderr(Redirect.INHERIT).run();
        assertThat(fdLinks(explicit)).isEqualTo(jvmFds());
    }

    @Test
    void fdOfTheStreamsOwnNumberSharesTheJvmsFd() throws IOException {
        Path report = dir.resolve("fds");
        CompletedProcess r = reportingItsFds(report)
                .stdin(Redirect.fd(0)).stdout(Redirect.fd(1)).stderr(Redirect.fd(2)).run();
        assertThat(r.returnCode()).isZero();
        assertThat(r.stdout()).isNull();
        assertThat(r.stderr()).isNull();
        assertThat(fdLinks(report)).isEqualTo(jvmFds());
    }

    @Test
    void pipesAreNewPipesNotTheJvmsStreams() throws IOException {
        Path report = dir.resolve("fds");
        reportingItsFds(report).stdin(Redirect.PIPE).captureOutput().run();
        List<String> links = fdLinks(report);
        assertThat(links).allMatch(l -> l.startsWith("pipe:"));
        assertThat(links).doesNotContainAnyElementsOf(jvmFds());
        assertThat(links).doesNotHaveDuplicates();
    }

    @Test
    void fdCrossingStdoutAndStderrRunsWithoutCapture() {
        CompletedProcess r = cmd("true").stdout(Redirect.fd(2)).stderr(Redirect.fd(1)).run();
        assertThat(r.returnCode()).isZero();
        assertThat(r.stdout()).isNull();
        assertThat(r.stderr()).isNull();
    }

    @Test
    void fdAboveTwoIsSharedWithTheChildOrRefusedByTheBackend() throws IOException {
        Path file = dir.resolve("fd-target");
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            int fd = fdNumberOf(file);
            Command c = sh("echo via-fd").stdout(Redirect.fd(fd));
            if (supports(Backend.Feature.ANY_FD_REDIRECT)) {
                assertThat(c.run().returnCode()).isZero();
                assertThat(channel.size()).isEqualTo("via-fd\n".length());
                assertThat(Files.readString(file)).isEqualTo("via-fd\n");
            } else {
                assertThatThrownBy(c::run)
                        .isInstanceOf(UnsupportedOperationException.class)
                        .hasMessageContaining("Redirect.fd(" + fd + ")")
                        .hasMessageContaining(backend().name());
                assertThatThrownBy(() -> cmd("cat").stdin(Redirect.fd(fd)).start())
                        .isInstanceOf(UnsupportedOperationException.class)
                        .hasMessageContaining("Redirect.fd(" + fd + ")")
                        .hasMessageContaining(backend().name());
            }
        }
    }

    /** The number of the fd this JVM has open on {@code file}. */
    private static int fdNumberOf(Path file) throws IOException {
        Path real = file.toRealPath();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    if (Files.readSymbolicLink(fd).equals(real)) {
                        return Integer.parseInt(fd.getFileName().toString());
                    }
                } catch (IOException e) {
                    // the listing's own fd, closed meanwhile
                }
            }
        }
        throw new IllegalStateException("no fd open on " + real);
    }

    // ---- STDOUT -------------------------------------------------------------------------------

    @Test
    void stderrToStdoutMergesBothStreamsInWriteOrder() {
        CompletedProcess r = sh("echo out1; echo err1 >&2; echo out2; echo err2 >&2")
                .stdout(Redirect.PIPE).stderr(Redirect.STDOUT).run();
        assertThat(r.stdout()).isEqualTo("out1\nerr1\nout2\nerr2\n");
        assertThat(r.stderr()).isNull();
        assertThat(r.stderrBytes()).isNull();
    }

    @Test
    void stderrToStdoutSharesWhateverStdoutIs() throws IOException {
        Path inherit = dir.resolve("inherit");
        reportingItsFds(inherit).stderr(Redirect.STDOUT).run();
        assertThat(fdLinks(inherit)).containsExactly(jvmFd(0), jvmFd(1), jvmFd(1));

        Path devnull = dir.resolve("devnull");
        reportingItsFds(devnull).stdout(Redirect.DEVNULL).stderr(Redirect.STDOUT).run();
        assertThat(fdLinks(devnull)).containsExactly(jvmFd(0), "/dev/null", "/dev/null");

        Path pipe = dir.resolve("pipe");
        CompletedProcess r = reportingItsFds(pipe).stdout(Redirect.PIPE).stderr(Redirect.STDOUT).run();
        assertThat(r.stdoutBytes()).isEmpty();
        List<String> links = fdLinks(pipe);
        assertThat(links.get(1)).startsWith("pipe:").isEqualTo(links.get(2));
    }

    @Test
    void stderrToStdoutFollowsStdoutIntoAFile() throws IOException {
        Path file = dir.resolve("merged.log");
        CompletedProcess r = sh("echo out1; echo err1 >&2; echo out2")
                .stdout(Redirect.file(file)).stderr(Redirect.STDOUT).run();
        assertThat(r.returnCode()).isZero();
        assertThat(Files.readString(file)).isEqualTo("out1\nerr1\nout2\n");
    }

    @Test
    void stderrToStdoutFollowsStdoutIntoAStreamAndIntoLines() {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        sh("echo out1; echo err1 >&2; echo out2").stdout(Redirect.to(sink)).stderr(Redirect.STDOUT).run();
        assertThat(sink.toString(UTF_8)).isEqualTo("out1\nerr1\nout2\n");

        List<String> lines = Collections.synchronizedList(new ArrayList<>());
        sh("echo out1; echo err1 >&2; echo out2").stdout(Redirect.lines(lines::add)).stderr(Redirect.STDOUT).run();
        assertThat(lines).containsExactly("out1", "err1", "out2");
    }

    // ---- files --------------------------------------------------------------------------------

    @Test
    void fileRedirectCreatesTheFile() throws IOException {
        Path file = dir.resolve("new.txt");
        sh("echo created; echo also >&2").stdout(Redirect.file(file)).stderr(Redirect.file(dir.resolve("err.txt"))).run();
        assertThat(Files.readString(file)).isEqualTo("created\n");
        assertThat(Files.readString(dir.resolve("err.txt"))).isEqualTo("also\n");
    }

    @Test
    void fileRedirectTruncatesAnExistingFile() throws IOException {
        Path file = dir.resolve("old.txt");
        Files.writeString(file, "a much longer old content that must disappear\n");
        CompletedProcess r = sh("echo new").stdout(Redirect.file(file)).run();
        assertThat(r.stdout()).isNull();
        assertThat(Files.readString(file)).isEqualTo("new\n");
    }

    @Test
    void appendRedirectAppendsToAnExistingFileAndCreatesAMissingOne() throws IOException {
        Path file = dir.resolve("log.txt");
        sh("echo first").stdout(Redirect.append(file)).run();
        assertThat(Files.readString(file)).isEqualTo("first\n");
        sh("echo second >&2").stderr(Redirect.append(file)).run();
        sh("echo third").stdout(Redirect.append(file)).run();
        assertThat(Files.readString(file)).isEqualTo("first\nsecond\nthird\n");
    }

    @Test
    void appendOfBothStreamsToOneFileKeepsEveryWrite() throws IOException {
        Path file = dir.resolve("both.log");
        Files.writeString(file, "start\n");
        sh("echo o1; echo e1 >&2; echo o2; echo e2 >&2")
                .stdout(Redirect.append(file)).stderr(Redirect.append(file)).run();
        assertThat(Files.readString(file)).isEqualTo("start\no1\ne1\no2\ne2\n");
    }

    @Test
    void readRedirectFeedsAFileToStdin() throws IOException {
        Path file = dir.resolve("input.bin");
        byte[] content = RunContract.randomBytes(300_000, 7);
        Files.write(file, content);
        CompletedProcess r = cmd("cat").stdin(Redirect.read(file)).stdout(Redirect.PIPE).run();
        assertThat(r.stdoutBytes()).isEqualTo(content);
        assertThat(Files.readAllBytes(file)).as("the file is left as it was").isEqualTo(content);
    }

    @Test
    void readOfAMissingFileFailsAtTheOpenRedirectStep() {
        Path missing = dir.resolve("missing.txt");
        SpawnException e = catchThrowableOfType(SpawnException.class,
                () -> cmd("cat").stdin(Redirect.read(missing)).run());
        assertThat(e.step()).isEqualTo(SpawnException.Step.OPEN_REDIRECT);
        assertThat(e.errnoName()).isEqualTo("ENOENT");
        assertThat(e.errno()).isEqualTo(2);
        assertThat(e.program()).isEqualTo("cat");
        assertThat(e).hasMessage("No such file or directory (open): '" + missing + "'");
    }

    @Test
    void fileInAMissingDirectoryFailsAtTheOpenRedirectStep() {
        Path missing = dir.resolve("no-such-dir").resolve("out.txt");
        SpawnException e = catchThrowableOfType(SpawnException.class,
                () -> cmd("true").stdout(Redirect.file(missing)).run());
        assertThat(e.step()).isEqualTo(SpawnException.Step.OPEN_REDIRECT);
        assertThat(e.errnoName()).isEqualTo("ENOENT");
        assertThat(Files.exists(missing.getParent())).isFalse();
    }

    // ---- from(InputStream) --------------------------------------------------------------------

    /** An input stream that remembers whether it was closed. */
    private static final class CloseTracking extends FilterInputStream {
        volatile boolean closed;

        CloseTracking(InputStream in) {
            super(in);
        }

        @Override
        public void close() throws IOException {
            closed = true;
            super.close();
        }
    }

    @Test
    void fromStreamPumpsTheWholeStreamToStdinWithoutClosingIt() {
        byte[] data = RunContract.randomBytes(3 << 20, 11);
        CloseTracking in = new CloseTracking(new ByteArrayInputStream(data));
        CompletedProcess r = cmd("cat").stdin(Redirect.from(in)).stdout(Redirect.PIPE).run();
        assertThat(r.stdoutBytes()).isEqualTo(data);
        assertThat(in.closed).as("the caller's stream is not closed").isFalse();
    }

    @Test
    void fromStreamLargerThanWhatTheChildReadsDoesNotHangRun() {
        byte[] data = new byte[8 << 20];
        CompletedProcess r = cmd("head", "-c", "10").stdin(Redirect.from(new ByteArrayInputStream(data)))
                .stdout(Redirect.PIPE).run();
        assertThat(r.returnCode()).isZero();
        assertThat(r.stdoutBytes()).hasSize(10);
    }

    @Test
    void fromStreamThatBlocksDoesNotHoldRunOnceTheChildHasExited() throws Exception {
        // A stream with no data yet (a socket, a terminal, System.in): a child that exits without
        // reading stdin must not make run() wait for the stream.
        CountDownLatch release = new CountDownLatch(1);
        InputStream blocking = new InputStream() {
            @Override
            public int read() throws IOException {
                try {
                    release.await();
                } catch (InterruptedException e) {
                    throw new java.io.InterruptedIOException();
                }
                return -1;
            }
        };
        try {
            CompletableFuture<CompletedProcess> run = sh("exit 4").stdin(Redirect.from(blocking)).runAsync();
            assertThat(run.get(10, TimeUnit.SECONDS).returnCode()).isEqualTo(4);
        } finally {
            release.countDown();
        }
    }

    // ---- to(OutputStream) ---------------------------------------------------------------------

    /** A buffered sink that remembers whether it was flushed down to its bytes and whether it was closed. */
    private static final class Sink extends BufferedOutputStream {
        final ByteArrayOutputStream bytes;
        volatile boolean closed;

        Sink() {
            this(new ByteArrayOutputStream());
        }

        private Sink(ByteArrayOutputStream bytes) {
            super(bytes, 1 << 20); // larger than some outputs: unflushed bytes would stay here
            this.bytes = bytes;
        }

        @Override
        public void close() throws IOException {
            closed = true;
            super.close();
        }
    }

    @Test
    void toStreamReceivesEveryByteFlushedAndIsNotClosed() {
        byte[] out = RunContract.randomBytes(3 << 20, 21);
        Sink stdout = new Sink();
        Sink stderr = new Sink();
        CompletedProcess r = sh("cat; printf 'small tail on stderr' >&2").input(out)
                .stdout(Redirect.to(stdout)).stderr(Redirect.to(stderr)).run();
        assertThat(r.returnCode()).isZero();
        assertThat(r.stdout()).as("not captured").isNull();
        assertThat(r.stderr()).as("not captured").isNull();
        assertThat(stdout.bytes.toByteArray()).isEqualTo(out);
        assertThat(stderr.bytes.toString(UTF_8)).as("flushed").isEqualTo("small tail on stderr");
        assertThat(stdout.closed).isFalse();
        assertThat(stderr.closed).isFalse();
    }

    @Test
    void toStreamIsCompleteWhenWaitForReturns() {
        // A slow sink: the child is long gone before the first byte is delivered.
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        AtomicBoolean first = new AtomicBoolean(true);
        OutputStream slow = new OutputStream() {
            @Override
            public void write(int b) {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                if (first.getAndSet(false)) {
                    sleepQuietly(300);
                }
                synchronized (received) {
                    received.write(b, off, len);
                }
            }
        };
        try (Popen p = sh("i=0; while [ $i -lt 20 ]; do echo line $i; i=$((i+1)); done").stdout(Redirect.to(slow)).start()) {
            assertThat(p.waitFor()).isZero();
            synchronized (received) {
                assertThat(received.toString(UTF_8)).endsWith("line 19\n").contains("line 0\n");
                assertThat(received.toString(UTF_8).lines()).hasSize(20);
            }
        }
    }

    // ---- lines(Consumer) ----------------------------------------------------------------------

    private static Consumer<String> into(List<String> lines) {
        return lines::add;
    }

    @Test
    void linesDeliversEveryLineWithoutItsTerminatorIncludingTheLastUnterminatedOne() {
        List<String> lines = Collections.synchronizedList(new ArrayList<>());
        CompletedProcess r = sh("printf 'one\\ntwo\\r\\nthree\\rfour\\n\\nlast'").stdout(Redirect.lines(into(lines))).run();
        assertThat(r.stdout()).isNull();
        assertThat(lines).containsExactly("one", "two", "three", "four", "", "last");
    }

    @Test
    void linesDeliversNothingExtraAfterAFinalTerminator() {
        List<String> crlf = Collections.synchronizedList(new ArrayList<>());
        sh("printf 'a\\r\\nb\\r\\n'").stdout(Redirect.lines(into(crlf))).run();
        assertThat(crlf).containsExactly("a", "b");

        List<String> none = Collections.synchronizedList(new ArrayList<>());
        cmd("true").stdout(Redirect.lines(into(none))).run();
        assertThat(none).isEmpty();
    }

    @Test
    void linesSplitsCrLfCorrectlyAcrossReadBoundaries() {
        // ~340 KiB of \r\n-terminated lines: reads end at arbitrary places, some between \r and \n.
        List<String> lines = Collections.synchronizedList(new ArrayList<>());
        sh("awk 'BEGIN { for (i = 1; i <= 50000; i++) printf \"%d\\r\\n\", i }'").stdout(Redirect.lines(into(lines))).run();
        assertThat(lines).isEqualTo(IntStream.rangeClosed(1, 50000).mapToObj(Integer::toString).toList());
    }

    @Test
    void linesDecodesMultibyteCharactersSplitAcrossReadBoundaries() {
        List<String> lines = Collections.synchronizedList(new ArrayList<>());
        sh("awk 'BEGIN { for (i = 1; i <= 30000; i++) printf \"é😀€%d\\n\", i }'").stdout(Redirect.lines(into(lines))).run();
        assertThat(lines).hasSize(30000);
        for (int i = 0; i < lines.size(); i++) {
            assertThat(lines.get(i)).isEqualTo("é😀€" + (i + 1));
        }
    }

    @Test
    void linesAreDecodedWithTheCommandsEncoding() {
        List<String> lines = Collections.synchronizedList(new ArrayList<>());
        sh("printf '\\351t\\351\\n'").encoding(ISO_8859_1).stdout(Redirect.lines(into(lines))).run();
        assertThat(lines).containsExactly("été");
    }

    @Test
    void linesOnStderrAreDeliveredToo() {
        List<String> out = Collections.synchronizedList(new ArrayList<>());
        List<String> err = Collections.synchronizedList(new ArrayList<>());
        sh("echo o1; echo e1 >&2; echo o2; printf e2 >&2")
                .stdout(Redirect.lines(into(out))).stderr(Redirect.lines(into(err))).run();
        assertThat(out).containsExactly("o1", "o2");
        assertThat(err).containsExactly("e1", "e2");
    }

    @Test
    void linesAreAllDeliveredWhenWaitForReturns() {
        // A slow consumer: the child is long gone before the last line is handed over.
        List<String> lines = Collections.synchronizedList(new ArrayList<>());
        Consumer<String> slow = line -> {
            sleepQuietly(lines.isEmpty() ? 300 : 1);
            lines.add(line);
        };
        try (Popen p = cmd("seq", "1", "200").stdout(Redirect.lines(slow)).start()) {
            assertThat(p.waitFor()).isZero();
            assertThat(lines).hasSize(200).endsWith("200");
        }
    }

    /** A read of stdout that waits for a silent child ends on an interrupt, on every backend. */
    @Test
    void aBlockingReadOfAPipeEndsOnAnInterrupt() throws Exception {
        try (Popen p = cmd("sleep", "30").stdout(Redirect.PIPE).stderr(Redirect.PIPE).start()) {
            for (InputStream in : List.of(p.stdout(), p.stderr())) {
                CompletableFuture<Throwable> outcome = new CompletableFuture<>();
                CountDownLatch reading = new CountDownLatch(1);
                Thread reader = Thread.ofPlatform().start(() -> {
                    reading.countDown();
                    try {
                        outcome.complete(new AssertionError("read returned " + in.read()));
                    } catch (Throwable t) {
                        outcome.complete(t);
                    }
                });
                reading.await();
                Thread.sleep(200); // in the read by now (else the interrupt is seen at its start: the same outcome)
                reader.interrupt();
                Throwable t = outcome.get(10, TimeUnit.SECONDS);
                assertThat(t).isInstanceOf(java.io.InterruptedIOException.class);
                reader.join();
            }
            p.kill();
            p.waitFor();
        }
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- validation ---------------------------------------------------------------------------

    @Test
    void redirectsThatDoNotFitTheStreamAreRejectedWhenBuilt() {
        Path file = dir.resolve("f");
        Command c = cmd("true");
        assertThatThrownBy(() -> c.stdout(Redirect.STDOUT)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("STDOUT");
        assertThatThrownBy(() -> c.stdout(Redirect.read(file))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("stdout");
        assertThatThrownBy(() -> c.stderr(Redirect.read(file))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("stderr");
        assertThatThrownBy(() -> c.stdout(Redirect.from(InputStream.nullInputStream())))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("stdout");
        for (Redirect outputOnly : List.of(Redirect.STDOUT, Redirect.file(file), Redirect.append(file),
                Redirect.to(OutputStream.nullOutputStream()), Redirect.lines(line -> { }))) {
            assertThatThrownBy(() -> c.stdin(outputOnly)).as("%s", outputOnly)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("stdin");
        }
        assertThatThrownBy(() -> Redirect.fd(-1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-1");
        assertThat(Files.exists(file)).as("nothing was opened").isFalse();
    }

    @Test
    void inputConflictsWithAStdinOtherThanPipe() {
        Path file = dir.resolve("f");
        assertThatThrownBy(() -> cmd("cat").input("x").stdin(Redirect.DEVNULL))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("input");
        assertThatThrownBy(() -> cmd("cat").stdin(Redirect.read(file)).input(new byte[1]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("input");
        assertThatCode(() -> cmd("cat").input("x").stdin(Redirect.PIPE)).doesNotThrowAnyException();
        assertThat(cmd("cat").stdin(Redirect.PIPE).input("x").stdout(Redirect.PIPE).run().stdout()).isEqualTo("x");
    }

    /**
     * A script that writes its pid, then far more than a pipe holds (so it would block if its
     * output were not drained), then touches {@code $1}: the proof that it ran to its end.
     */
    private Command writesALotThenMarks(Path marker) {
        return cmd("/bin/sh", "-c", "echo $$; i=0; while [ $i -lt 20000 ]; do echo line$i; i=$((i+1)); done; : > \"$1\"",
                "sh", marker.toString());
    }

    @Test
    void aLinesConsumerThatThrowsFailsTheRunWithItsExceptionAsCauseAfterTheChildWasDrainedAndReaped() {
        Path marker = dir.resolve("ran-to-the-end");
        List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        IllegalStateException gaveUp = new IllegalStateException("consumer gave up");
        Command c = writesALotThenMarks(marker).stdout(Redirect.lines(line -> {
            seen.add(line);
            if (seen.size() == 3) {
                throw gaveUp;
            }
        }));

        SubprocessException e = catchThrowableOfType(SubprocessException.class, c::run);

        assertThat(e).as("never a silent success").isNotNull().hasCause(gaveUp).hasMessageContaining("stdout");
        assertThat(e).isNotInstanceOfAny(CalledProcessException.class, TimeoutExpiredException.class);
        assertThat(seen).as("not called again after it failed").hasSize(3);
        assertThat(marker).as("the child was drained and ran to its end").exists();
        ContractSupport.assertGone(Long.parseLong(seen.getFirst()));
    }

    @Test
    void aToStreamThatThrowsFailsTheRunWithItsExceptionAsCauseAfterTheChildWasDrainedAndReaped() {
        Path marker = dir.resolve("ran-to-the-end");
        ByteArrayOutputStream firstChunk = new ByteArrayOutputStream();
        IOException diskFull = new IOException("disk full");
        OutputStream failing = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                if (firstChunk.size() > 0) {
                    throw diskFull;
                }
                firstChunk.write(b, off, len);
            }
        };

        SubprocessException e = catchThrowableOfType(SubprocessException.class,
                () -> writesALotThenMarks(marker).stdout(Redirect.to(failing)).run());

        assertThat(e).as("never a silent success").isNotNull().hasCause(diskFull).hasMessageContaining("stdout");
        assertThat(marker).as("the child was drained and ran to its end").exists();
        ContractSupport.assertGone(Long.parseLong(firstChunk.toString(UTF_8).lines().findFirst().orElseThrow()));
    }
}
