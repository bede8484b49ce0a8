package kleinhirn.runtime.pool;

import kleinhirn.core.port.Entropy;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Semaphore;
import java.util.function.Consumer;
import kleinhirn.core.codec.EinhornWire;
import kleinhirn.core.pool.PoolEvent;
import kleinhirn.runtime.LineReader;
import kleinhirn.runtime.log.Throttle;

/**
 * einhorn's command socket, reduced to what workers use: {@code worker:ack} (and
 * {@code worker:ping}, answered with nothing). Like einhorn, the pid in an ack is trusted from
 * the payload; what protects it is the socket's unguessable name ({@link SecretListener}), known
 * only to the workers through EINHORN_SOCK_PATH. Each connection is read by
 * a virtual thread with a fixed line buffer; at most {@link #MAX_CONNECTIONS} at a time.
 */
public final class EinhornSocket implements AutoCloseable {
    static final int MAX_LINE = 4096, MAX_CONNECTIONS = 64;

    private final Consumer<PoolEvent> post;
    private final Throttle junk;
    private final Semaphore slots = new Semaphore(MAX_CONNECTIONS);
    private SecretListener listener;

    private EinhornSocket(Consumer<PoolEvent> post, Throttle junk) {
        this.post = post;
        this.junk = junk;
    }

    /** Where the einhorn socket will listen (see {@link SecretListener.Place}). */
    public static SecretListener.Place reserve(Entropy entropy) throws IOException {
        return SecretListener.Place.reserve("kleinhirn-einhorn-", entropy);
    }

    /** Listens at {@code place}; the socket owns the place from now on (its close removes it). */
    public static EinhornSocket start(SecretListener.Place place, Consumer<PoolEvent> post, Throttle junk)
            throws IOException {
        EinhornSocket s = new EinhornSocket(post, junk);
        s.listener = SecretListener.open(place, MAX_CONNECTIONS, "einhorn-accept", s::accepted,
                e -> junk.warn("einhorn", "einhorn accept failed", "error", e.toString()));
        return s;
    }

    public Path path() {
        return listener.path();
    }

    private void accepted(SocketChannel ch) {
        if (!slots.tryAcquire()) {
            junk.warn("einhorn", "too many einhorn connections; closing one", "limit", MAX_CONNECTIONS);
            SecretListener.closeQuietly(ch);
            return;
        }
        Thread.ofVirtual().name("einhorn-conn").start(() -> {
            try {
                serve(ch);
            } finally {
                SecretListener.closeQuietly(ch);
                slots.release();
            }
        });
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
            SecretListener.closeQuietly(ch);
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

    @Override
    public void close() {
        listener.close();
    }
}
