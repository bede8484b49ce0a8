package kleinhirn.runtime.control;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import kleinhirn.Await;
import kleinhirn.core.codec.Sse;
import kleinhirn.core.log.Level;
import kleinhirn.core.log.LogFormat;
import kleinhirn.runtime.log.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@org.junit.jupiter.api.Timeout(30)
class ControlServerTest {
    @TempDir Path dir;
    Path sock;
    ControlServer server;
    final LinkedBlockingQueue<String> got = new LinkedBlockingQueue<>();
    final ByteArrayOutputStream logs = new ByteArrayOutputStream();
    final Logger log = new Logger(logs, LogFormat.LOGFMT, Level.DEBUG, Instant::now, List.of());
    final List<SocketChannel> opened = new ArrayList<>();

    @BeforeEach
    void start() throws IOException {
        sock = dir.resolve("control");
        server = ControlServer.bind(sock, (c, type, data) -> {
            got.add(type);
            if (type.equals("exit")) c.reply("error", "{\"error\":\"container is not down\"}");
        }, log);
    }

    @AfterEach
    void stop() throws IOException {
        server.close();
        for (SocketChannel c : opened) c.close();
    }

    SocketChannel connect() throws IOException {
        SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(sock));
        opened.add(c);
        return c;
    }

    /** Reads events until one satisfies the predicate, within 10 s. */
    static Sse.Event await(SocketChannel c, java.util.function.Predicate<Sse.Event> p) throws Exception {
        Sse.Decoder d = new Sse.Decoder();
        ByteBuffer buf = ByteBuffer.allocate(8192);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        c.configureBlocking(true);
        while (System.nanoTime() < deadline) {
            buf.clear();
            int n = c.read(buf);
            if (n < 0) throw new AssertionError("EOF");
            for (Sse.Event e : d.feed(buf.array(), 0, n)) if (p.test(e)) return e;
        }
        throw new AssertionError("timeout");
    }

    @Test
    void socketIsPrivateAndRemovedOnClose() throws Exception {
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(sock)));
        server.close();
        assertFalse(Files.exists(sock));
    }

    @Test
    void currentStateOnConnectThenLatest() throws Exception {
        server.publish("{\"n\":1}");
        SocketChannel c = connect();
        assertEquals("{\"n\":1}", await(c, e -> true).data());
        server.publish("{\"n\":2}");
        assertEquals(new Sse.Event("state", "{\"n\":2}"), await(c, e -> true));
    }

    @Test
    void commandsAreDispatchedAndErrorRepliesReachOnlyThatClient() throws Exception {
        server.publish("{}");
        SocketChannel c = connect();
        c.write(ByteBuffer.wrap("event:stop\r\n\r\n: hi\nevent: bogus\n\nevent: exit\ndata\n\n".getBytes(UTF_8)));
        assertEquals("stop", got.poll(10, TimeUnit.SECONDS));
        assertEquals("bogus", got.poll(10, TimeUnit.SECONDS));
        assertEquals("exit", got.poll(10, TimeUnit.SECONDS));
        assertEquals("{\"error\":\"container is not down\"}", await(c, e -> e.type().equals("error")).data());
    }

    @Test
    void halfClosedClientKeepsReceiving() throws Exception {
        server.publish("{\"n\":1}");
        SocketChannel c = connect();
        c.write(ByteBuffer.wrap("event: stop\n\n".getBytes(UTF_8)));
        c.shutdownOutput();
        assertEquals("stop", got.poll(10, TimeUnit.SECONDS));
        await(c, e -> e.data().equals("{\"n\":1}"));
        server.publish("{\"n\":2}");
        await(c, e -> e.data().equals("{\"n\":2}"));
    }

    @Test
    void aNeverReadingClientDoesNotSlowOthers() throws Exception {
        SocketChannel stuck = connect();
        SocketChannel good = connect();
        String big = "{\"pad\":\"" + "x".repeat(60_000) + "\",\"n\":";
        for (int i = 0; i < 2000; i++) server.publish(big + i + "}"); // far beyond any socket buffer
        server.publish("{\"n\":\"last\"}");
        assertEquals("{\"n\":\"last\"}", await(good, e -> e.data().equals("{\"n\":\"last\"}")).data());
        assertTrue(stuck.isOpen());
    }

    @Test
    void overlongLineClosesOnlyThatClient() throws Exception {
        server.publish("{}");
        SocketChannel bad = connect();
        SocketChannel ok = connect();
        bad.write(ByteBuffer.wrap(("data: " + "x".repeat(Sse.MAX_LINE + 10)).getBytes(UTF_8)));
        ByteBuffer buf = ByteBuffer.allocate(65536);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        int n = 0;
        while (n >= 0 && System.nanoTime() < deadline) { buf.clear(); n = bad.read(buf); }
        assertEquals(-1, n, "server closed the bad client");
        server.publish("{\"still\":1}");
        await(ok, e -> e.data().equals("{\"still\":1}"));
    }

    @Test
    void staleSocketIsReplacedLiveOneRefused() throws Exception {
        Path other = dir.resolve("other");
        ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        dead.bind(UnixDomainSocketAddress.of(other));
        dead.close(); // leaves the file behind, like a SIGKILLed supervisor
        assertTrue(Files.exists(other));
        try (ControlServer s2 = ControlServer.bind(other, (c, t, d) -> {}, log)) {
            assertTrue(logs.toString(UTF_8).contains("stale"));
            assertThrows(IOException.class, () -> ControlServer.bind(other, (c, t, d) -> {}, log));
        }
        assertThrows(IOException.class, () -> ControlServer.bind(sock, (c, t, d) -> {}, log));
    }

    @Test
    void closedClientsAreReleasedWithoutAnyNewState() throws Exception {
        server.publish("{\"n\":1}");
        for (int i = 0; i < 50; i++) {
            SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(sock));
            if (i % 2 == 0) await(c, e -> true);
            c.close();
        }
        SocketChannel half = connect();
        half.shutdownOutput();
        Await.until(Duration.ofSeconds(10), "only the half-closed client left", () -> server.clients() == 1);
        await(half, e -> e.data().equals("{\"n\":1}"));
        server.publish("{\"n\":2}");
        await(half, e -> e.data().equals("{\"n\":2}"));
        half.close();
        Await.until(Duration.ofSeconds(10), "no client left", () -> server.clients() == 0);
    }

    @Test
    void closeWithDrainDeliversTheLastState() throws Exception {
        SocketChannel c = connect();
        SocketChannel stuck = connect();
        server.publish("{\"n\":1}");
        await(c, e -> e.data().equals("{\"n\":1}"));
        var reader = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return await(c, e -> e.data().equals("{\"n\":\"last\"}")).data();
            } catch (Exception e) {
                return e.toString();
            }
        });
        String pad = "x".repeat(60_000);
        for (int i = 0; i < 100; i++) server.publish("{\"pad\":\"" + pad + "\"}"); // fills stuck's buffer
        server.publish("{\"n\":\"last\"}");
        server.close(2_000); // the stuck client costs the whole bound
        assertEquals("{\"n\":\"last\"}", reader.get(10, TimeUnit.SECONDS));
        assertFalse(Files.exists(sock));
        assertEquals(0, server.clients());
    }
}
