package dev.subprocess4j;

import java.util.Optional;

/**
 * The POSIX signals 1–31 with their Linux numbers.
 *
 * <h2>Examples</h2>
 * {@snippet :
 * popen.sendSignal(Signal.SIGUSR1);
 * Optional<Signal> s = Signal.of(15); // Optional[SIGTERM]
 * }
 *
 * <h2>Python equivalent</h2>
 * The {@code signal.SIG*} constants.
 */
public enum Signal {
    /** Hangup (1). */ SIGHUP(1),
    /** Interrupt (2). */ SIGINT(2),
    /** Quit (3). */ SIGQUIT(3),
    /** Illegal instruction (4). */ SIGILL(4),
    /** Trace trap (5). */ SIGTRAP(5),
    /** Abort (6). */ SIGABRT(6),
    /** Bus error (7). */ SIGBUS(7),
    /** Floating-point exception (8). */ SIGFPE(8),
    /** Kill, cannot be caught or ignored (9). */ SIGKILL(9),
    /** User-defined signal 1 (10). */ SIGUSR1(10),
    /** Segmentation violation (11). */ SIGSEGV(11),
    /** User-defined signal 2 (12). */ SIGUSR2(12),
    /** Broken pipe (13). */ SIGPIPE(13),
    /** Alarm clock (14). */ SIGALRM(14),
    /** Termination (15). */ SIGTERM(15),
    /** Stack fault (16). */ SIGSTKFLT(16),
    /** Child status changed (17). */ SIGCHLD(17),
    /** Continue (18). */ SIGCONT(18),
    /** Stop, cannot be caught or ignored (19). */ SIGSTOP(19),
    /** Keyboard stop (20). */ SIGTSTP(20),
    /** Background read from the terminal (21). */ SIGTTIN(21),
    /** Background write to the terminal (22). */ SIGTTOU(22),
    /** Urgent condition on a socket (23). */ SIGURG(23),
    /** CPU limit exceeded (24). */ SIGXCPU(24),
    /** File size limit exceeded (25). */ SIGXFSZ(25),
    /** Virtual alarm clock (26). */ SIGVTALRM(26),
    /** Profiling alarm clock (27). */ SIGPROF(27),
    /** Window size change (28). */ SIGWINCH(28),
    /** I/O now possible (29). */ SIGIO(29),
    /** Power failure (30). */ SIGPWR(30),
    /** Bad system call (31). */ SIGSYS(31);

    private static final Signal[] BY_NUMBER = new Signal[32];

    static {
        for (Signal s : values()) {
            BY_NUMBER[s.number] = s;
        }
    }

    private final int number;

    Signal(int number) {
        this.number = number;
    }

    /** The signal's number on Linux, e.g. 15 for {@link #SIGTERM}. */
    public int number() {
        return number;
    }

    /**
     * The signal with this Linux number.
     *
     * @return empty for 0, real-time signals (32 and up) and numbers that name no signal
     */
    public static Optional<Signal> of(int number) {
        return number > 0 && number < BY_NUMBER.length ? Optional.ofNullable(BY_NUMBER[number]) : Optional.empty();
    }
}
