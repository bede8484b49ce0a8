package kleinhirn.runtime.pool;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import kleinhirn.core.port.SocketPairs;
import java.util.function.Consumer;
import kleinhirn.core.ExitStatus;
import kleinhirn.core.codec.LoaderMessage;
import kleinhirn.core.codec.LoaderWire;
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

    private final ByteChannel ch;
    private final int generation;
    private final LinkedBlockingQueue<ByteBuffer> outbox = new LinkedBlockingQueue<>(4096);
    /**
     * Requests queued and not yet fully written. When none is, the loop writes a request itself,
     * without blocking (a plain socketpair only), which saves the hop to the writer thread on a
     * replacement's critical path; what the socket does not take at once goes to the writer.
     * Order holds because only the loop thread requests, and writes only while nothing is pending.
     */
    private final AtomicInteger pending = new AtomicInteger();
    private final SocketPairs.Stream direct;
    private volatile Thread writer;

    /** Package-private for the wire fuzz test, which drives {@link #dispatch} without a socket. */
    LoaderChannel(ByteChannel ch, int generation) {
        this.ch = ch;
        this.generation = generation;
        this.direct = ch instanceof SocketPairs.Stream st ? st : null;
    }

    public static LoaderChannel start(ByteChannel ch, int generation, Consumer<PoolEvent> post, Logger log, Throttle junk) {
        return start(ch, generation, post, log, junk, c -> { });
    }

    /** The same, handing the channel to {@code registered} before anything is read from it. */
    public static LoaderChannel start(ByteChannel ch, int generation, Consumer<PoolEvent> post, Logger log, Throttle junk,
                                      Consumer<LoaderChannel> registered) {
        LoaderChannel c = new LoaderChannel(ch, generation);
        registered.accept(c);
        // Platform threads: the first loader's channel is a plain fd (blocking native calls would
        // pin a virtual thread's carrier), and a preloaded start then needs no virtual-thread
        // scheduler before its loader runs. Two threads per loader generation.
        Thread.ofPlatform().daemon().name("loader-read-" + generation).start(() -> c.read(post, log, junk));
        c.writer = Thread.ofPlatform().daemon().name("loader-write-" + generation).start(c::write);
        return c;
    }

    public int generation() {
        return generation;
    }

    public boolean isOpen() {
        return ch.isOpen();
    }

    /**
     * Sends or queues a request (spawn, spare); false if the channel is closed or hopelessly
     * backed up. Called by the loop thread only.
     */
    public boolean request(LoaderMessage.Request request) {
        if (!ch.isOpen()) return false;
        ByteBuffer b = ByteBuffer.wrap((LoaderWire.encode(request) + "\n").getBytes(StandardCharsets.UTF_8));
        if (direct != null && pending.get() == 0) {
            try {
                direct.writeNow(b);
            } catch (IOException e) {
                return false; // the loader is gone; its death is seen by reaping it
            }
            if (!b.hasRemaining()) return true;
        }
        pending.incrementAndGet();
        if (outbox.offer(b)) return true;
        pending.decrementAndGet();
        return false;
    }

    private void write() {
        try {
            while (ch.isOpen()) {
                ByteBuffer b = outbox.take();
                while (b.hasRemaining()) ch.write(b);
                pending.decrementAndGet();
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
        } catch (RuntimeException e) {
            // One loader's socket failing is not the supervisor's failure: the channel closes as
            // at EOF, and the loader's fate is still decided by reaping it.
            log.error("loader socket reader failed; closing it", "generation", generation, "err", e.toString());
        } finally {
            close();
        }
    }

    /** Handles one message; returns null, or why it was ignored. */
    String dispatch(String line, Consumer<PoolEvent> post, Logger log) {
        LoaderMessage.Report report;
        try {
            report = LoaderWire.decodeReport(line);
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
        switch (report) {
            case LoaderMessage.Loading(String file) -> log.debug("loader loading", "file", file, "generation", generation);
            case LoaderMessage.Ready r -> post.accept(new PoolEvent.LoaderReady(generation));
            case LoaderMessage.Launched(String id, int pid) -> post.accept(new PoolEvent.Launched(id, pid));
            case LoaderMessage.Failed(String id, String message) -> post.accept(new PoolEvent.SpawnFailed(id, "loader: " + message));
            case LoaderMessage.Ack(String id) -> post.accept(new PoolEvent.Acked(id, "loader_socket"));
            case LoaderMessage.Relayed r -> log.log(relayed(r));
            case LoaderMessage.CommandError(String message, String error) -> log.warn("the loader reported an error",
                    "message", message, "error", error, "generation", generation);
            case LoaderMessage.Reforked(String id, int pid) -> {
                // Only the first line of a connection to the refork socket (ReforkSocket) says it.
                return "reforked on a loader socket";
            }
            case LoaderMessage.Exited(String id, int pid, ExitStatus status) -> post.accept(new PoolEvent.ExitReported(id, pid, status));
        }
        return null;
    }

    /** A relayed log line as our own record, tagged preloader (fields typed by the codec). */
    static Log relayed(LoaderMessage.Relayed r) {
        List<Object> kv = new ArrayList<>();
        r.fields().forEach((k, v) -> {
            kv.add(k);
            kv.add(v);
        });
        Level level = switch (r.level()) {
            case DEBUG -> Level.DEBUG;
            case INFO -> Level.INFO;
            case WARNING -> Level.WARNING;
        };
        return new Log(level, r.msg(), "preloader", kv);
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
