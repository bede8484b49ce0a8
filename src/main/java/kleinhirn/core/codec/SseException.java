package kleinhirn.core.codec;

/** A control stream broke the framing rules (over-long line, invalid UTF-8): close that stream. */
public final class SseException extends Exception {
    public SseException(String reason) { super(reason); }
}
