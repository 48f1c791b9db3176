package dev.subprocess4j.cli;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** An octal mode such as {@code 022} or {@code 0077}. */
final class OctalConverter implements ITypeConverter<Integer> {
    @Override
    public Integer convert(String value) {
        if (!value.matches("[0-7]{1,4}")) {
            throw new TypeConversionException("not an octal mode: '" + value + "' (use digits 0-7, e.g. 022)");
        }
        return Integer.parseInt(value, 8);
    }
}
