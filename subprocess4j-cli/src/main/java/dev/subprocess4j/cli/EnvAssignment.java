package dev.subprocess4j.cli;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * One {@code --env KEY=VALUE}: the key is everything before the first {@code =}, the value
 * everything after it ({@code A=b=c} sets {@code A} to {@code b=c}; {@code A=} sets it empty).
 *
 * <p>The value is never shown: not by {@link #toString()} and not in any error message, since
 * environment values are often secrets.
 *
 * @param key the variable's name, not empty
 * @param value its value, possibly empty
 */
record EnvAssignment(String key, String value) {

    /** The value hidden: this may end up in a log or a message. */
    @Override
    public String toString() {
        return key + "=<hidden>";
    }

    /** Picocli's converter for {@code --env}. */
    static final class Converter implements ITypeConverter<EnvAssignment> {
        @Override
        public EnvAssignment convert(String text) {
            int eq = text.indexOf('=');
            // Neither message repeats the text: without '=' it may well be a value typed alone.
            if (eq < 0) {
                throw new TypeConversionException("expected KEY=VALUE, but the argument has no '='");
            }
            if (eq == 0) {
                throw new TypeConversionException("expected KEY=VALUE, but the KEY before '=' is empty");
            }
            return new EnvAssignment(text.substring(0, eq), text.substring(eq + 1));
        }
    }
}
