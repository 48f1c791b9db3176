package dev.subprocess4j.internal.linux.ffi;

import dev.subprocess4j.internal.Errno;

/** A libc call failed: names the call and the errno. */
public final class ErrnoException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String call;
    private final int errno;

    /** Creates the exception for {@code call} failing with {@code errno}. */
    public ErrnoException(String call, int errno) {
        super(call + " failed: " + Errno.name(errno) + " (" + Errno.message(errno) + ")");
        this.call = call;
        this.errno = errno;
    }

    /** The name of the C call. */
    public String call() {
        return call;
    }

    /** The errno it set. */
    public int errno() {
        return errno;
    }
}
