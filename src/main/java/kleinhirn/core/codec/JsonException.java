package kleinhirn.core.codec;

/** Malformed JSON; {@code offset} is the character position where reading stopped. */
public final class JsonException extends RuntimeException {
    private final int offset;

    public JsonException(String reason, int offset) {
        super(reason + " at offset " + offset);
        this.offset = offset;
    }

    public int offset() { return offset; }
}
