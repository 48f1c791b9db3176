package dev.subprocess4j.internal.linux;

import dev.subprocess4j.internal.linux.ChildSetupFiles.Open;
import dev.subprocess4j.internal.linux.ffi.ErrnoException;
import dev.subprocess4j.internal.linux.ffi.NativeFiles;
import dev.subprocess4j.internal.linux.ffi.Unistd;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/** The {@code directory} way of {@link ChildSetupFiles}: a file in a fresh 0700 directory under a safe base, opened, checked, and removed with its directory. */
final class ChildSetupDirectory {
    /** The directories to try, each with whether it must be the owner's with mode 0700. */
    private final List<Map.Entry<Path, Boolean>> bases;
    private final long owner;

    ChildSetupDirectory(List<Map.Entry<Path, Boolean>> bases, long owner) {
        this.bases = List.copyOf(bases);
        this.owner = owner;
    }

    /**
     * {@code bytes} in a file of a directory made for it: opened read-only and checked through that
     * fd, then the name and the directory removed. Adds why each base was refused to {@code why}.
     */
    Open inDirectory(String name, byte[] bytes, List<String> why) {
        for (Map.Entry<Path, Boolean> base : bases) {
            String problem = baseProblem(base.getKey(), base.getValue());
            if (problem != null) {
                why.add("directory: " + base.getKey() + " " + problem);
                continue;
            }
            try {
                return inNewDirectory(base.getKey().toRealPath(), name, bytes);
            } catch (ErrnoException | IOException | IllegalStateException e) {
                why.add("directory: in " + base.getKey() + ": " + e.getMessage());
            }
        }
        throw new IllegalStateException("no directory fits");
    }

    /**
     * Why no file of the library may be made under {@code base}, or null when it may: its real
     * path and every ancestor must be directories owned by the JVM's user or root and writable by
     * no one else unless sticky; with {@code ownPrivate}, {@code base} itself must be the JVM's
     * user's with mode 0700. Then no other user can rename, replace or add anything on the way.
     */
    String baseProblem(Path base, boolean ownPrivate) {
        if (!base.isAbsolute()) {
            return "is not an absolute path";
        }
        Path real;
        try {
            real = base.toRealPath();
        } catch (IOException e) {
            return "cannot be resolved (" + e.getMessage() + ")";
        }
        try {
            Map<String, Object> a = Files.readAttributes(real, "unix:uid,mode", LinkOption.NOFOLLOW_LINKS);
            long uid = ((Integer) a.get("uid")).longValue();
            int mode = (Integer) a.get("mode");
            if (ownPrivate && (uid != owner || (mode & 07777) != 0700)) {
                return "is owned by uid " + uid + " with mode 0" + Integer.toOctalString(mode & 07777)
                        + ", not by uid " + owner + " with mode 0700";
            }
            for (Path p = real; p != null; p = p.getParent()) {
                a = Files.readAttributes(p, "unix:uid,mode", LinkOption.NOFOLLOW_LINKS);
                uid = ((Integer) a.get("uid")).longValue();
                mode = (Integer) a.get("mode");
                String which = p.equals(real) ? "" : " (its ancestor " + p + ")";
                if ((mode & 0170000) != 0040000) {
                    return which.isEmpty() ? "is not a directory" : which.substring(2, which.length() - 1) + " is not a directory";
                }
                if (uid != owner && uid != 0) {
                    return "is not safe" + which + ": owned by uid " + uid + ", neither " + owner + " nor root";
                }
                if ((mode & 0022) != 0 && (mode & 01000) == 0) {
                    return "is not safe" + which + ": writable by others (mode 0" + Integer.toOctalString(mode & 07777)
                            + ") and not sticky";
                }
            }
            return null;
        } catch (IOException e) {
            return "cannot be read (" + e.getMessage() + ")";
        }
    }

    private Open inNewDirectory(Path base, String name, byte[] bytes) {
        String dir = null;
        for (int attempt = 0; dir == null; attempt++) {
            String candidate = base.resolve("subprocess4j-" + HexFormat.of().formatHex(Random.bytes(12))).toString();
            try {
                NativeFiles.mkdir(candidate, 0700);
                dir = candidate;
            } catch (ErrnoException e) {
                if (e.errno() != dev.subprocess4j.internal.Errno.EEXIST || attempt >= 20) {
                    throw e;
                }
                // a name someone else holds: another
            }
        }
        int dirFd = -1;
        int fd = -1;
        boolean created = false;
        try {
            dirFd = NativeFiles.openAt(-1, dir, Unistd.O_RDONLY | NativeFiles.O_DIRECTORY | NativeFiles.O_NOFOLLOW
                    | Unistd.O_CLOEXEC, 0);
            NativeFiles.Stat d = NativeFiles.stat(dirFd);
            if (!d.directory() || d.uid() != owner) {
                throw new IllegalStateException(dir + " is not the directory just made");
            }
            if ((d.mode() & 07777) != 0700) {
                NativeFiles.fchmod(dirFd, 0700); // the umask took bits away
            }
            int w = NativeFiles.openAt(dirFd, name, Unistd.O_WRONLY | Unistd.O_CREAT | NativeFiles.O_EXCL
                    | NativeFiles.O_NOFOLLOW | Unistd.O_CLOEXEC, 0500);
            created = true;
            try {
                NativeFiles.writeFully(w, bytes);
            } finally {
                NativeFiles.closeQuietly(w); // no writer left: execveat refuses a file open for writing
            }
            fd = NativeFiles.openAt(dirFd, name, Unistd.O_RDONLY | NativeFiles.O_NOFOLLOW | Unistd.O_CLOEXEC, 0);
            NativeFiles.fchmod(fd, 0500); // the umask may have taken bits away
            NativeFiles.Stat st = NativeFiles.stat(fd);
            if (!st.regular() || st.uid() != owner || st.size() != bytes.length || !NativeFiles.holds(fd, bytes)) {
                throw new IllegalStateException(dir + "/" + name + " does not hold what was written to it");
            }
            Open file = new Open(fd, name + " (fd " + fd + ", of a file made and removed again in " + dir + ")");
            fd = -1;
            return file;
        } finally {
            NativeFiles.closeQuietly(fd);
            if (dirFd >= 0) {
                if (created) {
                    try {
                        NativeFiles.unlinkAt(dirFd, name);
                    } catch (ErrnoException e) {
                        // the rmdir below then fails too and says so
                    }
                }
                NativeFiles.closeQuietly(dirFd);
            }
            try {
                NativeFiles.rmdir(dir);
            } catch (ErrnoException e) {
                dev.subprocess4j.internal.Log.get().log(System.Logger.Level.WARNING,
                        "cannot remove the directory {0} made for the child-setup code: {1}", dir, e.getMessage());
            }
        }
    }

    /** The random names of {@link #inNewDirectory}, made only when that way is taken. */
    private static final class Random {
        static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

        static byte[] bytes(int n) {
            byte[] b = new byte[n];
            RANDOM.nextBytes(b);
            return b;
        }
    }
}
