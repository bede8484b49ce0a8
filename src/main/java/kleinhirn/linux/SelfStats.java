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
                for (String l : Files.readAllLines(Path.of(file))) {
                    String[] f = l.trim().split("\\s+");
                    if (f.length < 4 || !f[0].endsWith(":")) continue; // the header
                    int colon = f[1].lastIndexOf(':');
                    if (colon < 0 || Integer.parseInt(f[1].substring(colon + 1), 16) != port) continue;
                    switch (f[3]) {
                        case "01", "03", "08" -> n++;
                        default -> { /* LISTEN, TIME_WAIT, FIN_WAIT*, LAST_ACK, CLOSING: no socket of ours */ }
                    }
                }
            } catch (IOException | RuntimeException e) {
                // no IPv6, or no /proc: count what we can
            }
        }
        return n;
    }
}
