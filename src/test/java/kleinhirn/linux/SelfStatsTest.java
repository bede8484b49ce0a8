package kleinhirn.linux;

import static org.junit.jupiter.api.Assertions.*;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import org.junit.jupiter.api.Test;

/** The health endpoint's connection gauge: /proc/net/tcp lines, and a real connection. */
class SelfStatsTest {
    static boolean counts(String line, int port) {
        return SelfStats.countsAsOpen(line, 0, line.length(), port);
    }

    @Test
    void aLineCountsForOurPortInAStateThatHoldsASocket() {
        String est = "   3: 0100007F:0BB8 0100007F:D2F0 01 00000000:00000000 00:00000000 00000000     0        0 1 1";
        assertTrue(counts(est, 3000));
        assertFalse(counts(est, 3001), "another port");
        assertFalse(counts(est.replace(" 01 ", " 06 "), 3000), "TIME_WAIT holds no socket of ours");
        assertFalse(counts(est.replace(" 01 ", " 0A "), 3000), "the listener itself");
        assertTrue(counts(est.replace(" 01 ", " 08 "), 3000), "CLOSE_WAIT: a leak would show");
        String v6 = "  12: 00000000000000000000000001000000:0BB8 00000000000000000000000001000000:A1B2 03 00000000:00000000 00:00000000 00000000 0 0 1 1";
        assertTrue(counts(v6, 3000), "tcp6 and SYN_RECV");
        assertFalse(counts("garbage", 3000));
        assertFalse(counts("  1: 0100007F", 3000));
    }

    @Test
    void anAcceptedConnectionIsCountedOnceAndTheListenerNot() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            int port = server.getLocalPort();
            assertEquals(0, SelfStats.tcpConnections(port));
            try (Socket client = new Socket(InetAddress.getLoopbackAddress(), port); Socket accepted = server.accept()) {
                assertEquals(1, SelfStats.tcpConnections(port));
            }
        }
    }
}
