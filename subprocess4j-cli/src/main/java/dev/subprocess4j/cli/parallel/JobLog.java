package dev.subprocess4j.cli.parallel;

import static java.nio.charset.StandardCharsets.ISO_8859_1;

import dev.subprocess4j.cli.Bytes;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * --joblog FILE in GNU parallel's format: a header, then per finished job Seq, Host, Starttime
 * (seconds since the epoch, 3 decimals), JobRuntime (seconds, 3 decimals, 10 wide), Send (0: sp
 * sends no input), Receive (bytes of stdout), Exitval, Signal, Command; TAB-separated. A job
 * that did not start has Exitval 255; one killed for --timeout, Exitval 255 and Signal 9. The
 * Command is written as the bytes it runs with (one char per byte, see {@link Bytes}), as GNU
 * parallel writes it.
 */
final class JobLog implements AutoCloseable {
    static final String HEADER = "Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand";

    private final BufferedWriter w;

    private JobLog(BufferedWriter w) {
        this.w = w;
    }

    static JobLog none() {
        return new JobLog(null);
    }

    /** Opens FILE: appended to when resuming (with the header when new), else replaced. */
    static JobLog open(Path file, boolean append) throws IOException {
        boolean header = !append || !Files.exists(file) || Files.size(file) == 0;
        BufferedWriter w = append
                ? Files.newBufferedWriter(file, ISO_8859_1, StandardOpenOption.CREATE, StandardOpenOption.APPEND)
                : Files.newBufferedWriter(file, ISO_8859_1);
        if (header) {
            w.write(HEADER);
            w.write('\n');
            w.flush();
        }
        return new JobLog(w);
    }

    /**
     * The jobs a joblog lists: sequence number to whether its last entry succeeded (Exitval and
     * Signal 0). A missing file lists none.
     */
    static Map<Integer, Boolean> read(Path file) throws IOException {
        Map<Integer, Boolean> seen = new HashMap<>();
        try {
            for (String line : Files.readAllLines(file, ISO_8859_1)) {
                String[] f = line.split("\t", 9);
                if (f.length < 9 || !f[0].matches("\\d{1,9}")) {
                    continue; // the header, or a torn line
                }
                seen.put(Integer.parseInt(f[0]), f[6].equals("0") && f[7].equals("0"));
            }
        } catch (NoSuchFileException e) {
            // nothing ran yet
        }
        return seen;
    }

    void write(Job job) {
        if (w == null) {
            return;
        }
        int exit = job.returnCode == null ? 255 : job.signal != null ? 0 : job.returnCode;
        int signal = job.signal != null ? job.signal.number() : job.timedOut ? 9 : 0;
        String host = job.host == null || job.host.equals("local") ? ":" : Bytes.ofText(job.host);
        try {
            w.write(String.format(Locale.ROOT, "%d\t%s\t%.3f\t%10.3f\t0\t%d\t%d\t%d\t%s%n", job.seq, host,
                    job.startEpochMillis / 1000.0, job.elapsed.toNanos() / 1e9, job.stdout.length, exit, signal,
                    job.text.replace("\n", "\\n")));
            w.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("--joblog: cannot write", e);
        }
    }

    @Override
    public void close() throws IOException {
        if (w != null) {
            w.close();
        }
    }
}
