package dev.subprocess4j.internal.linux;

import java.util.Arrays;
import java.util.function.IntConsumer;

/**
 * The handlers of the {@link EpollReactor}'s registrations, by token, in slots: a live registration
 * costs a slot of two arrays, not a boxed key and a map node (every live child has one, for its
 * pidfd). A token is its slot in the low 32 bits and the slot's generation above, counted at each
 * use of the slot: a token removed meanwhile finds no handler, also once its slot is used again,
 * so an event that was already read for it is dropped. A token is never 0 (the reactor's wake-up)
 * and never negative (an unregistered channel's). Thread-safe; the critical sections are a few
 * array accesses.
 */
final class ReactorHandlers {
    private long[] tokens = new long[64];
    private IntConsumer[] handlers = new IntConsumer[64];
    /** Slots below {@link #used} that are free again, as a stack. */
    private int[] free = new int[64];
    private int freeCount;
    /** Slots ever taken: [0, used). */
    private int used;
    /** Registrations ever made. */
    private long made;

    /** Adds {@code handler}; returns its token. */
    synchronized long add(IntConsumer handler) {
        int slot;
        if (freeCount > 0) {
            slot = free[--freeCount];
        } else {
            if (used == tokens.length) {
                tokens = Arrays.copyOf(tokens, used * 2);
                handlers = Arrays.copyOf(handlers, used * 2);
            }
            slot = used++;
        }
        long generation = tokens[slot] >>> 32; // kept in the freed slot
        generation = generation >= Integer.MAX_VALUE ? 1 : generation + 1;
        long token = generation << 32 | slot;
        tokens[slot] = token;
        handlers[slot] = handler;
        made++;
        return token;
    }

    /** The handler of {@code token}, or null once it was removed. */
    synchronized IntConsumer get(long token) {
        int slot = (int) token;
        return slot >= 0 && slot < used && tokens[slot] == token ? handlers[slot] : null;
    }

    /** Removes {@code token}'s handler; nothing for a token removed already. */
    synchronized void remove(long token) {
        int slot = (int) token;
        if (slot < 0 || slot >= used || tokens[slot] != token || handlers[slot] == null) {
            return;
        }
        handlers[slot] = null; // the token stays, for its generation: get() checks the handler too
        if (freeCount == free.length) {
            free = Arrays.copyOf(free, free.length * 2);
        }
        free[freeCount++] = slot;
    }

    /** How many registrations were ever made. */
    synchronized long made() {
        return made;
    }
}
