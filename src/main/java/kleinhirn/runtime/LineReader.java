package kleinhirn.runtime;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Reads newline-terminated UTF-8 lines from a channel into a fixed buffer. A line longer than the
 * buffer is reported once as oversized and skipped up to its newline: memory never grows with
 * the input. Blocking; meant for virtual threads.
 */
public final class LineReader {
    public interface Sink {
        void line(String line);

        /** A line that did not fit, or was not UTF-8; it has been skipped. */
        void junk(String why);
    }

    private final ReadableByteChannel ch;
    private final ByteBuffer buf;
    private final byte[] line;
    private int len;
    private boolean skipping;

    public LineReader(ReadableByteChannel ch, int maxLine) {
        this.ch = ch;
        this.buf = ByteBuffer.allocate(Math.min(maxLine, 8192));
        this.line = new byte[maxLine];
    }

    /** Reads until EOF (or the channel is closed), handing each line to the sink. */
    public void run(Sink sink) throws IOException {
        while (ch.read(buf) >= 0) {
            buf.flip();
            while (buf.hasRemaining()) {
                byte b = buf.get();
                if (b == '\n') {
                    if (!skipping) emit(sink);
                    skipping = false;
                    len = 0;
                } else if (skipping) {
                    // discard the rest of an oversized line
                } else if (len == line.length) {
                    skipping = true;
                    len = 0;
                    sink.junk("line longer than " + line.length + " bytes");
                } else {
                    line[len++] = b;
                }
            }
            buf.clear();
        }
    }

    private void emit(Sink sink) {
        int n = len > 0 && line[len - 1] == '\r' ? len - 1 : len;
        try {
            String s = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(line, 0, n)).toString();
            sink.line(s);
        } catch (CharacterCodingException e) {
            sink.junk("line is not valid UTF-8");
        }
    }
}
