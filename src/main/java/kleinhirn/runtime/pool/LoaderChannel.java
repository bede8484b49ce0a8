package kleinhirn.runtime.pool;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;
import kleinhirn.core.codec.Json;
import kleinhirn.core.codec.JsonException;
import kleinhirn.core.log.Level;
import kleinhirn.core.log.Log;
import kleinhirn.core.pool.PoolEvent;
import kleinhirn.runtime.LineReader;
import kleinhirn.runtime.log.Logger;
import kleinhirn.runtime.log.Throttle;

/**
 * Our end of one loader generation's socket (the kleinhirn_loader wire protocol, JSON lines).
 * A virtual thread reads: {@code ready}, {@code launched}, {@code failed} and {@code ack} become
 * events; {@code log} lines are re-emitted with tag=preloader; junk is logged (rate-limited)
 * and ignored. Spawn requests are queued and written by a second virtual thread, so a loader
 * that stops reading can never block the supervisor's loop.
 *
 * <p>The channel outlives its loader: workers forked from it still ack on it, so it is read
 * until every holder has closed it (EOF) or {@link #close()} is called.
 */
public final class LoaderChannel implements AutoCloseable {
    static final int MAX_LINE = 64 * 1024;

    private final SocketChannel ch;
    private final int generation;
    private final LinkedBlockingQueue<String> outbox = new LinkedBlockingQueue<>(4096);
    private volatile Thread writer;

    /** Package-private for the wire fuzz test, which drives {@link #dispatch} without a socket. */
    LoaderChannel(SocketChannel ch, int generation) {
        this.ch = ch;
        this.generation = generation;
    }

    public static LoaderChannel start(SocketChannel ch, int generation, Consumer<PoolEvent> post, Logger log, Throttle junk) {
        LoaderChannel c = new LoaderChannel(ch, generation);
        Thread.ofVirtual().name("loader-read-" + generation).start(() -> c.read(post, log, junk));
        c.writer = Thread.ofVirtual().name("loader-write-" + generation).start(c::write);
        return c;
    }

    public int generation() {
        return generation;
    }

    /** Queues {"op":"spawn","id":...}; false if the channel is closed or hopelessly backed up. */
    public boolean requestSpawn(String id) {
        return ch.isOpen() && outbox.offer("{\"op\":\"spawn\",\"id\":" + Json.quote(id) + "}\n");
    }

    private void write() {
        try {
            while (ch.isOpen()) {
                ByteBuffer b = ByteBuffer.wrap(outbox.take().getBytes(StandardCharsets.UTF_8));
                while (b.hasRemaining()) ch.write(b);
            }
        } catch (IOException | InterruptedException e) {
            // the loader is gone; its death is seen by reaping it
        }
    }

    private void read(Consumer<PoolEvent> post, Logger log, Throttle junk) {
        String source = "loader_socket";
        try {
            new LineReader(ch, MAX_LINE).run(new LineReader.Sink() {
                @Override
                public void line(String line) {
                    if (line.isBlank()) return;
                    String why = dispatch(line, post, log);
                    if (why != null) {
                        junk.warn(source, "ignored a line from the loader", "generation", generation, "reason", why,
                                "line", AckChannel.abbreviate(line));
                    }
                }

                @Override
                public void junk(String why) {
                    junk.warn(source, "ignored input from the loader", "generation", generation, "reason", why);
                }
            });
        } catch (IOException e) {
            // closed
        } finally {
            close();
        }
    }

    /** Handles one message; returns null, or why it was ignored. */
    String dispatch(String line, Consumer<PoolEvent> post, Logger log) {
        Map<String, Object> m;
        try {
            m = Json.parseObject(line);
        } catch (JsonException e) {
            return "not JSON: " + e.getMessage();
        }
        String action = m.get("action") instanceof String a ? a : null;
        switch (action) {
            case "loading" -> log.debug("loader loading", "file", String.valueOf(m.get("file")), "generation", generation);
            case "ready" -> post.accept(new PoolEvent.LoaderReady(generation));
            case "launched" -> {
                if (!(m.get("id") instanceof String id) || !(m.get("pid") instanceof Long pid) || pid <= 0 || pid > Integer.MAX_VALUE) {
                    return "launched without a string id and a positive pid";
                }
                post.accept(new PoolEvent.Launched(id, pid.intValue()));
            }
            case "failed" -> {
                if (!(m.get("id") instanceof String id)) return "failed without an id";
                post.accept(new PoolEvent.SpawnFailed(id, "loader: " + m.get("message")));
            }
            case "ack" -> {
                if (!(m.get("id") instanceof String id)) return "ack without an id";
                post.accept(new PoolEvent.Acked(id, "loader_socket"));
            }
            case "log" -> log.log(relayed(m));
            case "error" -> log.warn("the loader reported an error", "message", String.valueOf(m.get("message")),
                    "error", m.get("error") == null ? null : String.valueOf(m.get("error")), "generation", generation);
            case null, default -> {
                return "unknown action " + Json.write(m.get("action"));
            }
        }
        return null;
    }

    /** A {"action":"log"} line as our own record: level warning|info|debug, msg, the other keys as fields. */
    static Log relayed(Map<String, Object> m) {
        Level level = switch (m.get("level") instanceof String l ? l : "info") {
            case "debug" -> Level.DEBUG;
            case "warning" -> Level.WARNING;
            default -> Level.INFO;
        };
        List<Object> kv = new ArrayList<>();
        for (var e : m.entrySet()) {
            String k = e.getKey();
            if (k.equals("action") || k.equals("level") || k.equals("msg")) continue;
            if (kv.size() >= 64) break; // bounded: a hostile line cannot make a huge record
            kv.add(k);
            kv.add(e.getValue() == null ? null : String.valueOf(e.getValue()));
        }
        return new Log(level, String.valueOf(m.getOrDefault("msg", "")), "preloader", kv);
    }

    @Override
    public void close() {
        Thread w = writer;
        if (w != null) w.interrupt(); // it may be parked on an empty outbox
        try {
            ch.close();
        } catch (IOException ignored) {
            // already closed
        }
    }
}
