package dev.subprocess4j;

import java.security.SecureRandom;
import java.util.Random;

/**
 * The seed of the property tests: one per JVM, shown in the name of every generated case, so that
 * a failure can be replayed with {@code -Dsubprocess4j.seed=<seed>} (the same seed gives the same
 * cases, in the same order).
 */
final class PropertySeed {
    /** The system property that fixes the seed. */
    static final String PROPERTY = "subprocess4j.seed";

    private static final long SEED = chooseSeed();

    private PropertySeed() {}

    private static long chooseSeed() {
        String given = System.getProperty(PROPERTY);
        if (given == null || given.isBlank()) {
            return new SecureRandom().nextLong();
        }
        try {
            return Long.parseLong(given.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("-D" + PROPERTY + " must be a long: '" + given + "'", e);
        }
    }

    /** The seed of this run. */
    static long seed() {
        return SEED;
    }

    /** The random source of case {@code index} of the property named {@code property}. */
    static Random random(String property, int index) {
        return new Random(SEED ^ (property.hashCode() * 0x9E3779B97F4A7C15L) ^ (index * 0xC2B2AE3D27D4EB4FL));
    }

    /** How a case names itself: the seed first, so the name tells how to replay it. */
    static String describe(int index, String what) {
        return "seed " + SEED + " (-D" + PROPERTY + "=" + SEED + "), case " + index + ": " + what;
    }
}
