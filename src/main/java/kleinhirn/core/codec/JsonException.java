package kleinhirn.core.codec;

/**
 * Malformed JSON; {@code offset} is the character position where reading stopped. Without a
 * stack trace: it is an expected value on every junk line a child writes (ack fd, loader wire,
 * einhorn socket), and filling in the trace was most of the ~2.5 KB of garbage per such line
 * that the fuzz targets measured.
 */
public final class JsonException extends RuntimeException {
    private final int offset;

    public JsonException(String reason, int offset) {
        super(reason + " at offset " + offset, null, false, false);
        this.offset = offset;
    }

    public int offset() { return offset; }
}
