/**
 * Run other programs: Python's {@code subprocess}, in Java's idiom.
 *
 * <p>Start with {@link dev.subprocess4j.Subprocess} for one-liners and {@link dev.subprocess4j.Command}
 * for everything else.
 */
package dev.subprocess4j;
