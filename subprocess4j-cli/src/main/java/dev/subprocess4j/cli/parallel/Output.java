package dev.subprocess4j.cli.parallel;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.subprocess4j.cli.Bytes;
import dev.subprocess4j.cli.Json;
import dev.subprocess4j.cli.Main;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The jobs' output: each job's stdout and stderr whole when it ends (in the order they end, or of
 * the input with --keep-order), line by line with --line-buffer, or a JSON line per job; with
 * --tag/--tagstring a prefix on each line; with --results also in files.
 */
final class Output {
    final PrintStream out;
    final PrintStream err;
    private final ParallelOptions o;
    /**
     * With --keep-order, every job in the input's order, each let go (null) once printed; else
     * null: a job printed is let go at once.
     */
    private final Job[] inOrder;
    /** The template with a template, else null (lines mode). */
    private final Template template;
    private final boolean tagged;
    private ProgressDisplay progress;
    private int nextToPrint;

    Output(ParallelOptions o, List<Job> all, Template template, PrintStream out, PrintStream err) {
        this.o = o;
        this.inOrder = o.keepOrder ? all.toArray(Job[]::new) : null;
        this.template = template;
        this.out = out;
        this.err = err;
        this.tagged = o.tag || o.tagString != null;
    }

    void progress(ProgressDisplay progress) {
        this.progress = progress;
    }

    /** Before a job starts: its command line, now that its slot is known. */
    void prepare(Job job) {
        if (template != null) {
            job.text = template.text(job.args, job.seq, job.slot);
            job.argv = template.argv(job.text);
        }
    }

    /** --dry-run: the command line of each job, on stdout. */
    void dryRun(List<Job> jobs) {
        for (Job j : jobs) {
            j.slot = 1;
            prepare(j);
            byte[] line = Bytes.bytes(j.text + "\n");
            out.write(line, 0, line.length);
        }
        out.flush();
    }

    /** A job is done for good (no retry left). */
    void finished(Job job) {
        if (o.results != null) {
            saveResults(job);
        }
        if (!o.keepOrder) {
            print(job);
            job.releaseOutput();
        } else {
            flushInOrder(false);
        }
    }

    /**
     * A line of a running job's output, with --line-buffer: printed at once, except with
     * --keep-order for a job after the first one not yet printed (as GNU parallel): kept until
     * every job before it is done.
     */
    void line(Runner.Line l) {
        if (o.json || o.results != null) {
            return;
        }
        if (o.keepOrder && (nextToPrint >= inOrder.length || inOrder[nextToPrint] != l.job())) {
            if (l.job().heldLines == null) {
                l.job().heldLines = new ArrayList<>();
            }
            l.job().heldLines.add(l);
            return;
        }
        writeLine(l);
    }

    private void writeLine(Runner.Line l) {
        progress.clear();
        PrintStream stream = l.stderr() ? err : out;
        byte[] bytes = Bytes.bytes(l.text() + "\n");
        writeTagged(stream, l.job(), bytes);
        stream.flush();
    }

    /**
     * With --keep-order: prints the finished jobs that every earlier job is done before; at the
     * end, every finished job left (those after a job that a halt kept from running).
     */
    void flushInOrder(boolean atEnd) {
        if (!o.keepOrder) {
            return;
        }
        while (nextToPrint < inOrder.length) {
            Job job = inOrder[nextToPrint];
            releaseHeldLines(job); // the first job not printed: its lines need wait no more
            if (!atEnd && !job.finished) {
                return;
            }
            inOrder[nextToPrint++] = null;
            if (job.finished) {
                print(job);
            }
            job.releaseOutput();
        }
    }

    private void releaseHeldLines(Job job) {
        if (job.heldLines == null) {
            return;
        }
        for (Runner.Line l : job.heldLines) {
            writeLine(l);
        }
        job.heldLines = null;
    }

    void flushAll() {
        out.flush();
        err.flush();
    }

    /** Prints one job's output (or its JSON line), with the bar cleared around it. */
    private void print(Job job) {
        // With --results the output goes to files only, as GNU parallel does.
        boolean whole = !o.lineBuffer && o.results == null;
        boolean hasOutput = o.json || (whole && (job.stdout.length > 0 || job.stderr.length > 0)) || job.error != null;
        if (!hasOutput) {
            return;
        }
        progress.clear();
        if (o.json) {
            byte[] line = json(job);
            out.write(line, 0, line.length);
            out.flush();
            return;
        }
        if (whole) {
            writeTagged(out, job, job.stdout);
            out.flush();
            writeTagged(err, job, job.stderr);
        }
        if (job.error != null) {
            err.println("sp: " + job.name() + ": " + Main.oneLine(job.error));
        }
        err.flush();
    }

    /** The text --tag or --tagstring puts before each line: a byte string ({@link Bytes}). */
    String tag(Job job) {
        if (o.tagString != null) {
            return Template.fill(o.tagString, job.args, job.seq, job.slot, false);
        }
        if (!o.tag) {
            return null;
        }
        // As GNU parallel: with a template the arguments, joined by spaces; else the command line.
        return job.line == null ? String.join(" ", job.args) : job.text;
    }

    private void writeTagged(PrintStream stream, Job job, byte[] bytes) {
        if (!tagged) {
            stream.write(bytes, 0, bytes.length);
            return;
        }
        byte[] prefix = Bytes.bytes(tag(job) + "\t");
        int lineStart = 0;
        for (int i = 0; i <= bytes.length; i++) {
            if (i == bytes.length || bytes[i] == '\n') {
                if (i == bytes.length && i == lineStart) {
                    break;
                }
                stream.write(prefix, 0, prefix.length);
                stream.write(bytes, lineStart, i - lineStart);
                stream.write('\n');
                lineStart = i + 1;
            }
        }
    }

    /**
     * --results DIR: DIR/1/ARG1/2/ARG2.../{seq,stdout,stderr}, '/' in an argument written as
     * {@code \_} (as GNU parallel); an empty argument, '.' and '..' (which GNU parallel lets
     * climb out of their place) become '_', '._' and '.._'.
     */
    private void saveResults(Job job) {
        Path d = o.results;
        try {
            for (int i = 0; i < job.args.size(); i++) {
                String a = job.args.get(i).replace("/", "\\_");
                if (a.isEmpty() || a.equals(".") || a.equals("..")) {
                    a = a + "_";
                }
                // A file name as the JVM makes it of bytes: in the locale's charset (see Bytes.path).
                d = d.resolve(Integer.toString(i + 1)).resolve(Bytes.path(a));
            }
        } catch (java.nio.file.InvalidPathException e) {
            throw new UncheckedIOException("--results: cannot name a directory in " + d + " after an argument",
                    new IOException(e.getMessage(), e));
        }
        try {
            Files.createDirectories(d);
            Files.writeString(d.resolve("seq"), Integer.toString(job.seq));
            Files.write(d.resolve("stdout"), job.stdout);
            Files.write(d.resolve("stderr"), job.stderr);
        } catch (IOException e) {
            throw new UncheckedIOException("--results: cannot write in " + d, e);
        }
    }

    /** The --json line of a job: see the option's description for the fields. */
    private byte[] json(Job job) {
        return Json.line(g -> {
            g.writeStartObject();
            g.writeNumberProperty("line", job.lineNo);
            g.writeStringProperty("command", Bytes.text(job.text));
            Json.strings(g, "args", Bytes.text(job.argv));
            Json.integer(g, "returncode", job.returnCode);
            Json.string(g, "signal", job.signal == null ? null : job.signal.name());
            Json.seconds(g, "elapsed", job.elapsed, 6);
            g.writeNumberProperty("attempts", job.attempts);
            g.writeBooleanProperty("timed_out", job.timedOut);
            g.writeStringProperty("stdout", new String(job.stdout, UTF_8));
            g.writeStringProperty("stderr", new String(job.stderr, UTF_8));
            Json.seconds(g, "cpu", job.cpu, 3);
            Json.string(g, "error", job.error);
            // What --tag prefixes to each output line as text; null without --tag.
            String tag = tag(job);
            Json.string(g, "tag", tag == null ? null : Bytes.text(tag));
            // Where the last attempt ran (local, ssh user@host:port, slurm ...); null when it did not start.
            Json.string(g, "host", job.host);
            g.writeEndObject();
        });
    }
}
