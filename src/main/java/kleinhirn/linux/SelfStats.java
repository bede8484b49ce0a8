package kleinhirn.linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** What /proc says about this process: resident memory and the TCP connections it serves. */
public final class SelfStats {
    private SelfStats() {}

    /** VmRSS of /proc/self/status in bytes, or -1 if it cannot be read. */
    public static long rssBytes() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (l.startsWith("VmRSS:")) {
                    String[] f = l.substring(6).trim().split("\\s+");
                    return Long.parseLong(f[0]) * 1024; // the kernel always reports kB
                }
            }
        } catch (IOException | RuntimeException e) {
            // no /proc: the metric is left out
        }
        return -1;
    }

    /**
     * Connections whose local port is {@code port} (our listener's; no one else can hold it)
     * and that still have a socket on our side: ESTABLISHED, SYN_RECV (not yet accepted) and
     * CLOSE_WAIT (the peer left, we have not closed yet: a leak would show here).
     * TIME_WAIT and the other closing states have no fd any more and are not counted. Reads
     * /proc/net/tcp and tcp6 of our network namespace.
     */
    public static int tcpConnections(int port) {
        int n = 0;
        for (String file : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            try {
                String table = Files.readString(Path.of(file));
                // Scanned by hand, not split by a regex: a namespace can hold tens of thousands of
                // sockets (TIME_WAIT included), and a scrape must stay cheap (25k lines: 254 ms with
                // split("\\s+")).
                for (int at = table.indexOf('\n') + 1, eol; at > 0 && at < table.length(); at = eol + 1) {
                    eol = table.indexOf('\n', at);
                    if (eol < 0) eol = table.length();
                    if (countsAsOpen(table, at, eol, port)) n++;
                }
            } catch (IOException | RuntimeException e) {
                // no IPv6, or no /proc: count what we can
            }
        }
        return n;
    }

    /** One line "sl: LOCAL:PORT REMOTE:PORT ST ...": our port, and a state that still holds a socket. */
    static boolean countsAsOpen(String t, int from, int to, int port) {
        int local = skipSpaces(t, t.indexOf(':', from) + 1, to);
        int localEnd = t.indexOf(' ', local);
        if (local <= 0 || localEnd < 0 || localEnd > to) return false;
        int colon = t.lastIndexOf(':', localEnd);
        if (colon < local || Integer.parseInt(t, colon + 1, localEnd, 16) != port) return false;
        int remoteEnd = t.indexOf(' ', skipSpaces(t, localEnd, to));
        int st = skipSpaces(t, remoteEnd, to);
        if (remoteEnd < 0 || st + 2 > to) return false;
        return switch (t.substring(st, st + 2)) {
            case "01", "03", "08" -> true; // ESTABLISHED, SYN_RECV, CLOSE_WAIT
            default -> false; // LISTEN, TIME_WAIT, FIN_WAIT*, LAST_ACK, CLOSING: no socket of ours
        };
    }

    private static int skipSpaces(String t, int i, int to) {
        while (i >= 0 && i < to && t.charAt(i) == ' ') i++;
        return i;
    }

}
