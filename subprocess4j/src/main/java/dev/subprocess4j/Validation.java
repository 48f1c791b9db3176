package dev.subprocess4j;

import java.time.Duration;
import java.util.Objects;

/** Checks shared by the public builders; every message names the bad value. */
final class Validation {
    private Validation() {}

    /** {@link #checkString(String, String)} for argument {@code index}: its name made only for an error. */
    static void checkArgument(String s, int index) {
        if (s.indexOf('\0') >= 0 || unpairedSurrogate(s) >= 0) {
            checkString(s, "argument " + index);
        }
    }

    /** Rejects NUL bytes and unpaired surrogates (the child gets UTF-8 bytes). */
    static void checkString(String s, String what) {
        int nul = s.indexOf('\0');
        if (nul >= 0) {
            throw new IllegalArgumentException("NUL byte in " + what + " at index " + nul + ": " + printable(s));
        }
        int bad = unpairedSurrogate(s);
        if (bad >= 0) {
            throw new IllegalArgumentException("unpaired surrogate in " + what + " at index " + bad
                    + " (cannot be encoded as UTF-8): " + printable(s));
        }
    }

    static int unpairedSurrogate(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c)) {
                if (i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                    i++;
                } else {
                    return i;
                }
            } else if (Character.isLowSurrogate(c)) {
                return i;
            }
        }
        return -1;
    }

    /** The string in quotes with control characters escaped, for messages. */
    static String printable(String s) {
        StringBuilder sb = new StringBuilder("'");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f || Character.isSurrogate(c)) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.append('\'').toString();
    }

    static void checkEnvKey(String key) {
        Objects.requireNonNull(key, "environment key");
        if (key.isEmpty()) {
            throw new IllegalArgumentException("environment key must not be empty");
        }
        if (key.indexOf('=') >= 0) {
            throw new IllegalArgumentException("'=' in environment key: " + printable(key));
        }
        checkString(key, "environment key");
    }

    /** Never puts the value into a message: environment values may be secrets. */
    static void checkEnv(String key, String value) {
        checkEnvKey(key);
        if (value == null) {
            throw new IllegalArgumentException("null value for environment key " + printable(key));
        }
        if (value.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("NUL byte in the value of environment key " + printable(key));
        }
        if (unpairedSurrogate(value) >= 0) {
            throw new IllegalArgumentException("unpaired surrogate (cannot be encoded as UTF-8) in the value of environment key "
                    + printable(key));
        }
    }

    static void checkDuration(Duration d, String what) {
        Objects.requireNonNull(d, what);
        if (d.isNegative()) {
            throw new IllegalArgumentException(what + " must not be negative: " + d);
        }
    }

    static void checkName(String name, String what) {
        Objects.requireNonNull(name, what);
        if (name.isEmpty()) {
            throw new IllegalArgumentException(what + " must not be empty");
        }
        checkString(name, what);
        if (name.indexOf(':') >= 0 || name.indexOf('\n') >= 0) {
            throw new IllegalArgumentException("not a valid " + what + " name: " + printable(name));
        }
    }
}
