package dev.subprocess4j.cli;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Reads a duration as people type it: a decimal number with an optional unit, {@code ms},
 * {@code s} (the default, as for coreutils {@code timeout}), {@code m} or {@code h}:
 * {@code 5s}, {@code 300ms}, {@code 2m}, {@code 1.5s}, {@code 10}.
 *
 * <p>The value must be more than zero (after rounding to whole nanoseconds) and fit a
 * {@link Duration} of nanoseconds (about 292 years). No sign, no exponent, no space.
 */
public final class DurationConverter implements ITypeConverter<Duration> {
    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d*)?|\\.\\d+)(ms|s|m|h)?");
    private static final BigInteger MAX_NANOS = BigInteger.valueOf(Long.MAX_VALUE);

    @Override
    public Duration convert(String value) {
        return parse(value);
    }

    /**
     * The duration {@code text} stands for.
     *
     * @throws TypeConversionException naming the text, for anything else
     */
    static Duration parse(String text) {
        Matcher m = DURATION.matcher(text);
        if (!m.matches()) {
            throw new TypeConversionException("'" + text + "' is not a duration: use a number of seconds"
                    + " or a number with a unit, such as 5s, 300ms, 2m or 1.5s");
        }
        String unit = m.group(2) == null ? "s" : m.group(2);
        long nanosPerUnit = switch (unit) {
            case "ms" -> 1_000_000L;
            case "s" -> 1_000_000_000L;
            case "m" -> 60_000_000_000L;
            case "h" -> 3_600_000_000_000L;
            default -> throw new AssertionError(unit);
        };
        BigInteger nanos = new BigDecimal(m.group(1))
                .multiply(BigDecimal.valueOf(nanosPerUnit))
                .setScale(0, RoundingMode.HALF_UP)
                .toBigIntegerExact();
        if (nanos.signum() == 0) {
            throw new TypeConversionException("'" + text + "' is not a usable timeout: it must be more than 0");
        }
        if (nanos.compareTo(MAX_NANOS) > 0) {
            throw new TypeConversionException("'" + text + "' is too long a timeout (292 years at most)");
        }
        return Duration.ofNanos(nanos.longValueExact());
    }
}
