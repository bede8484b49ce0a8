package kleinhirn.linux;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import kleinhirn.core.port.ErrnoException;
import org.junit.jupiter.api.Test;

/** Against the real kernel: credentials, truncation, and the close() wake-up. */
class NotifySocketTest {
    static String name() {
        return "@kleinhirn-unit-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
    }

    @Test
    void receivesWithTheSendersPidAndFlagsOversizedDatagrams() throws Exception {
        try (NotifySocket s = NotifySocket.bind(name())) {
            byte[] buf = new byte[NotifySocket.MAX_DATAGRAM];
            NotifySocket.send(s.address(), "READY=1\nSTATUS=hi");
            NotifySocket.Datagram d = s.receive(buf);
            assertEquals("READY=1\nSTATUS=hi", new String(buf, 0, d.length(), StandardCharsets.UTF_8));
            assertEquals(ProcessHandle.current().pid(), d.pid());
            assertFalse(d.truncated());
            assertEquals(0, d.fds());
            NotifySocket.send(s.address(), "x".repeat(NotifySocket.MAX_DATAGRAM + 1));
            d = s.receive(buf);
            assertTrue(d.truncated());
            assertEquals(NotifySocket.MAX_DATAGRAM, d.length());
        }
    }

    @Test
    void closeWakesTheReceiver() throws Exception {
        NotifySocket s = NotifySocket.bind(name());
        NotifySocket.Datagram[] out = {new NotifySocket.Datagram(-1, 0, 0, false, 0)};
        Thread t = Thread.ofPlatform().start(() -> {
            try {
                out[0] = s.receive(new byte[NotifySocket.MAX_DATAGRAM]);
            } catch (ErrnoException e) {
                throw new AssertionError(e);
            }
        });
        while (t.getState() != Thread.State.RUNNABLE && t.isAlive()) Thread.onSpinWait();
        s.close();
        t.join(10_000);
        assertFalse(t.isAlive());
        assertNull(out[0]);
    }

    @Test
    void sendingToNobodyFails() {
        assertThrows(ErrnoException.class, () -> NotifySocket.send(name(), "READY=1"));
    }
}
