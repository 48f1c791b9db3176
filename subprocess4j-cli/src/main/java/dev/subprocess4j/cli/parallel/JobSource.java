package dev.subprocess4j.cli.parallel;

import dev.subprocess4j.Shlex;
import dev.subprocess4j.cli.Bytes;
import dev.subprocess4j.cli.Main;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Where the jobs come from: the ARGS (COMMAND, then input sources after {@code :::}, {@code ::::},
 * {@code :::+}, {@code ::::+}), {@code -a/--arg-file}, stdin, {@code -0}, {@code --colsep},
 * {@code -n} and {@code -X}.
 *
 * <p>Everything here is bytes, as sp was given them, whatever the locale: the ARGS and
 * {@code --colsep} come as byte strings ({@link Bytes}), files and stdin are read as bytes, and
 * records, columns and command lines are byte strings too.
 */
final class JobSource {
    /** Bad usage or unreadable input: the message to print after "sp: ". */
    static final class Failure extends Exception {
        Failure(String message) {
            super(message, null, false, false);
        }
    }

    /** The jobs, and the template they fill (null when each record is a command line). */
    record Jobs(List<Job> jobs, Template template) {}

    /** One input source: its records; linked to the one before ({@code :::+}) or not. */
    private record Source(List<String> records, boolean linked) {}

    private final ParallelOptions o;
    private final InputStream stdin;

    JobSource(ParallelOptions o, InputStream stdin) {
        this.o = o;
        this.stdin = stdin;
    }

    Jobs read(int slots) throws Failure {
        List<String> command = new ArrayList<>();
        List<Source> sources = new ArrayList<>();
        // -a FILE: an input source each, before those of ':::' and '::::' (as GNU parallel)
        for (Path f : o.argFiles) {
            sources.add(new Source(lines(f.toString().equals("-") ? null : f, f.toString()), false));
        }
        String marker = null;
        List<String> values = null;
        for (String a : o.args) {
            if (a.equals(":::") || a.equals("::::") || a.equals(":::+") || a.equals("::::+")) {
                if (marker != null) {
                    sources.add(source(marker, values));
                } else if (a.endsWith("+")) {
                    throw new Failure(a + " needs an input source before it");
                }
                marker = a;
                values = new ArrayList<>();
            } else if (marker == null) {
                command.add(a);
            } else {
                values.add(a);
            }
        }
        if (marker != null) {
            sources.add(source(marker, values));
        }
        if (sources.isEmpty()) {
            if (command.isEmpty() || (command.size() == 1 && isJobFile(command.getFirst()))) {
                String file = command.isEmpty() ? "-" : command.getFirst();
                command.clear();
                sources.add(new Source(lines(file), false));
            } else {
                sources.add(new Source(lines("-"), false));
            }
        }
        Pattern colsep = null;
        if (o.colsep != null) {
            try {
                colsep = Pattern.compile(o.colsep);
            } catch (PatternSyntaxException e) {
                throw new Failure("--colsep is not a regex: '" + Main.oneLine(Bytes.text(o.colsep)) + "'");
            }
        }
        List<List<String>> records = combine(sources, colsep);
        if (command.isEmpty()) {
            return new Jobs(commandLines(records), null);
        }
        Template t = new Template(command, o.shell, o.contextReplace);
        try {
            t.check();
        } catch (IllegalArgumentException e) {
            throw new Failure("COMMAND: " + e.getMessage() + ": " + Main.oneLine(Bytes.text(String.join(" ", command))));
        }
        int per = o.maxArgs != null ? o.maxArgs
                : o.contextReplace ? Math.max(1, (records.size() + slots - 1) / slots) : 1;
        List<Job> jobs = new ArrayList<>();
        for (int i = 0; i < records.size(); i += per) {
            List<String> args = new ArrayList<>();
            records.subList(i, Math.min(records.size(), i + per)).forEach(args::addAll);
            jobs.add(new Job(jobs.size(), jobs.size() + 1, null, List.copyOf(args)));
        }
        return new Jobs(jobs, t);
    }

    /** Lines mode: each record is a command line, split into words (or run by sh with --shell). */
    private List<Job> commandLines(List<List<String>> records) throws Failure {
        List<Job> jobs = new ArrayList<>();
        for (int i = 0; i < records.size(); i++) {
            String line = String.join(" ", records.get(i));
            if (line.isBlank() || line.stripLeading().startsWith("#")) {
                continue;
            }
            List<String> argv;
            if (o.shell) {
                argv = List.of("/bin/sh", "-c", line);
            } else {
                try {
                    argv = Shlex.split(line);
                } catch (IllegalArgumentException e) {
                    throw new Failure("line " + (i + 1) + ": " + e.getMessage() + ": " + Main.oneLine(Bytes.text(line)));
                }
                if (argv.isEmpty() || argv.getFirst().isEmpty()) {
                    throw new Failure("line " + (i + 1) + ": no program name: " + Main.oneLine(Bytes.text(line)));
                }
            }
            Job job = new Job(jobs.size(), i + 1, line, List.of());
            job.text = line;
            job.argv = argv;
            jobs.add(job);
        }
        return jobs;
    }

    /**
     * Every combination of the sources (the last varying fastest, as GNU parallel), linked sources
     * taken side by side (the shorter one wrapping round); each value split at --colsep.
     */
    private static List<List<String>> combine(List<Source> sources, Pattern colsep) {
        List<List<List<String>>> groups = new ArrayList<>();
        for (Source s : sources) {
            List<List<String>> records = new ArrayList<>();
            for (String r : s.records()) {
                records.add(colsep == null ? List.of(r) : List.of(colsep.split(r, -1)));
            }
            if (s.linked() && !groups.isEmpty()) {
                List<List<String>> prev = groups.removeLast();
                int n = Math.max(prev.size(), records.size());
                List<List<String>> zipped = new ArrayList<>();
                for (int i = 0; i < n && !prev.isEmpty() && !records.isEmpty(); i++) {
                    List<String> both = new ArrayList<>(prev.get(i % prev.size()));
                    both.addAll(records.get(i % records.size()));
                    zipped.add(both);
                }
                groups.add(zipped);
            } else {
                groups.add(records);
            }
        }
        List<List<String>> out = List.of(List.of());
        for (List<List<String>> g : groups) {
            List<List<String>> next = new ArrayList<>();
            for (List<String> prefix : out) {
                for (List<String> r : g) {
                    List<String> both = new ArrayList<>(prefix);
                    both.addAll(r);
                    next.add(both);
                }
            }
            out = next;
        }
        return out;
    }

    private Source source(String marker, List<String> values) throws Failure {
        boolean linked = marker.endsWith("+");
        if (marker.startsWith("::::")) {
            List<String> records = new ArrayList<>();
            for (String f : values) {
                records.addAll(lines(f));
            }
            return new Source(records, linked);
        }
        return new Source(values, linked);
    }

    /**
     * The form {@code sp parallel FILE}: '-', a file that is not a program, or a path (with a '/')
     * to nothing, which then fails as an unreadable FILE.
     */
    private static boolean isJobFile(String arg) {
        if (arg.equals("-")) {
            return true;
        }
        try {
            Path p = Bytes.path(arg);
            if (!Files.exists(p)) {
                return arg.contains("/");
            }
            return !Files.isDirectory(p) && !Files.isExecutable(p);
        } catch (java.nio.file.InvalidPathException e) {
            return false;
        }
    }

    /** The records of FILE, a byte string ('-': stdin): NUL-terminated with -0, else lines. */
    private List<String> lines(String file) throws Failure {
        Path path;
        try {
            path = file.equals("-") ? null : Bytes.path(file);
        } catch (java.nio.file.InvalidPathException e) {
            throw new Failure("cannot read FILE '" + Main.oneLine(Bytes.text(file)) + "': " + Main.oneLine(e.getMessage()));
        }
        return lines(path, Bytes.text(file));
    }

    /** The records of {@code path} (null: stdin), named {@code name} in messages: byte strings. */
    private List<String> lines(Path path, String name) throws Failure {
        byte[] bytes;
        try {
            if (path == null) {
                bytes = stdin.readAllBytes();
            } else {
                bytes = Files.readAllBytes(path);
            }
        } catch (IOException e) {
            String why = switch (e) {
                case NoSuchFileException x -> "no such file";
                case AccessDeniedException x -> "permission denied";
                default -> String.valueOf(e.getMessage());
            };
            throw new Failure("cannot read FILE '" + Main.oneLine(name) + "': " + Main.oneLine(why));
        }
        String text = Bytes.of(bytes);
        List<String> records = new ArrayList<>(List.of(text.split(o.nul ? "\0" : "\r\n|\r|\n", -1)));
        if (!records.isEmpty() && records.getLast().isEmpty()) {
            records.removeLast();
        }
        return records;
    }
}
