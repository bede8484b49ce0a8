package kleinhirn.core.codec;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Server-Sent Events framing, both directions, as spoken on harpoon's {@code ./control} socket
 * (and kleinhirn's own control socket).
 *
 * <p>Decoding follows the Go decoder harpoon used: lines end with {@code \n} or {@code \r\n} (a lone
 * {@code \r} is not a line end), one optional space after the colon, a line without a colon is a
 * field with an empty value, comments ({@code :...}), {@code id} and {@code retry} are ignored, a
 * blank line ends an event whose default type is {@code message}, a UTF-8 BOM at the start is
 * skipped. Unlike the original, a line is bounded ({@link #MAX_LINE} bytes) and invalid UTF-8 is
 * an error: both throw {@link SseException}, after which the decoder must not be fed again.
 */
public final class Sse {
    public static final int MAX_LINE = 64 * 1024;
    /** The data of one event, all its lines together. */
    public static final int MAX_EVENT = 64 * 1024;

    private Sse() {}

    /** One decoded event; {@code data} joins multiple data lines with {@code \n}. */
    public record Event(String type, String data) {}

    /** {@code event: TYPE\ndata: LINE\n...\n}; an empty data is the bare word {@code data}. */
    public static byte[] encode(String type, String data) {
        StringBuilder b = new StringBuilder(16 + type.length() + data.length());
        b.append("event: ").append(type).append('\n');
        if (data.isEmpty()) {
            b.append("data\n");
        } else {
            for (String line : data.split("\n", -1)) b.append("data: ").append(line).append('\n');
        }
        b.append('\n');
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Incremental decoder for one stream. Not thread-safe: one reader owns it. */
    public static final class Decoder {
        private final ByteArrayOutputStream line = new ByteArrayOutputStream(128);
        private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        private boolean atStart = true;
        private String type;
        private StringBuilder data;
        private boolean anyField;

        /** Feeds bytes; returns the events completed by them (possibly none). */
        public List<Event> feed(byte[] buf, int off, int len) throws SseException {
            List<Event> out = new ArrayList<>(1);
            for (int k = off; k < off + len; k++) {
                byte c = buf[k];
                if (c == '\n') {
                    byte[] raw = line.toByteArray();
                    line.reset();
                    int n = raw.length;
                    if (n > 0 && raw[n - 1] == '\r') n--;
                    onLine(decode(raw, n), out);
                } else {
                    if (line.size() >= MAX_LINE) throw new SseException("line longer than " + MAX_LINE + " bytes");
                    line.write(c);
                }
            }
            return out;
        }

        public List<Event> feed(byte[] buf) throws SseException { return feed(buf, 0, buf.length); }

        private String decode(byte[] raw, int n) throws SseException {
            try {
                String s = utf8.decode(ByteBuffer.wrap(raw, 0, n)).toString();
                if (atStart) {
                    atStart = false;
                    if (!s.isEmpty() && s.charAt(0) == '\uFEFF') s = s.substring(1);
                }
                return s;
            } catch (CharacterCodingException e) {
                throw new SseException("invalid UTF-8");
            }
        }

        private void onLine(String s, List<Event> out) throws SseException {
            if (s.isEmpty()) {
                if (anyField) out.add(new Event(type == null ? "message" : type, data == null ? "" : data.toString()));
                type = null;
                data = null;
                anyField = false;
                return;
            }
            if (s.charAt(0) == ':') return;
            int colon = s.indexOf(':');
            String field = colon < 0 ? s : s.substring(0, colon);
            String value = colon < 0 ? "" : s.substring(colon + 1);
            if (value.startsWith(" ")) value = value.substring(1);
            switch (field) {
                case "event" -> { type = value; anyField = true; }
                case "data" -> {
                    if (data != null && data.length() + 1 + value.length() > MAX_EVENT) {
                        // Lines are bounded; so must be their sum, or endless data lines grow memory.
                        throw new SseException("event longer than " + MAX_EVENT + " characters");
                    }
                    if (data == null) data = new StringBuilder(value);
                    else data.append('\n').append(value);
                    anyField = true;
                }
                case "id" -> anyField = true;
                default -> { /* retry and unknown fields are ignored, as by the original */ }
            }
        }
    }

}
