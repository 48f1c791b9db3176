package dev.subprocess4j.internal.linux;

import dev.subprocess4j.internal.linux.ffi.ErrnoException;
import dev.subprocess4j.internal.linux.ffi.Libc;
import dev.subprocess4j.internal.linux.ffi.NativeFiles;
import dev.subprocess4j.internal.linux.ffi.Unistd;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.zip.CRC32;

/**
 * The child-setup C code, {@code libsubprocess4j.so} and {@code subprocess4j-helper}, shipped in
 * the jar under {@code dev/subprocess4j/native/<platform>/}, placed at first use where no other
 * user can swap, change or even name it, and used only through the open fd: the library is
 * {@code dlopen}ed as {@code /proc/self/fd/N}, the helper executed with
 * {@code execveat(fd, "", ..., AT_EMPTY_PATH)} (spawn.c). No file is ever looked up by a path
 * between its check and its use, and no file or directory the JVM did not make is modified,
 * followed or removed.
 *
 * <p>Where (the system property {@value #PROPERTY}, read once: unset tries both in this order;
 * {@code memfd} or {@code directory} allows only that one, a knob for tests and operations):
 * <ul>
 *   <li>{@code memfd}: a {@code memfd_create} file (close-on-exec, sealable), written, then sealed
 *       ({@code F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL}): no file on disk at all,
 *       and its content can no longer change, for anyone. The seals and the content are checked
 *       through the fd after sealing.</li>
 *   <li>{@code directory}, where memfd is unavailable (a seccomp filter, {@code vm.memfd_noexec=2}):
 *       a directory made anew for each file with a random name and mode 0700 in
 *       {@code $XDG_RUNTIME_DIR} when that is the JVM's effective user's with mode 0700, else in
 *       {@code java.io.tmpdir}, when that directory and every ancestor is owned by that user or
 *       root and writable by no one else unless sticky (as {@code /tmp}); the file is created there
 *       with {@code O_CREAT | O_EXCL | O_NOFOLLOW}, written, opened again read-only, checked through
 *       that fd (a regular file of that user, the jar's bytes), and then its name and the directory
 *       are removed: the open fd is all that is left.</li>
 * </ul>
 * When neither works, the spawns that need child setup fail with an {@link IllegalStateException}
 * saying why each was refused; the shared-table clone is then not taken either, and the
 * {@code posix_spawn} fallback, which does not need this code, starts the others.
 *
 * <p>Both fds are close-on-exec and kept for the JVM's life: the library's from its load (it is
 * mapped then, at the backend's start), the helper's (~700 KB, statically linked) from the first
 * spawn that changes credentials. The spawner keeps the helper's fd open in the child up to the
 * exec of the helper, whose exec closes it; no program ever inherits either.
 *
 * <p>The {@code index} the build writes beside the files (each one's size and CRC-32) checks the
 * helper's bytes when they are read out of the jar, long after the start: a jar replaced while the
 * JVM ran is refused rather than mixed with the library already loaded.
 */
final class ChildSetupFiles implements AutoCloseable {
    static final String LIBRARY = "libsubprocess4j.so";
    static final String HELPER = "subprocess4j-helper";
    /** Each file's size and CRC-32, written by the build (src/main/c/build.sh). */
    static final String INDEX = "index";
    /** Where the code is placed: unset (memfd, else a directory), {@code memfd} or {@code directory}. */
    static final String PROPERTY = "subprocess4j.nativeFiles";

    /** One file of child-setup code, open close-on-exec: what {@link #description} names is for messages. */
    record Open(int fd, String description) {
        /** The name through which {@code dlopen} opens the very file of the fd. */
        String procPath() {
            return "/proc/self/fd/" + fd;
        }
    }

    private final boolean memfd;
    private final boolean directory;
    private final String where;
    /** The {@code directory} way. */
    private final ChildSetupDirectory directoryWay;
    private final Function<String, byte[]> source;
    private final byte[] library;
    private final long helperLength;
    private final long helperCrc;
    private Open libraryFile;
    private Open helperFile;
    private final List<Open> opened = new ArrayList<>();

    /**
     * @param where the value of {@value #PROPERTY}: null or empty (memfd, else a directory),
     *     {@code memfd} or {@code directory}
     * @param bases the directories for the {@code directory} way, in order of preference, each
     *     with whether it must be the owner's with mode 0700 ({@code $XDG_RUNTIME_DIR})
     * @param owner the JVM's effective uid
     * @param source the bytes of {@code libsubprocess4j.so}, {@code subprocess4j-helper} and
     *     {@code index} (a line {@code "name size crc32"} for each of the two) by name
     * @throws IllegalStateException when the library's bytes do not match the index, or
     *     {@code where} is none of those values
     */
    ChildSetupFiles(String where, List<Map.Entry<Path, Boolean>> bases, long owner, Function<String, byte[]> source) {
        if (where == null || where.isEmpty()) {
            this.memfd = true;
            this.directory = true;
        } else if (where.equals("memfd") || where.equals("directory")) {
            this.memfd = where.equals("memfd");
            this.directory = !memfd;
        } else {
            throw new IllegalStateException("-D" + PROPERTY + "=" + where + " is neither memfd nor directory");
        }
        this.where = where;
        this.directoryWay = new ChildSetupDirectory(bases, owner);
        this.source = source;
        Map<String, long[]> index = parseIndex(source.apply(INDEX));
        byte[] library = source.apply(LIBRARY);
        long[] libraryEntry = index.get(LIBRARY);
        long[] helperEntry = index.get(HELPER);
        if (libraryEntry == null || helperEntry == null) {
            throw new IllegalStateException("the child-setup index in the jar lacks an entry: " + index.keySet());
        }
        if (library.length != libraryEntry[0] || crc32(library) != libraryEntry[1]) {
            throw new IllegalStateException("the copy of " + LIBRARY + " in the jar does not match its index");
        }
        this.library = library;
        this.helperLength = helperEntry[0];
        this.helperCrc = helperEntry[1];
    }

    /** The index's entries by name: {size, crc32}. */
    private static Map<String, long[]> parseIndex(byte[] text) {
        Map<String, long[]> entries = new java.util.HashMap<>();
        for (String line : new String(text, java.nio.charset.StandardCharsets.US_ASCII).split("\n")) {
            String[] f = line.trim().split(" ");
            if (f.length == 3) {
                try {
                    entries.put(f[0], new long[] {Long.parseLong(f[1]), Long.parseLong(f[2])});
                } catch (NumberFormatException e) {
                    throw new IllegalStateException("the child-setup index in the jar has a bad line: " + line, e);
                }
            } else if (!line.isBlank()) {
                throw new IllegalStateException("the child-setup index in the jar has a bad line: " + line);
            }
        }
        return entries;
    }

    /** The platform directory name in the jar for this JVM: {@code linux-x86_64} or {@code linux-aarch64}. */
    static String platform() {
        return "linux-" + (Libc.X86_64 ? "x86_64" : "aarch64");
    }

    /** Whether the jar holds the C code for this platform (the build had a compiler for it). */
    static boolean shipped() {
        return ChildSetupFiles.class.getResource(resource(INDEX)) != null
                && ChildSetupFiles.class.getResource(resource(LIBRARY)) != null
                && ChildSetupFiles.class.getResource(resource(HELPER)) != null;
    }

    private static String resource(String name) {
        return "/dev/subprocess4j/native/" + platform() + "/" + name;
    }

    /** The files of this jar for this platform, placed as {@value #PROPERTY} says. */
    static ChildSetupFiles fromJar() {
        return new ChildSetupFiles(System.getProperty(PROPERTY), defaultBases(), effectiveUid(), ChildSetupFiles::read);
    }

    /**
     * The JVM's effective uid, from {@code /proc/self/status} ("Uid: real effective saved fs"):
     * the library is loaded before the JVM's first system call through this package, which it
     * then serves ({@code Libc}); {@code geteuid} when {@code /proc} cannot be read.
     */
    static long effectiveUid() {
        try {
            long uid = effectiveUid(Files.readAllLines(Path.of("/proc/self/status"), java.nio.charset.StandardCharsets.US_ASCII));
            if (uid >= 0) {
                return uid;
            }
        } catch (IOException | RuntimeException e) {
            // no /proc (or an unexpected format): ask the kernel
        }
        return Unistd.geteuid();
    }

    /** The effective uid of a {@code /proc/<pid>/status} text, or -1 when it has no "Uid:" line. */
    static long effectiveUid(List<String> status) {
        for (String line : status) {
            if (line.startsWith("Uid:")) {
                return Long.parseLong(line.substring(4).trim().split("\\s+")[1]);
            }
        }
        return -1;
    }

    private static byte[] read(String name) {
        try (InputStream in = ChildSetupFiles.class.getResourceAsStream(resource(name))) {
            if (in == null) {
                throw new UnsupportedOperationException("this build of subprocess4j has no child-setup code for "
                        + platform() + " (" + resource(name) + " is missing from the jar)");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * {@code $XDG_RUNTIME_DIR} (only when it turns out to be the JVM's user's with mode 0700: after
     * {@code su} or {@code sudo -E} it is another user's), then {@code java.io.tmpdir}.
     */
    private static List<Map.Entry<Path, Boolean>> defaultBases() {
        List<Map.Entry<Path, Boolean>> bases = new ArrayList<>();
        String runtime = System.getenv("XDG_RUNTIME_DIR");
        if (runtime != null && !runtime.isEmpty()) {
            bases.add(Map.entry(Path.of(runtime), true));
        }
        bases.add(Map.entry(Path.of(System.getProperty("java.io.tmpdir")), false));
        return bases;
    }

    /**
     * Loads the library with {@code loader} (given the name to {@code dlopen}: {@code /proc/self/fd/N})
     * from the first way that works; the fd stays open for the JVM's life.
     *
     * @throws IllegalStateException when no way works, naming why for each
     */
    synchronized <T> T loadLibrary(Function<String, T> loader) {
        List<String> why = new ArrayList<>();
        for (boolean inMemory : ways()) {
            Open file;
            try {
                file = place(LIBRARY, library, inMemory, why);
            } catch (IllegalStateException e) {
                continue; // said why
            }
            try {
                T loaded = loader.apply(file.procPath());
                libraryFile = file;
                return loaded;
            } catch (RuntimeException | LinkageError e) {
                why.add(file.description() + " cannot be loaded: " + e.getMessage());
                forget(file);
            }
        }
        throw cannot(LIBRARY, why);
    }

    /** The library's open file, once {@link #loadLibrary} succeeded, else null. */
    synchronized Open library() {
        return libraryFile;
    }

    /**
     * The helper's open file, placed at the first call (the first spawn that changes credentials).
     *
     * @throws IllegalStateException when no way works (tried again at the next call), or the jar
     *     changed since the JVM started
     */
    synchronized Open helper() {
        if (helperFile == null) {
            byte[] bytes = source.apply(HELPER);
            if (bytes.length != helperLength || crc32(bytes) != helperCrc) {
                throw new IllegalStateException("the copy of " + HELPER + " in the jar does not match its index"
                        + " (the jar changed while the JVM ran?)");
            }
            List<String> why = new ArrayList<>();
            for (boolean inMemory : ways()) {
                try {
                    helperFile = place(HELPER, bytes, inMemory, why);
                    break;
                } catch (IllegalStateException e) {
                    // said why: the next way
                }
            }
            if (helperFile == null) {
                throw cannot(HELPER, why);
            }
            helperFile = aboveStdio(helperFile);
        }
        return helperFile;
    }

    private boolean[] ways() {
        return memfd && directory ? new boolean[] {true, false} : new boolean[] {memfd};
    }

    private IllegalStateException cannot(String name, List<String> why) {
        return new IllegalStateException("cannot place the child-setup code " + name
                + " where no other user can reach it" + (where == null || where.isEmpty() ? "" : " (-D" + PROPERTY + "=" + where + ")")
                + ": " + String.join("; ", why) + "; the options that need it (user, group, rlimit, umask, passFds,"
                + " killOnParentExit) cannot be used, plain spawns still work");
    }

    /** Places one file in memory or in a directory; on failure adds why to {@code why} and throws. */
    private Open place(String name, byte[] bytes, boolean inMemory, List<String> why) {
        Open file;
        if (inMemory) {
            try {
                file = inMemory(name, bytes);
            } catch (ErrnoException | IllegalStateException e) {
                why.add("memfd: " + e.getMessage());
                throw new IllegalStateException(e);
            }
        } else {
            file = directoryWay.inDirectory(name, bytes, why);
        }
        opened.add(file);
        return file;
    }

    /**
     * The helper's fd moved to 3 or above: in a JVM started with fd 0, 1 or 2 closed it could be
     * one of them, which the child's redirects replace before its {@code execveat} of the helper.
     * (The library is loaded, so the system call goes through it; its own fd is never used in a child.)
     */
    private Open aboveStdio(Open file) {
        if (file.fd() > 2) {
            return file;
        }
        int moved = Unistd.dupCloexecAbove(file.fd(), 3);
        opened.remove(file);
        NativeFiles.closeQuietly(file.fd());
        Open placed = new Open(moved, file.description().replace("fd " + file.fd() + ")", "fd " + moved + ")"));
        opened.add(placed);
        return placed;
    }

    private void forget(Open file) {
        opened.remove(file);
        NativeFiles.closeQuietly(file.fd());
    }

    /** A sealed memfd holding {@code bytes}, checked through its fd. */
    private static Open inMemory(String name, byte[] bytes) {
        int fd = NativeFiles.memfdCreate("subprocess4j:" + name);
        try {
            NativeFiles.writeFully(fd, bytes);
            NativeFiles.addSeals(fd, NativeFiles.ALL_SEALS);
            int seals = NativeFiles.seals(fd);
            if ((seals & NativeFiles.ALL_SEALS) != NativeFiles.ALL_SEALS) {
                throw new IllegalStateException("the memfd of " + name + " has seals 0x" + Integer.toHexString(seals)
                        + ", not all of 0x" + Integer.toHexString(NativeFiles.ALL_SEALS));
            }
            NativeFiles.Stat st = NativeFiles.stat(fd);
            if (!st.regular() || st.size() != bytes.length || !NativeFiles.holds(fd, bytes)) {
                throw new IllegalStateException("the memfd of " + name + " does not hold what was written to it");
            }
            return new Open(fd, name + " (sealed memfd, fd " + fd + ")");
        } catch (RuntimeException | Error e) {
            NativeFiles.closeQuietly(fd);
            throw e;
        }
    }

    /** Closes every fd this instance opened: for tests with an instance of their own (the JVM's is never closed). */
    @Override
    public synchronized void close() {
        for (Open file : opened) {
            NativeFiles.closeQuietly(file.fd());
        }
        opened.clear();
        libraryFile = null;
        helperFile = null;
    }

    private static long crc32(byte[] bytes) {
        CRC32 crc = new CRC32();
        crc.update(bytes);
        return crc.getValue();
    }
}
