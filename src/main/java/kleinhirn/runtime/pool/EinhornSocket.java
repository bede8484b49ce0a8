package kleinhirn.runtime.pool;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.concurrent.Semaphore;
import java.util.function.Consumer;
import kleinhirn.core.codec.EinhornWire;
import kleinhirn.core.pool.PoolEvent;
import kleinhirn.runtime.LineReader;
import kleinhirn.runtime.log.Throttle;

/**
 * einhorn's command socket, reduced to what workers use: {@code worker:ack} (and
 * {@code worker:ping}, answered with nothing). Like einhorn, the pid in an ack is trusted from
 * the payload; what protects it is the socket's unguessable name in a directory only our user can
 * list (0711), known only to the workers through EINHORN_SOCK_PATH. Each connection is read by
 * a virtual thread with a fixed line buffer; at most {@link #MAX_CONNECTIONS} at a time.
 */
public final class EinhornSocket implements AutoCloseable {
    static final int MAX_LINE = 4096, MAX_CONNECTIONS = 64;

    private final Place place;
    private final ServerSocketChannel server;
    private final Consumer<PoolEvent> post;
    private final Throttle junk;
    private final Semaphore slots = new Semaphore(MAX_CONNECTIONS);

    private EinhornSocket(Place place, ServerSocketChannel server, Consumer<PoolEvent> post, Throttle junk) {
        this.place = place;
        this.server = server;
        this.post = post;
        this.junk = junk;
    }

    /**
     * Where the socket will listen: a fresh 0711 directory and an unguessable name in it. Made
     * before the socket listens, so a preloading loader can be told the path while we still set
     * up; closing it removes the directory again (when {@link #start} never ran).
     */
    public record Place(Path dir, Path path) implements AutoCloseable {
        public static Place reserve() throws IOException {
            Path dir = Files.createTempDirectory("kleinhirn-einhorn-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx--x--x")));
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x")); // umask-proof
            byte[] r = new byte[16];
            new SecureRandom().nextBytes(r);
            return new Place(dir, dir.resolve(HexFormat.of().formatHex(r) + ".sock"));
        }

        @Override
        public void close() {
            try {
                Files.deleteIfExists(path);
                Files.deleteIfExists(dir);
            } catch (IOException ignored) {
                // a leftover temp dir is harmless
            }
        }
    }

    /** Listens at {@code place}; the socket owns the place from now on (its close removes it). */
    public static EinhornSocket start(Place place, Consumer<PoolEvent> post, Throttle junk) throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            server.bind(UnixDomainSocketAddress.of(place.path()), 64);
            // Workers that dropped privileges must be able to connect; the name is the secret.
            Files.setPosixFilePermissions(place.path(), PosixFilePermissions.fromString("rw-rw-rw-"));
        } catch (IOException e) {
            server.close();
            throw e;
        }
        EinhornSocket s = new EinhornSocket(place, server, post, junk);
        Thread.ofVirtual().name("einhorn-accept").start(s::accept);
        return s;
    }

    public Path path() {
        return place.path();
    }

    private void accept() {
        while (server.isOpen()) {
            SocketChannel ch;
            try {
                ch = server.accept();
            } catch (IOException e) {
                if (!server.isOpen()) return; // closed by us
                // e.g. EMFILE: acks over einhorn must not stop for good; do not spin either
                junk.warn("einhorn", "einhorn accept failed", "error", e.toString());
                try {
                    Thread.sleep(100);
                } catch (InterruptedException ie) {
                    return;
                }
                continue;
            }
            if (!slots.tryAcquire()) {
                junk.warn("einhorn", "too many einhorn connections; closing one", "limit", MAX_CONNECTIONS);
                closeQuietly(ch);
                continue;
            }
            Thread.ofVirtual().name("einhorn-conn").start(() -> {
                try {
                    serve(ch);
                } finally {
                    closeQuietly(ch);
                    slots.release();
                }
            });
        }
    }

    private void serve(SocketChannel ch) {
        try {
            new LineReader(ch, MAX_LINE).run(new LineReader.Sink() {
                @Override
                public void line(String line) {
                    if (!line.isBlank()) handle(ch, line);
                }

                @Override
                public void junk(String why) {
                    junk.warn("einhorn", "ignored input on the einhorn socket", "reason", why);
                }
            });
        } catch (IOException e) {
            // closed by us after an ack, or by the peer
        } catch (RuntimeException e) {
            // One connection's failure is not the supervisor's: it is closed by our caller.
            junk.warn("einhorn", "einhorn connection failed", "error", e.toString());
        }
    }

    private void handle(SocketChannel ch, String line) {
        EinhornWire.Request req;
        try {
            req = EinhornWire.parse(line);
        } catch (IllegalArgumentException e) {
            junk.warn("einhorn", "ignored a line on the einhorn socket", "reason", e.getMessage(),
                    "line", abbreviate(line));
            write(ch, EinhornWire.reply(null, "kleinhirn: cannot parse request: " + e.getMessage()));
            return;
        }
        String command = req.command();
        if ("worker:ack".equals(command)) {
            int pid = req.pid();
            if (pid > 0) post.accept(new PoolEvent.AckedByPid(pid, "einhorn"));
            else junk.warn("einhorn", "ignored a worker:ack without a valid pid", "line", abbreviate(line));
            // einhorn closes the connection after an ack, without a reply; clients expect that.
            closeQuietly(ch);
            return;
        }
        if ("worker:ping".equals(command)) {
            write(ch, EinhornWire.reply(req, "pong"));
            return;
        }
        junk.warn("einhorn", "unsupported einhorn command", "command", String.valueOf(command));
        write(ch, EinhornWire.reply(req, "kleinhirn supports only worker:ack and worker:ping, not "
                + (command == null ? "a request without command" : command)));
    }

    private static void write(SocketChannel ch, String reply) {
        try {
            ByteBuffer b = ByteBuffer.wrap(reply.getBytes(StandardCharsets.UTF_8));
            while (b.hasRemaining()) ch.write(b);
        } catch (IOException e) {
            // the peer left; nothing to tell it
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "...";
    }

    private static void closeQuietly(SocketChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException ignored) {
            // on the way out
        }
        place.close();
    }
}
