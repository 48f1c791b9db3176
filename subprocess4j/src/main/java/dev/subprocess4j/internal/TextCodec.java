package dev.subprocess4j.internal;

import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * How a command turns its child's bytes into text and its text input into bytes: a charset, what
 * to do with malformed input, and Python's universal newlines.
 *
 * @param charset the encoding
 * @param errors {@link CodingErrorAction#REPLACE} or {@link CodingErrorAction#REPORT}
 * @param universalNewlines when true, {@code \r\n} and {@code \r} read as {@code \n}
 */
public record TextCodec(Charset charset, CodingErrorAction errors, boolean universalNewlines) {

    /** UTF-8, replacement of malformed input, universal newlines: the defaults of a command. */
    public static final TextCodec DEFAULT = new TextCodec(StandardCharsets.UTF_8, CodingErrorAction.REPLACE, true);

    /** Checks the values. */
    public TextCodec {
        Objects.requireNonNull(charset, "charset");
        Objects.requireNonNull(errors, "errors");
    }

    /**
     * Decodes bytes.
     *
     * @throws UncheckedIOException with a {@link CharacterCodingException} cause when the errors
     *     action is REPORT and the input is malformed
     */
    public String decode(byte[] bytes) {
        CharsetDecoder decoder = newDecoder();
        String text;
        try {
            text = decoder.decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new UncheckedIOException("cannot decode the child's output as " + charset, e);
        }
        return universalNewlines ? translateNewlines(text) : text;
    }

    /** Encodes text for the child's stdin (unmappable characters follow the errors action too). */
    public byte[] encode(String text) {
        CharsetEncoder encoder = charset.newEncoder().onMalformedInput(errors).onUnmappableCharacter(errors);
        try {
            ByteBuffer buffer = encoder.encode(CharBuffer.wrap(text));
            byte[] bytes = new byte[buffer.remaining()];
            buffer.get(bytes);
            return bytes;
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("input cannot be encoded as " + charset + ": " + e, e);
        }
    }

    /** A decoder configured with this codec's errors action. */
    public CharsetDecoder newDecoder() {
        return charset.newDecoder().onMalformedInput(errors).onUnmappableCharacter(errors);
    }

    static String translateNewlines(String text) {
        if (text.indexOf('\r') < 0) {
            return text;
        }
        return text.replace("\r\n", "\n").replace('\r', '\n');
    }

    /**
     * Splits a stream of bytes into lines as they arrive, decoding incrementally. A line ends at
     * {@code \n}, and also at {@code \r\n} or a lone {@code \r} with universal newlines; lines are
     * delivered without their terminator, and {@link #finish()} delivers a last unterminated one.
     * Not thread-safe: one feeder.
     */
    public final class LineSplitter {
        private final CharsetDecoder decoder = newDecoder();
        private final Consumer<String> sink;
        private final StringBuilder line = new StringBuilder();
        private ByteBuffer pending = ByteBuffer.allocate(0);
        private final CharBuffer chars = CharBuffer.allocate(8192);
        private boolean afterCr;

        /** Creates a splitter that hands each line to {@code sink}. */
        public LineSplitter(Consumer<String> sink) {
            this.sink = Objects.requireNonNull(sink, "sink");
        }

        /**
         * Feeds the next bytes.
         *
         * @throws UncheckedIOException when the errors action is REPORT and the bytes are malformed
         */
        public void feed(byte[] bytes, int offset, int length) {
            ByteBuffer in;
            if (pending.hasRemaining()) {
                in = ByteBuffer.allocate(pending.remaining() + length);
                in.put(pending).put(bytes, offset, length).flip();
            } else {
                in = ByteBuffer.wrap(bytes, offset, length);
            }
            decode(in, false);
            pending = in.hasRemaining() ? copy(in) : ByteBuffer.allocate(0);
        }

        /** Ends the stream: flushes the decoder and delivers the last line if it is not empty. */
        public void finish() {
            ByteBuffer in = pending;
            pending = ByteBuffer.allocate(0);
            decode(in, true);
            CoderResult r;
            do {
                r = decoder.flush(chars);
                drain();
            } while (r.isOverflow());
            if (!line.isEmpty()) {
                sink.accept(line.toString());
                line.setLength(0);
            }
        }

        private static ByteBuffer copy(ByteBuffer in) {
            ByteBuffer c = ByteBuffer.allocate(in.remaining());
            c.put(in).flip();
            return c;
        }

        private void decode(ByteBuffer in, boolean endOfInput) {
            while (true) {
                CoderResult r = decoder.decode(in, chars, endOfInput);
                if (r.isError()) {
                    try {
                        r.throwException();
                    } catch (CharacterCodingException e) {
                        throw new UncheckedIOException("cannot decode the child's output as " + charset, e);
                    }
                }
                drain();
                if (!r.isOverflow()) {
                    return;
                }
            }
        }

        private void drain() {
            chars.flip();
            while (chars.hasRemaining()) {
                char c = chars.get();
                if (afterCr) {
                    afterCr = false;
                    if (c == '\n') {
                        continue; // the \n of a \r\n already ended the line
                    }
                }
                if (c == '\n') {
                    emit();
                } else if (c == '\r' && universalNewlines) {
                    emit();
                    afterCr = true;
                } else {
                    line.append(c);
                }
            }
            chars.clear();
        }

        private void emit() {
            sink.accept(line.toString());
            line.setLength(0);
        }
    }
}
