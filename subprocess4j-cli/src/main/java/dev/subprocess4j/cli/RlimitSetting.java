package dev.subprocess4j.cli;

import dev.subprocess4j.Rlimit;
import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * One {@code --rlimit RES=SOFT[:HARD]}: a resource by name (with or without {@code RLIMIT_}),
 * and limits as numbers or {@code unlimited}; HARD defaults to SOFT, as {@code prlimit} does.
 *
 * @param resource the resource
 * @param soft the soft limit
 * @param hard the hard limit
 */
record RlimitSetting(Rlimit resource, long soft, long hard) {

    static final class Converter implements ITypeConverter<RlimitSetting> {
        @Override
        public RlimitSetting convert(String value) {
            return parse(value);
        }
    }

    static RlimitSetting parse(String value) {
        int eq = value.indexOf('=');
        if (eq <= 0) {
            throw new TypeConversionException("expected RES=SOFT[:HARD], e.g. NOFILE=64:128, not '" + value + "'");
        }
        String name = value.substring(0, eq).strip().toUpperCase(Locale.ROOT);
        if (name.startsWith("RLIMIT_")) {
            name = name.substring(7);
        }
        Rlimit resource;
        try {
            resource = Rlimit.valueOf(name);
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException("unknown resource '" + value.substring(0, eq) + "' in --rlimit");
        }
        String[] limits = value.substring(eq + 1).split(":", -1);
        if (limits.length > 2) {
            throw new TypeConversionException("expected SOFT[:HARD] after '=', not '" + value.substring(eq + 1) + "'");
        }
        long soft = limit(limits[0], value);
        long hard = limits.length == 2 ? limit(limits[1], value) : soft;
        return new RlimitSetting(resource, soft, hard);
    }

    private static long limit(String text, String whole) {
        String t = text.strip().toLowerCase(Locale.ROOT);
        if (t.equals("unlimited") || t.equals("infinity")) {
            return Rlimit.UNLIMITED;
        }
        try {
            long v = Long.parseLong(t);
            if (v < 0) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw new TypeConversionException("not a limit: '" + text + "' in --rlimit " + whole
                    + " (a number of 0 or more, or 'unlimited')");
        }
    }
}
