package kleinhirn.runtime.control;

import java.io.IOException;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import kleinhirn.core.codec.Sse;
import kleinhirn.runtime.log.Logger;

/**
 * A unix-socket SSE server for control clients; it knows nothing of what the state means.
 *
 * <p>Each client gets the current state on connect and then only the latest one (one slot per
 * client, latest wins): a slow or never-reading client skips states and never slows
 * {@link #publish} or other clients. Each event is written with one write call. A client that
 * half-closes its write side keeps receiving. Events a client sends go to the {@link Handler}.
 * Per client one virtual thread reads and one writes; the accept loop is a virtual thread too.
 */
public final class ControlServer implements AutoCloseable {
    /** Receives client events on the client's reader thread; must only post and return. */
    public interface Handler {
        void onEvent(Client client, String type, String data);
    }

    /** A connected peer; {@link #reply} queues one event for it alone (never coalesced). */
    public interface Client {
        long id();

        void reply(String type, String data);
    }

    /** Replies waiting per client; beyond this a misbehaving client loses replies, not memory. */
    private static final int MAX_REPLIES = 16;

    private final Path path;
    private final ServerSocketChannel server;
    private final Handler handler;
    private final Logger log;
    private final Set<Conn> conns = ConcurrentHashMap.newKeySet();
    private final AtomicLong ids = new AtomicLong();
    private volatile byte[] current; // the latest state event, null until the first publish
    private volatile boolean closed;

    private ControlServer(Path path, ServerSocketChannel server, Handler handler, Logger log) {
        this.path = path;
        this.server = server;
        this.handler = handler;
        this.log = log;
    }

    /**
     * Binds {@code path} with mode 0600 and starts accepting. A stale socket (connect refused) is
     * removed with a warning; if a live server answers there, this throws.
     */
    public static ControlServer bind(Path path, Handler handler, Logger log) throws IOException {
        if (Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            try (SocketChannel probe = SocketChannel.open(UnixDomainSocketAddress.of(path))) {
                throw new IOException("a live server answers on " + path);
            } catch (ConnectException refused) {
                log.warn("removing stale control socket", "path", path.toString());
                Files.delete(path);
            }
        }
        ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            // Without write permission nobody but root connects, so the window before chmod is safe.
            ch.bind(UnixDomainSocketAddress.of(path));
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
        } catch (IOException e) {
            ch.close();
            throw e;
        }
        ControlServer s = new ControlServer(path, ch, handler, log);
        Thread.ofVirtual().name("control-accept").start(s::acceptLoop);
        return s;
    }

    /** Makes {@code stateJson} the current state and hands it to every client's slot. */
    public void publish(String stateJson) {
        byte[] ev = Sse.encode("state", stateJson);
        current = ev;
        for (Conn c : conns) c.offerState(ev);
    }

    public int clients() { return conns.size(); }

    /** Closes every connection and removes the socket file. */
    @Override
    public void close() {
        closed = true;
        try { server.close(); } catch (IOException ignored) { /* closing anyway */ }
        for (Conn c : conns) c.close();
        try { Files.deleteIfExists(path); } catch (IOException e) { log.warn("cannot remove control socket", "path", path.toString(), "err", e.toString()); }
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                SocketChannel ch = server.accept();
                Conn c = new Conn(ids.incrementAndGet(), ch);
                conns.add(c);
                if (closed) { c.close(); return; }
                byte[] now = current;
                if (now != null) c.offerState(now);
                Thread.ofVirtual().name("control-w-" + c.id).start(c::writeLoop);
                Thread.ofVirtual().name("control-r-" + c.id).start(c::readLoop);
            } catch (IOException e) {
                if (closed) return;
                log.warn("control accept failed", "err", e.toString());
            }
        }
    }

    private final class Conn implements Client {
        final long id;
        final SocketChannel ch;
        private byte[] state;                        // guarded by this; latest wins
        private final java.util.ArrayDeque<byte[]> replies = new java.util.ArrayDeque<>();
        private boolean done;

        Conn(long id, SocketChannel ch) {
            this.id = id;
            this.ch = ch;
        }

        @Override public long id() { return id; }

        synchronized void offerState(byte[] ev) {
            state = ev;
            notifyAll();
        }

        @Override
        public synchronized void reply(String type, String data) {
            if (replies.size() < MAX_REPLIES) replies.add(Sse.encode(type, data));
            notifyAll();
        }

        private synchronized byte[] take() throws InterruptedException {
            while (!done && state == null && replies.isEmpty()) wait();
            if (done) return null;
            if (!replies.isEmpty()) return replies.poll();
            byte[] s = state;
            state = null;
            return s;
        }

        void writeLoop() {
            try {
                byte[] ev;
                while ((ev = take()) != null) {
                    ByteBuffer buf = ByteBuffer.wrap(ev);
                    while (buf.hasRemaining()) ch.write(buf); // one call unless the kernel takes part
                }
            } catch (IOException | InterruptedException e) {
                // the peer went away (EPIPE, reset) or we closed it
            } finally {
                close();
            }
        }

        void readLoop() {
            Sse.Decoder dec = new Sse.Decoder();
            ByteBuffer buf = ByteBuffer.allocate(4096);
            try {
                while (true) {
                    buf.clear();
                    int n = ch.read(buf);
                    if (n < 0) return; // half-closed: keep writing until the writer fails or we close
                    for (Sse.Event e : dec.feed(buf.array(), 0, n)) handler.onEvent(this, e.type(), e.data());
                }
            } catch (kleinhirn.core.codec.SseException e) {
                log.warn("closing control client: bad input", "client", id, "err", e.getMessage());
                close();
            } catch (IOException e) {
                close();
            }
        }

        void close() {
            synchronized (this) {
                done = true;
                notifyAll();
            }
            conns.remove(this);
            try { ch.close(); } catch (IOException ignored) { /* already closing */ }
        }
    }

}
