package dev.subprocess4j.cli;

import dev.subprocess4j.Signal;
import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** A signal by name ({@code TERM}, {@code SIGTERM}, case-insensitive) or number ({@code 15}). */
final class SignalConverter implements ITypeConverter<Signal> {
    @Override
    public Signal convert(String value) {
        return parse(value);
    }

    static Signal parse(String value) {
        String v = value.strip().toUpperCase(Locale.ROOT);
        if (!v.isEmpty() && v.chars().allMatch(Character::isDigit)) {
            return Signal.of(Integer.parseInt(v))
                    .orElseThrow(() -> new TypeConversionException("no signal has number " + value));
        }
        String name = v.startsWith("SIG") ? v : "SIG" + v;
        try {
            return Signal.valueOf(name);
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException("not a signal: '" + value + "' (use a name like TERM or a number like 15)");
        }
    }
}
