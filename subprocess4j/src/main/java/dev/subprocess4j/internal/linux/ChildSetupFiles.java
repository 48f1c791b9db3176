package dev.subprocess4j.internal.linux;

import dev.subprocess4j.internal.Log;
import dev.subprocess4j.internal.linux.ffi.Libc;
import dev.subprocess4j.internal.linux.ffi.Unistd;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.CRC32;
import java.util.stream.Stream;

/**
 * The child-setup C code on disk: {@code libsubprocess4j.so} and {@code subprocess4j-helper},
 * shipped in the jar under {@code dev/subprocess4j/native/<platform>/} and extracted at first use
 * into a private directory, {@code subprocess4j-<euid>-<hash>} under {@code $XDG_RUNTIME_DIR}
 * (else {@code java.io.tmpdir}).
 *
 * <p>Nothing is executed or loaded unless it passes the check: the directory is a real directory
 * (not a link) owned by the JVM's effective user with mode 0700; each file is a regular file
 * owned by that user with mode 0500 and the same bytes as the copy in the jar. A file that fails is
 * replaced (written under a temporary name, then renamed over it atomically, so a concurrent JVM
 * never sees half a file); a directory that fails is removed and made anew; when that is not
 * possible (another user's directory in a shared {@code /tmp}), the spawn fails with an
 * {@link IllegalStateException} saying why.
 *
 * <p>The check runs before every use, and only for the file about to be used: every spawn needs
 * the library (14 KB), only spawns that change credentials need the helper (~700 KB, statically
 * linked), and checking it cost a JVM's first spawn tens of milliseconds. Reading the files each
 * time would cost more than a spawn, so after a full check a file's identity is remembered
 * (device, inode, size, owner, mode and change time, whose nanoseconds no user can set: any write,
 * chmod, chown or replacement changes it) with its directory's, and the next use compares two
 * {@code lstat}s with it; only a difference brings a full check again. The directory's name tells
 * apart builds with different code: the CRC-32 of each file (a name, not a check: the check
 * compares every byte of the file used), taken from the {@code index} the build writes beside
 * them, so that the helper is not read out of the jar (inflating ~700 KB, ~7 ms of a JVM's first
 * spawn) until a spawn needs it; the bytes read are checked against the index. No digest is
 * computed: a JVM's first use of {@code MessageDigest} alone costs ~20 ms.
 */
final class ChildSetupFiles {
    static final String LIBRARY = "libsubprocess4j.so";
    static final String HELPER = "subprocess4j-helper";
    /** Each file's size and CRC-32, written by the build (src/main/c/build.sh). */
    static final String INDEX = "index";
    private static final Set<PosixFilePermission> DIR_MODE = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> FILE_MODE = PosixFilePermissions.fromString("r-x------");
    private static final int DIR_MODE_BITS = 0700;
    private static final int FILE_MODE_BITS = 0500;
    private static final String IDENTITY = "unix:dev,ino,size,uid,mode,ctime";

    private final Path dir;
    private final long owner;
    /** Reads a file's bytes from where they ship (the jar), again whenever one must be extracted. */
    private final Function<String, byte[]> source;
    /** The bytes of each file's copy in the jar: the library's from the start, the helper's from its first use. */
    private final Map<String, byte[]> contents = new ConcurrentHashMap<>();
    private final long helperLength;
    private final long helperCrc;
    /** The identity of the directory and of the file at the file's last full check; none = check fully. */
    private final Map<String, List<Map<String, Object>>> trusted = new ConcurrentHashMap<>();

    /**
     * @param base the directory to create the private directory in
     * @param owner the uid that must own everything (the JVM's effective uid)
     * @param source the bytes of {@code libsubprocess4j.so}, {@code subprocess4j-helper} and
     *     {@code index} (a line {@code "name size crc32"} for each of the two) by name
     * @throws IllegalStateException when the library's bytes do not match the index
     */
    ChildSetupFiles(Path base, long owner, Function<String, byte[]> source) {
        this.owner = owner;
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
        contents.put(LIBRARY, library);
        this.helperLength = helperEntry[0];
        this.helperCrc = helperEntry[1];
        String hash = HexFormat.of().toHexDigits((int) libraryEntry[1]) + HexFormat.of().toHexDigits((int) helperCrc);
        this.dir = base.resolve("subprocess4j-" + owner + "-" + hash);
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

    /** The files of this jar for this platform, to be extracted under the default base directory. */
    static ChildSetupFiles fromJar() {
        return new ChildSetupFiles(defaultBase(), effectiveUid(), ChildSetupFiles::read);
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

    /** {@code $XDG_RUNTIME_DIR} (private to the user by definition) when usable, else {@code java.io.tmpdir}. */
    private static Path defaultBase() {
        String runtime = System.getenv("XDG_RUNTIME_DIR");
        if (runtime != null && !runtime.isEmpty()) {
            Path p = Path.of(runtime);
            if (p.isAbsolute() && Files.isDirectory(p) && Files.isWritable(p)) {
                return p;
            }
        }
        return Path.of(System.getProperty("java.io.tmpdir"));
    }

    /** The private directory. */
    Path directory() {
        return dir;
    }

    /** The checked library, extracted when needed. */
    Path library() {
        ensure(LIBRARY);
        return dir.resolve(LIBRARY);
    }

    /** The checked helper, extracted when needed: call right before every use. */
    Path helper() {
        ensure(HELPER);
        return dir.resolve(HELPER);
    }

    private void ensure(String name) {
        List<Map<String, Object>> seen = trusted.get(name);
        if (seen != null && seen.equals(identities(name))) {
            return;
        }
        synchronized (this) {
            seen = trusted.get(name);
            if (seen != null && seen.equals(identities(name))) {
                return;
            }
            trusted.remove(name);
            checkOrMakeDirectory();
            checkOrReplaceFile(name);
            List<Map<String, Object>> now = identities(name);
            if (now != null) {
                trusted.put(name, now);
            }
        }
    }

    /** The identity of the directory and of the file now, or null when one is missing. */
    private List<Map<String, Object>> identities(String name) {
        try {
            return List.of(identity(dir), identity(dir.resolve(name)));
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * The bytes of the jar's copy of {@code name}; the helper's are read at its first use and
     * must be those of the index the directory was named after (size and CRC-32 checked).
     */
    private byte[] contents(String name) {
        return contents.computeIfAbsent(name, n -> {
            byte[] bytes = source.apply(n);
            if (bytes.length != helperLength || crc32(bytes) != helperCrc) {
                throw new IllegalStateException("the copy of " + n + " in the jar does not match its index"
                        + " (the jar changed while the JVM ran?)");
            }
            return bytes;
        });
    }

    private static long crc32(byte[] bytes) {
        CRC32 crc = new CRC32();
        crc.update(bytes);
        return crc.getValue();
    }

    private static Map<String, Object> identity(Path p) throws IOException {
        return Files.readAttributes(p, IDENTITY, LinkOption.NOFOLLOW_LINKS);
    }

    private void checkOrMakeDirectory() {
        String problem = directoryProblem();
        if (problem == null) {
            return;
        }
        if (!problem.equals("missing")) {
            Log.get().log(Level.WARNING, "{0} {1}: removing it and extracting the child-setup code anew", dir, problem);
            try {
                deleteTree(dir);
            } catch (IOException e) {
                throw new IllegalStateException("the child-setup directory " + dir + " " + problem
                        + " and cannot be removed (" + e + "); remove it, or point java.io.tmpdir elsewhere", e);
            }
        }
        try {
            Files.createDirectories(dir.getParent());
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(DIR_MODE));
        } catch (FileAlreadyExistsException e) {
            // another JVM made it meanwhile: checked below
        } catch (IOException e) {
            throw new IllegalStateException("cannot create the child-setup directory " + dir + ": " + e, e);
        }
        try {
            if (ownerOf(dir) == owner) {
                Files.setPosixFilePermissions(dir, DIR_MODE); // the umask may have taken bits away
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String still = directoryProblem();
        if (still != null) {
            throw new IllegalStateException("the child-setup directory " + dir + " " + still
                    + "; remove it, or point java.io.tmpdir elsewhere");
        }
    }

    /** Why the directory cannot be trusted, or null when it can. */
    private String directoryProblem() {
        try {
            Map<String, Object> a = identity(dir);
            int mode = (Integer) a.get("mode");
            if ((mode & 0170000) != 0040000) {
                return "is not a directory";
            }
            if (((Integer) a.get("uid")).longValue() != owner) {
                return "is owned by uid " + a.get("uid") + ", not " + owner;
            }
            if ((mode & 07777) != DIR_MODE_BITS) {
                return "has mode 0" + Integer.toOctalString(mode & 07777) + ", not 0700";
            }
            return null;
        } catch (NoSuchFileException e) {
            return "missing";
        } catch (IOException e) {
            return "cannot be read (" + e + ")";
        }
    }

    private void checkOrReplaceFile(String name) {
        Path file = dir.resolve(name);
        String problem = fileProblem(name);
        if (problem == null) {
            return;
        }
        if (!problem.equals("missing")) {
            Log.get().log(Level.WARNING, "{0} {1}: replacing it with the copy in the jar", file, problem);
        }
        try {
            if (Files.isDirectory(file, LinkOption.NOFOLLOW_LINKS)) {
                deleteTree(file);
            }
            Path tmp = Files.createTempFile(dir, "." + name + "-", ".tmp", PosixFilePermissions.asFileAttribute(DIR_MODE));
            try {
                Files.write(tmp, contents(name));
                Files.setPosixFilePermissions(tmp, FILE_MODE);
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot extract " + file + ": " + e, e);
        }
        String still = fileProblem(name);
        if (still != null) {
            throw new IllegalStateException(file + " " + still + " right after it was extracted");
        }
    }

    /** Why the file cannot be trusted, or null when it can. */
    private String fileProblem(String name) {
        Path file = dir.resolve(name);
        try {
            Map<String, Object> a = identity(file);
            int mode = (Integer) a.get("mode");
            if ((mode & 0170000) != 0100000) {
                return "is not a regular file";
            }
            if (((Integer) a.get("uid")).longValue() != owner) {
                return "is owned by uid " + a.get("uid") + ", not " + owner;
            }
            if ((mode & 07777) != FILE_MODE_BITS) {
                return "has mode 0" + Integer.toOctalString(mode & 07777) + ", not 0500";
            }
            if (!Arrays.equals(Files.readAllBytes(file), contents(name))) {
                return "differs from the copy in the jar";
            }
            return null;
        } catch (NoSuchFileException e) {
            return "missing";
        } catch (IOException e) {
            return "cannot be read (" + e + ")";
        }
    }

    private static long ownerOf(Path p) throws IOException {
        return ((Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS)).longValue();
    }

    /** Removes a file, a link (not its target) or a directory tree. */
    private static void deleteTree(Path p) throws IOException {
        if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
            try (Stream<Path> all = Files.walk(p)) { // walk does not follow links by default
                for (Path q : all.sorted(Comparator.reverseOrder()).toList()) {
                    try {
                        Files.delete(q);
                    } catch (NoSuchFileException | DirectoryNotEmptyException e) {
                        // removed meanwhile by another JVM / refilled: the final check decides
                    }
                }
            }
        } else {
            Files.deleteIfExists(p);
        }
    }
}
