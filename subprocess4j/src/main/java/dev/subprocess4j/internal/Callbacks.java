package dev.subprocess4j.internal;

import java.util.concurrent.Executor;

/**
 * Where user-facing futures complete: a new virtual thread per completion, so a callback that
 * blocks holds up nothing else, and no user code ever runs on the reactor thread. Nothing waits
 * here for a child: a thread exists only while a completion (and the callbacks it runs) does.
 */
public final class Callbacks {
    private Callbacks() {}

    /** Runs each task on a new virtual thread named {@code subprocess4j-callback}. */
    public static final Executor EXECUTOR = task -> Thread.ofVirtual().name("subprocess4j-callback").start(task);
}
