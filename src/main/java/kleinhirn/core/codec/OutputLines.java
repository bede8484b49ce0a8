package kleinhirn.core.codec;

import java.nio.charset.StandardCharsets;

/**
 * Cuts a byte stream (a worker's stdout or stderr) into lines of at most {@code max} bytes.
 * A longer line is split into pieces; every piece but the last is reported with
 * {@code split = true} ("the next line of this stream continues it"). Pieces are cut before a
 * UTF-8 sequence, never inside one. A trailing CR (CRLF endings) is dropped; invalid UTF-8 is
 * replaced. Memory is the one buffer of {@code max} bytes, whatever the input.
 */
public final class OutputLines {
    public interface Sink {
        void line(String text, boolean split);
    }

    private final byte[] buf;
    private int len;

    public OutputLines(int max) {
        if (max < 4) throw new IllegalArgumentException("max must hold one UTF-8 character: " + max);
        buf = new byte[max];
    }

    public void feed(byte[] b, int off, int n, Sink sink) {
        for (int i = off; i < off + n; i++) {
            byte c = b[i];
            if (c == '\n') {
                int end = len > 0 && buf[len - 1] == '\r' ? len - 1 : len;
                sink.line(new String(buf, 0, end, StandardCharsets.UTF_8), false);
                len = 0;
                continue;
            }
            if (len == buf.length) cut(c, sink);
            buf[len++] = c;
        }
    }

    /** The stream ended: a last line without its newline is still a line. */
    public void end(Sink sink) {
        if (len > 0) sink.line(new String(buf, 0, len, StandardCharsets.UTF_8), false);
        len = 0;
    }

    /** The buffer is full and {@code next} belongs to the same line: emit a piece, keep a partial character. */
    private void cut(byte next, Sink sink) {
        int at = len;
        if ((next & 0xC0) == 0x80) {
            // next continues a character: cut before that character's lead byte, if it is near.
            int j = len - 1;
            while (j > len - 4 && j > 0 && (buf[j] & 0xC0) == 0x80) j--;
            if ((buf[j] & 0xC0) == 0xC0 && j > 0) at = j;
        }
        sink.line(new String(buf, 0, at, StandardCharsets.UTF_8), true);
        System.arraycopy(buf, at, buf, 0, len - at);
        len -= at;
    }
}
