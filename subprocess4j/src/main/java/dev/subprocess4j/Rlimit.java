package dev.subprocess4j;

/**
 * A resource limit that {@link Command#rlimit(Rlimit, long, long)} sets in the child, and only
 * there.
 *
 * <h2>Examples</h2>
 * {@snippet :
 * Subprocess.command("make").rlimit(Rlimit.NOFILE, 256, 1024).rlimit(Rlimit.CPU, 60, Rlimit.UNLIMITED).run();
 * }
 *
 * <h2>Python equivalent</h2>
 * {@code resource.setrlimit(resource.RLIMIT_*, ...)} called from {@code preexec_fn}.
 */
public enum Rlimit {
    /** CPU time in seconds ({@code RLIMIT_CPU}). */ CPU(0),
    /** Largest file the process may create, in bytes ({@code RLIMIT_FSIZE}). */ FSIZE(1),
    /** Data segment size in bytes ({@code RLIMIT_DATA}). */ DATA(2),
    /** Stack size in bytes ({@code RLIMIT_STACK}). */ STACK(3),
    /** Core file size in bytes ({@code RLIMIT_CORE}). */ CORE(4),
    /** Resident set size, ignored by Linux ({@code RLIMIT_RSS}). */ RSS(5),
    /** Processes of the real user ({@code RLIMIT_NPROC}). */ NPROC(6),
    /** One more than the highest fd number ({@code RLIMIT_NOFILE}). */ NOFILE(7),
    /** Locked memory in bytes ({@code RLIMIT_MEMLOCK}). */ MEMLOCK(8),
    /** Address space in bytes ({@code RLIMIT_AS}). */ AS(9),
    /** File locks ({@code RLIMIT_LOCKS}). */ LOCKS(10),
    /** Queued signals ({@code RLIMIT_SIGPENDING}). */ SIGPENDING(11),
    /** Bytes in POSIX message queues ({@code RLIMIT_MSGQUEUE}). */ MSGQUEUE(12),
    /** Ceiling of the nice value ({@code RLIMIT_NICE}). */ NICE(13),
    /** Real-time priority ceiling ({@code RLIMIT_RTPRIO}). */ RTPRIO(14),
    /** Real-time CPU time in microseconds ({@code RLIMIT_RTTIME}). */ RTTIME(15);

    /**
     * No limit: {@code RLIM_INFINITY}. Equal to {@link Long#MAX_VALUE}, so it compares above every
     * finite value and {@code rlimit(AS, 1 << 20, UNLIMITED)} is valid.
     */
    public static final long UNLIMITED = Long.MAX_VALUE;

    private final int resource;

    Rlimit(int resource) {
        this.resource = resource;
    }

    /** The Linux {@code RLIMIT_*} number of this resource. */
    public int resource() {
        return resource;
    }
}
