package dev.subprocess4j.internal;

import dev.subprocess4j.Redirect;
import dev.subprocess4j.SpawnException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What both backends check in the parent: the program lookup in the child's PATH, and, to name
 * the step of a failed spawn, the working directory and the redirect files.
 */
public final class SpawnChecks {
    private SpawnChecks() {}

    /** The PATH of a child whose environment has none, as Python's {@code os.defpath}. */
    public static final String DEFAULT_PATH = "/bin:/usr/bin";
    private static final Pattern ERROR_NUMBER = Pattern.compile("error[=:] ?(\\d+)");

    /** The PATH the child gets. */
    public static String childPath(SpawnRequest r) {
        byte[] raw = r.env().raw().get(PATH_BYTES);
        if (raw != null) {
            return ByteString.display(raw); // not UTF-8: shown decoded with replacement, never searched
        }
        return r.env().variables().getOrDefault("PATH", DEFAULT_PATH);
    }

    private static final ByteString PATH_BYTES = new ByteString("PATH".getBytes(java.nio.charset.StandardCharsets.US_ASCII));

    /** What {@link ProgramProbe#first} returns when a candidate is a regular file that may not be executed, none may. */
    public static final int DENIED = -1;
    /** What {@link ProgramProbe#first} returns when no candidate is a regular file. */
    public static final int NOT_FOUND = -2;

    /**
     * Looks at the candidates of a PATH lookup, in order: the index of the first that is a
     * regular file (symbolic links followed) this process may execute, as {@code access(2)}
     * decides it (the real user and group ids); else {@link #DENIED} when one of them is a
     * regular file it may not execute, else {@link #NOT_FOUND}. A backend may look with its own
     * code ({@code sp4j_find_program}, kept the same as {@link #FILES}).
     */
    @FunctionalInterface
    public interface ProgramProbe {
        int first(List<String> candidates);
    }

    /** {@link ProgramProbe} through {@code java.nio.file.Files}. */
    public static final ProgramProbe FILES = candidates -> {
        boolean denied = false;
        for (int i = 0; i < candidates.size(); i++) {
            Path p;
            try {
                p = Path.of(candidates.get(i));
            } catch (InvalidPathException e) {
                continue; // (a NUL) names no file
            }
            if (Files.isRegularFile(p)) {
                if (Files.isExecutable(p)) {
                    return i;
                }
                denied = true;
            }
        }
        return denied ? DENIED : NOT_FOUND;
    };

    /** {@link #resolveProgram(SpawnRequest, ProgramProbe)} looking through {@link #FILES}. */
    public static String resolveProgram(SpawnRequest r) {
        return resolveProgram(r, FILES);
    }

    /**
     * The program to execute: a name with {@code /} as is; a bare name looked up in the child's
     * PATH (relative entries against the child's directory), as {@code execvpe} does: the first
     * executable regular file wins, EACCES when only non-executable ones were found.
     *
     * @param probe how the candidates are looked at
     * @throws SpawnException EXEC with ENOENT or EACCES when nothing can be executed
     */
    public static String resolveProgram(SpawnRequest r, ProgramProbe probe) {
        String program = r.program();
        if (program.contains("/")) {
            return program;
        }
        // The lookup works on text: a name or a PATH whose bytes are not UTF-8 would be searched
        // decoded with U+FFFD and could find another file. Refused, naming what to do instead.
        if (r.exec().executable().isEmpty() && r.exec().rawArgv().isPresent()
                && ByteString.decode(r.argBytes(0), StandardCharsets.UTF_8) == null) {
            throw new IllegalArgumentException("a program name of bytes that are not UTF-8 is not looked up in PATH"
                    + " (the lookup works on text); give a path with '/' or Command.executable: " + program);
        }
        if (r.env().raw().containsKey(PATH_BYTES)) {
            throw new IllegalArgumentException("PATH given as bytes that are not UTF-8 cannot be searched for '"
                    + program + "'; give a path with '/' or Command.executable");
        }
        List<String> candidates = candidates(r, program);
        int found = probe.first(candidates);
        if (found >= 0) {
            return candidates.get(found);
        }
        throw new SpawnException(SpawnException.Step.EXEC, found == DENIED ? Errno.EACCES : Errno.ENOENT, program,
                program);
    }

    /** The last lookup's candidates: what they depend on, and them (the same list object again). */
    private record Candidates(String path, String program, Path cwd, List<String> names) {}

    private static volatile Candidates lastCandidates;

    /**
     * The files a lookup of {@code program} looks at, in order: one per PATH entry. Names only,
     * which depend on PATH, the name and the child's directory alone, so the last lookup's are
     * used again when those are the same (a program started again and again); whatever is at
     * those names is looked at anew every time.
     */
    static List<String> candidates(SpawnRequest r, String program) {
        String path = childPath(r);
        Path cwd = r.exec().cwd().orElse(null);
        Candidates last = lastCandidates;
        if (last != null && last.path().equals(path) && last.program().equals(program)
                && Objects.equals(last.cwd(), cwd)) {
            return last.names();
        }
        String[] dirs = path.split(":", -1);
        List<String> names = new ArrayList<>(dirs.length);
        for (String dir : dirs) {
            names.add(candidate(r, dir, program));
        }
        names = List.copyOf(names);
        lastCandidates = new Candidates(path, program, cwd, names);
        return names;
    }

    /**
     * {@code program} in the PATH entry {@code dir}, as {@link Path#resolve} names it (relative
     * entries, the empty one as ".", against the child's directory); an absolute entry without
     * "//" or a trailing "/" (PATH's usual ones) by joining the strings, which names the same.
     */
    static String candidate(SpawnRequest r, String dir, String program) {
        if (dir.startsWith("/") && !dir.endsWith("/") && !dir.contains("//")) {
            return dir + "/" + program;
        }
        if (dir.equals("/")) {
            return "/" + program;
        }
        Path base = r.exec().cwd().orElseGet(() -> Path.of("").toAbsolutePath());
        return base.resolve(dir.isEmpty() ? "." : dir).resolve(program).toString();
    }

    /** Why the child could not change to {@code cwd}: an errno, or 0 when it could. */
    public static int cwdProblem(Path cwd) {
        try {
            BasicFileAttributes a = Files.readAttributes(cwd, BasicFileAttributes.class);
            if (!a.isDirectory()) {
                return Errno.ENOTDIR;
            }
            return Files.isExecutable(cwd) ? 0 : Errno.EACCES;
        } catch (IOException e) {
            return errnoOf(e);
        }
    }

    /** The CHDIR failure for the request's directory, or null when there is none. */
    public static SpawnException cwdFailure(SpawnRequest r) {
        if (r.exec().cwd().isEmpty()) {
            return null;
        }
        int errno = cwdProblem(r.exec().cwd().orElseThrow());
        return errno == 0 ? null : new SpawnException(SpawnException.Step.CHDIR, errno, r.program(), r.exec().cwd().orElseThrow().toString());
    }

    /** The OPEN_REDIRECT failure of the first redirect file that cannot be opened, or null. */
    public static SpawnException redirectFailure(SpawnRequest r) {
        if (r.stdio().stdin() instanceof Redirect.ReadFile(Path p)) {
            SpawnException e = openFailure(r, p, StandardOpenOption.READ);
            if (e != null) {
                return e;
            }
        }
        for (Redirect out : List.of(r.stdio().stdout(), r.stdio().stderr())) {
            if (out instanceof Redirect.WriteFile(Path p, boolean append)) {
                SpawnException e = openFailure(r, p, StandardOpenOption.WRITE, StandardOpenOption.CREATE,
                        append ? StandardOpenOption.APPEND : StandardOpenOption.WRITE);
                if (e != null) {
                    return e;
                }
            }
        }
        return null;
    }

    private static SpawnException openFailure(SpawnRequest r, Path p, OpenOption... options) {
        int errno;
        if (Files.isDirectory(p)) {
            errno = Errno.EISDIR;
        } else {
            try (FileChannel ignored = FileChannel.open(p, options)) {
                return null;
            } catch (IOException e) {
                errno = errnoOf(e);
            }
        }
        return new SpawnException(SpawnException.Step.OPEN_REDIRECT, errno, r.program(), p.toString());
    }

    /** The errno behind an I/O exception of the JDK, from its type, an {@code error=N} or its text. */
    public static int errnoOf(IOException e) {
        if (e instanceof NoSuchFileException) {
            return Errno.ENOENT;
        }
        if (e instanceof AccessDeniedException) {
            return Errno.EACCES;
        }
        String text = e instanceof FileSystemException f && f.getReason() != null ? f.getReason() : String.valueOf(e.getMessage());
        Matcher m = ERROR_NUMBER.matcher(text);
        if (m.find()) {
            return Integer.parseInt(m.group(1));
        }
        String lower = text.toLowerCase(Locale.ROOT);
        for (int n = 1; n < 134; n++) {
            String message = Errno.message(n);
            if (!message.startsWith("Unknown") && lower.contains(message.toLowerCase(Locale.ROOT))) {
                return n;
            }
        }
        return Errno.EIO;
    }
}
