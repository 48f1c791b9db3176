package dev.subprocess4j.internal.lifecycle;

import dev.subprocess4j.Signal;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The signals the library sent one child, so that its exit status reads as Python's: a child
 * that a shell, {@code ssh} or {@code srun} reports as {@code 128+N} died of signal N, and when
 * the library sent N that is {@code -N}. A status of {@code 128+N} for a signal the library never
 * sent stays as it is (the program may well have exited with it). Every backend whose exit status
 * arrives folded this way (the JDK's, ssh, Slurm) keeps one ledger per child; the caller records a
 * signal only while the child is not yet reaped, so a status read later cannot be mistaken.
 */
public final class SignalLedger {
    private final Set<Integer> sent = ConcurrentHashMap.newKeySet();

    /** Records that {@code signal} was (about to be) sent. */
    public void sent(Signal signal) {
        sent.add(signal.number());
    }

    /** Whether {@code status} is {@code 128+N} for a signal N recorded here. */
    public boolean killedByOurSignal(int status) {
        return status > 128 && sent.contains(status - 128);
    }

    /** The return code for an exit status: {@code -N} when it is {@code 128+N} for a signal N sent, else the status. */
    public int returnCode(int status) {
        return killedByOurSignal(status) ? -(status - 128) : status;
    }
}
