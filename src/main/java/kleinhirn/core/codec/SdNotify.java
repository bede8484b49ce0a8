package kleinhirn.core.codec;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * sd_notify datagrams: UTF-8, newline-separated {@code KEY=VALUE} lines. We act on READY=1,
 * STOPPING=1, WATCHDOG=1 and STATUS=; every other well-formed key (BARRIER, MAINPID, RELOADING,
 * ERRNO, ...) is accepted and ignored, as systemd ignores keys it does not know.
 */
public final class SdNotify {
    private SdNotify() {}

    /** Longest STATUS= text we keep; the rest is cut (systemd shows one line anyway). */
    public static final int MAX_STATUS = 256;

    /** A parsed datagram, or {@code junk} saying why it is not one. */
    public record Message(boolean ready, boolean stopping, boolean watchdog, String status, String junk) {
        static Message junk(String why) {
            return new Message(false, false, false, null, why);
        }

        /** True if it asks the pool for anything (the sender then has to be resolved). */
        public boolean actionable() {
            return junk == null && (ready || stopping || watchdog || status != null);
        }
    }

    public static Message parse(byte[] buf, int len) {
        if (len == 0) return Message.junk("empty datagram");
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(buf, 0, len)).toString();
        } catch (CharacterCodingException e) {
            return Message.junk("not UTF-8");
        }
        boolean ready = false, stopping = false, watchdog = false;
        String status = null;
        for (String line : text.split("\n", -1)) {
            if (line.isEmpty()) continue;
            int eq = line.indexOf('=');
            if (eq <= 0 || !validKey(line, eq)) return Message.junk("not KEY=VALUE: " + abbreviate(line));
            String key = line.substring(0, eq), value = line.substring(eq + 1);
            switch (key) {
                case "READY" -> ready |= value.equals("1");
                case "STOPPING" -> stopping |= value.equals("1");
                case "WATCHDOG" -> watchdog |= value.equals("1");
                case "STATUS" -> status = value.length() <= MAX_STATUS ? value : value.substring(0, MAX_STATUS);
                default -> { } // known to systemd or not: nothing for us to do
            }
        }
        return new Message(ready, stopping, watchdog, status, null);
    }

    /** Keys are upper-case letters, digits and underscores, as systemd requires. */
    private static boolean validKey(String line, int end) {
        for (int i = 0; i < end; i++) {
            char c = line.charAt(i);
            if (!(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_')) return false;
        }
        return true;
    }

    public static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 80) + "...";
    }
}
