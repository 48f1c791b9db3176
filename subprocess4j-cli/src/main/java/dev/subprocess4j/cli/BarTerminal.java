package dev.subprocess4j.cli;

/**
 * Where {@code sp parallel} draws its live progress bar: how wide the line is and how to start it
 * over. {@link #ansi} serves {@code --progress always} on what is not a terminal; on a terminal
 * {@link JlineBarTerminal#open} asks the terminal itself (its size and its terminfo entry).
 */
public interface BarTerminal extends AutoCloseable {
    /** The width in columns at this moment (a terminal may have been resized since the last call). */
    int width();

    /** What moves to the start of the line and clears it. */
    String clearLine();

    @Override
    void close();

    /** ANSI (ECMA-48) carriage return and "erase to end of line"; the width from $COLUMNS, else 80. */
    public static BarTerminal ansi() {
        return new BarTerminal() {
            @Override
            public int width() {
                return columnsFromEnvironment(80);
            }

            @Override
            public String clearLine() {
                return "\r\u001b[K";
            }

            @Override
            public void close() {}
        };
    }

    /** $COLUMNS when it holds a usable width (20 or more), else {@code otherwise}. */
    static int columnsFromEnvironment(int otherwise) {
        String c = System.getenv("COLUMNS");
        if (c != null) {
            try {
                int n = Integer.parseInt(c.trim());
                if (n >= 20) {
                    return n;
                }
            } catch (NumberFormatException notANumber) {
                // not a width: the default
            }
        }
        return otherwise;
    }
}
