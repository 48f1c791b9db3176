package dev.subprocess4j;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Where a child's stdin, stdout or stderr goes.
 *
 * <p>The standard choices are constants ({@link #PIPE}, {@link #DEVNULL}, {@link #INHERIT},
 * {@link #STDOUT}); the others are built by the static methods. File and fd redirects are set up
 * for the child: no byte passes through the JVM. Files are opened by the JVM before the spawn, as
 * Python does (on the linux-native backend a FIFO's wait for its other end is bounded by the
 * command's timeout and ends at an interrupt).
 *
 * <h2>Examples</h2>
 * {@snippet :
 * Subprocess.command("make")
 *         .stdout(Redirect.file(Path.of("build.log")))
 *         .stderr(Redirect.STDOUT)
 *         .run();
 * Subprocess.command("tail", "-n", "100", "app.log")
 *         .stdout(Redirect.lines(line -> System.out.println("> " + line)))
 *         .run();
 * }
 *
 * <h2>Defaults</h2>
 * A {@link Command} inherits all three streams ({@link #INHERIT}), as Python does.
 *
 * <h2>Errors</h2>
 * A redirect that makes no sense for a stream ({@link #STDOUT} for stdin, {@link #read(Path)} for
 * stdout, ...) is rejected by {@link Command#stdin(Redirect)} and friends with
 * {@link IllegalArgumentException}.
 *
 * <h2>Python equivalent</h2>
 * {@code subprocess.PIPE}, {@code STDOUT}, {@code DEVNULL}, {@code None}, an open file or an fd
 * passed as {@code stdin=}/{@code stdout=}/{@code stderr=}.
 */
public sealed interface Redirect
        permits Redirect.Standard, Redirect.WriteFile, Redirect.ReadFile, Redirect.Fd,
                Redirect.FromStream, Redirect.ToStream, Redirect.Lines {

    /** A new pipe between the JVM and the child, read or written through {@link Popen}. */
    Redirect PIPE = Standard.PIPE;
    /** {@code /dev/null}: nothing is read, output is discarded. */
    Redirect DEVNULL = Standard.DEVNULL;
    /** The JVM's own stream with the same number (the default). */
    Redirect INHERIT = Standard.INHERIT;
    /** For stderr only: the same destination as stdout. */
    Redirect STDOUT = Standard.STDOUT;

    /** Output to a file, created or truncated (mode 0666 before the JVM's umask and the command's {@code umask}). */
    static Redirect file(Path path) {
        return new WriteFile(path, false);
    }

    /** Output appended to a file, created when missing. */
    static Redirect append(Path path) {
        return new WriteFile(path, true);
    }

    /** Input read from a file (stdin only). */
    static Redirect read(Path path) {
        return new ReadFile(path);
    }

    /**
     * The JVM's open file descriptor {@code fd}, shared with the child.
     *
     * @throws IllegalArgumentException when {@code fd} is negative
     */
    static Redirect fd(int fd) {
        return new Fd(fd);
    }

    /** Input pumped from a stream (stdin only); the stream is read to its end, not closed. */
    static Redirect from(InputStream in) {
        return new FromStream(in);
    }

    /**
     * Output pumped into a stream (stdout or stderr); the stream is flushed, not closed. Writes
     * happen on a library virtual thread, in order, one at a time; a slow stream slows the child
     * (back-pressure). After a failed write (or flush) the rest is read and discarded, so the
     * child never blocks, and the call that waits for the child ({@code run()}, {@code waitFor()},
     * {@code runAsync()}, ...) fails with a {@link SubprocessException} whose cause is the
     * stream's exception, once the child was reaped.
     */
    static Redirect to(OutputStream out) {
        return new ToStream(out);
    }

    /**
     * Output split into lines, each handed to {@code perLine} without its terminator (the last,
     * unterminated line too), all before {@code run()} or {@code waitFor()} returns.
     *
     * <p>Lines are decoded with the command's encoding (a character split across two reads is
     * put together) and end at {@code \n}, and with universal newlines also at {@code \r\n} and
     * {@code \r}. The lines of one stream arrive in order, to one call at a time, on a library
     * virtual thread, never on the reactor thread. While the consumer is busy nothing more is
     * read, so a slow consumer slows the child through the full pipe and memory stays bounded
     * (the pipe and one 64 KiB chunk), whatever the size of the output. A consumer that throws
     * gets no more lines: the rest of the stream is read and discarded, so the child never
     * blocks, and the call that waits for the child ({@code run()}, {@code waitFor()},
     * {@code runAsync()}, ...) fails with a {@link SubprocessException} whose cause is the
     * consumer's exception, once the child was reaped: never a silent success.
     *
     * {@snippet :
     * Subprocess.command("make", "-j8")
     *         .stdout(Redirect.lines(line -> log.info(line)))
     *         .stderr(Redirect.lines(line -> log.warn(line)))
     *         .check()
     *         .run();
     * }
     */
    static Redirect lines(Consumer<String> perLine) {
        return new Lines(perLine);
    }

    /** The constant redirects. */
    enum Standard implements Redirect {
        /** See {@link Redirect#PIPE}. */ PIPE,
        /** See {@link Redirect#DEVNULL}. */ DEVNULL,
        /** See {@link Redirect#INHERIT}. */ INHERIT,
        /** See {@link Redirect#STDOUT}. */ STDOUT
    }

    /**
     * Output to a file.
     *
     * @param path the file
     * @param append whether to append instead of truncating
     */
    record WriteFile(Path path, boolean append) implements Redirect {
        /** Checks the path. */
        public WriteFile {
            Objects.requireNonNull(path, "path");
        }
    }

    /**
     * Input from a file.
     *
     * @param path the file
     */
    record ReadFile(Path path) implements Redirect {
        /** Checks the path. */
        public ReadFile {
            Objects.requireNonNull(path, "path");
        }
    }

    /**
     * One of the JVM's file descriptors.
     *
     * @param fd the descriptor number, 0 or more
     */
    record Fd(int fd) implements Redirect {
        /** Checks the number. */
        public Fd {
            if (fd < 0) {
                throw new IllegalArgumentException("fd must be 0 or more: " + fd);
            }
        }
    }

    /**
     * Input pumped from a stream.
     *
     * @param in the stream
     */
    record FromStream(InputStream in) implements Redirect {
        /** Checks the stream. */
        public FromStream {
            Objects.requireNonNull(in, "in");
        }
    }

    /**
     * Output pumped to a stream.
     *
     * @param out the stream
     */
    record ToStream(OutputStream out) implements Redirect {
        /** Checks the stream. */
        public ToStream {
            Objects.requireNonNull(out, "out");
        }
    }

    /**
     * Output delivered line by line.
     *
     * @param perLine the consumer of each line
     */
    record Lines(Consumer<String> perLine) implements Redirect {
        /** Checks the consumer. */
        public Lines {
            Objects.requireNonNull(perLine, "perLine");
        }
    }
}
