package kleinhirn.runtime.pool;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import kleinhirn.Await;
import kleinhirn.core.log.Level;
import kleinhirn.core.log.LogFormat;
import kleinhirn.core.pool.PoolEvent;
import kleinhirn.runtime.log.Logger;
import kleinhirn.runtime.log.Throttle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The refork socket against real unix sockets: who may become a loader channel, and junk. */
class ReforkSocketTest {
    static final Duration WAIT = Duration.ofSeconds(10);

    final List<PoolEvent> posted = new CopyOnWriteArrayList<>();
    final ByteArrayOutputStream logs = new ByteArrayOutputStream();
    final Logger log = new Logger(logs, LogFormat.LOGFMT, Level.DEBUG, Instant::now, List.of());
    final ReforkSocket socket;
    final List<SocketChannel> clients = new ArrayList<>();

    ReforkSocketTest() throws IOException {
        socket = ReforkSocket.open(posted::add, log, new Throttle(log), n -> { byte[] b = new byte[n]; new java.security.SecureRandom().nextBytes(b); return b; });
    }

    @AfterEach
    void close() throws IOException {
        for (SocketChannel c : clients) c.close();
        socket.close();
        assertFalse(Files.exists(socket.path().getParent()), "its directory is removed");
    }

    SocketChannel connect() throws IOException {
        SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX);
        clients.add(c);
        c.connect(UnixDomainSocketAddress.of(socket.path()));
        return c;
    }

    static void send(SocketChannel c, String text) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
        while (b.hasRemaining()) c.write(b);
    }

    /** Waits (with a deadline) until the peer closes: true at EOF (we were refused). */
    static boolean closedByPeer(SocketChannel c) throws IOException {
        c.configureBlocking(false);
        ByteBuffer b = ByteBuffer.allocate(64);
        return Await.value(WAIT, "the socket to close our connection", () -> {
            try {
                b.clear();
                return c.read(b) < 0 ? java.util.Optional.of(true) : java.util.Optional.empty();
            } catch (IOException e) {
                return java.util.Optional.of(true); // reset: closed as well
            }
        }, () -> "");
    }

    @Test
    void anExpectedNewLoaderBecomesTheGenerationsChannelAndItsReadyFollows() throws IOException {
        socket.expect(2, "w-1");
        SocketChannel c = connect();
        // Both lines at once: the channel must still see the second one.
        send(c, "{\"action\":\"reforked\",\"id\":\"w-1\",\"pid\":4242}\n{\"action\":\"ready\"}\n");
        Await.until(WAIT, "two events", () -> posted.size() == 2);
        assertEquals(List.of(new PoolEvent.LoaderReforked(2, "w-1", 4242), new PoolEvent.LoaderReady(2)), posted);
        LoaderChannel ch = socket.take(2);
        assertNotNull(ch);
        assertEquals(2, ch.generation());
        assertNull(socket.take(2), "taken once");
        assertTrue(ch.request(new kleinhirn.core.codec.LoaderMessage.Spawn("w-9")));
        ByteBuffer got = ByteBuffer.allocate(256);
        while (!new String(got.array(), 0, got.position(), StandardCharsets.UTF_8).endsWith("\n")) c.read(got);
        assertEquals("{\"op\":\"spawn\",\"id\":\"w-9\"}\n", new String(got.array(), 0, got.position(), StandardCharsets.UTF_8));
        ch.close();
    }

    @Test
    void aConnectionNobodyExpectsOrThatSaysSomethingElseIsClosedAndNothingIsPosted() throws IOException {
        socket.expect(2, "w-1");
        SocketChannel stranger = connect();
        send(stranger, "{\"action\":\"reforked\",\"id\":\"w-2\",\"pid\":4242}\n");
        assertTrue(closedByPeer(stranger));
        SocketChannel junk = connect();
        send(junk, "{\"action\":\"ready\"}\n");
        assertTrue(closedByPeer(junk));
        SocketChannel garbage = connect();
        send(garbage, "not json at all\n");
        assertTrue(closedByPeer(garbage));
        SocketChannel endless = connect();
        send(endless, "x".repeat(LoaderChannel.MAX_LINE + 10));
        assertTrue(closedByPeer(endless), "a first line is bounded");
        assertTrue(posted.isEmpty(), posted.toString());
        SocketChannel expected = connect();
        send(expected, "{\"action\":\"reforked\",\"id\":\"w-1\",\"pid\":4242}\n");
        Await.until(WAIT, "the expected loader still gets in", () -> posted.size() == 1);
    }

    @Test
    void silentConnectionsAreBoundedTheOldestIsClosed() throws IOException {
        SocketChannel first = connect();
        for (int i = 0; i < ReforkSocket.MAX_GREETING; i++) connect();
        assertTrue(closedByPeer(first));
    }
}
