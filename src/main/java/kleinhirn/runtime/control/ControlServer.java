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
 *
 * <p>Reading end-of-stream cannot tell a half-close from a full close, and without state changes
 * nothing would ever be written to notice the difference, so a closed client would keep its fd
 * until the next state. Hence, once its input ended, a client gets an SSE comment line
 * ({@code :}, ignored by every SSE reader) every {@link #PROBE_MILLIS}: a write to a fully
 * closed unix socket fails with EPIPE at once, and the connection is released.
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

    /** How often a client whose input ended is probed for a full close. */
    static final long PROBE_MILLIS = 1000;
    private static final byte[] PROBE = {':', '\n'};

    private final Path path;
    private final ServerSocketChannel server;
    private final Handler handler;
    private final Logger log;
    private final Set<Conn> conns = ConcurrentHashMap.newKeySet();
    /** Connected clients at most; more are closed at once (the socket is 0600, this is a bound). */
    public static final int MAX_CLIENTS = 1024;
    private long refused;
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

    /** Open client connections (a gauge for metrics). */
    public int clients() { return conns.size(); }

    /** Closes every connection at once and removes the socket file. */
    @Override
    public void close() {
        close(0);
    }

    /**
     * Stops accepting, then gives every client up to {@code drainMillis} in total to receive what
     * is queued for it (the last state), then closes every connection and removes the socket file.
     * A client that does not read costs at most that bound.
     */
    public void close(long drainMillis) {
        closed = true;
        try { server.close(); } catch (IOException ignored) { /* closing anyway */ }
        long deadline = System.nanoTime() + drainMillis * 1_000_000;
        try {
            for (Conn c : conns) c.awaitFlushed(deadline);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Conn c : conns) c.close();
        try { Files.deleteIfExists(path); } catch (IOException e) { log.warn("cannot remove control socket", "path", path.toString(), "err", e.toString()); }
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                SocketChannel ch = server.accept();
                if (conns.size() >= MAX_CLIENTS) {
                    // Bounded: every client costs two virtual threads and a socket.
                    ch.close();
                    if (refused++ % 1000 == 0) log.warn("control client refused: too many clients", "max", MAX_CLIENTS);
                    continue;
                }
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
                try {
                    Thread.sleep(100); // e.g. EMFILE: do not spin, and do not flood the log
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    private final class Conn implements Client {
        final long id;
        final SocketChannel ch;
        private byte[] state;                        // guarded by this; latest wins
        private final java.util.ArrayDeque<byte[]> replies = new java.util.ArrayDeque<>();
        private boolean done;
        private boolean writing;                     // an event was taken and is being written
        private boolean inputEnded;                  // read saw end-of-stream: probe for a full close
        private boolean probed;                      // the first probe after end-of-stream was sent

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
            writing = false;
            notifyAll();
            while (!done && state == null && replies.isEmpty()) {
                if (!inputEnded) {
                    wait();
                    continue;
                }
                if (!probed) {
                    // At once first: on a unix socket a write to a fully closed peer fails
                    // with EPIPE immediately, so closed clients are released without delay.
                    probed = true;
                    return PROBE;
                }
                wait(PROBE_MILLIS);
                if (!done && state == null && replies.isEmpty()) return PROBE;
            }
            if (done) return null;
            writing = true;
            if (!replies.isEmpty()) return replies.poll();
            byte[] s = state;
            state = null;
            return s;
        }

        synchronized void inputEnded() {
            inputEnded = true;
            notifyAll();
        }

        /** Until nothing is queued or being written for this client, or the deadline passes. */
        synchronized void awaitFlushed(long deadlineNanos) throws InterruptedException {
            while (!done && (state != null || !replies.isEmpty() || writing)) {
                long left = deadlineNanos - System.nanoTime();
                if (left <= 0) return;
                wait(Math.max(1, left / 1_000_000));
            }
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
            } catch (RuntimeException e) {
                log.error("control client writer failed; closing the client", "client", id, "err", e.toString());
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
                    if (n < 0) { // maybe only half-closed: keep writing until the writer fails or we close
                        inputEnded();
                        return;
                    }
                    for (Sse.Event e : dec.feed(buf.array(), 0, n)) handler.onEvent(this, e.type(), e.data());
                }
            } catch (kleinhirn.core.codec.SseException e) {
                log.warn("closing control client: bad input", "client", id, "err", e.getMessage());
                close();
            } catch (IOException e) {
                close();
            } catch (RuntimeException e) {
                // One client's failure is not the supervisor's: that client goes, nothing else.
                log.error("control client reader failed; closing the client", "client", id, "err", e.toString());
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
