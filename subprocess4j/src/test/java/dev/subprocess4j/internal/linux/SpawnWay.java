package dev.subprocess4j.internal.linux;

import dev.subprocess4j.Command;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * One spawn path of the Linux backend, for tests that check the same thing on each: how the
 * command is set up to take it, and whether the shared-table spawn is turned off for the call
 * ({@code -Dsubprocess4j.sharedFdTable=false}, read at every spawn).
 */
record SpawnWay(String name, UnaryOperator<Command> how, boolean tableOff) {
    /** {@code call} on this path. */
    <T> T run(Supplier<T> call) {
        if (tableOff) {
            System.setProperty("subprocess4j.sharedFdTable", "false");
        }
        try {
            return call.get();
        } finally {
            System.clearProperty("subprocess4j.sharedFdTable");
        }
    }
}
