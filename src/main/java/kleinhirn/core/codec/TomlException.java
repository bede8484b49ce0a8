package kleinhirn.core.codec;

/**
 * Malformed TOML. {@link #line()} and {@link #column()} are 1-based; the column counts Unicode
 * code points (a tab is one column). The message reads {@code line 3, column 7: expected '=' after
 * key}, so a caller only needs to prefix the file name.
 */
public final class TomlException extends RuntimeException {
    private final int line;
    private final int column;
    private final String reason;

    public TomlException(String reason, int line, int column) {
        super("line " + line + ", column " + column + ": " + reason);
        this.line = line;
        this.column = column;
        this.reason = reason;
    }

    public int line() { return line; }

    public int column() { return column; }

    /** The message without the position. */
    public String reason() { return reason; }
}
