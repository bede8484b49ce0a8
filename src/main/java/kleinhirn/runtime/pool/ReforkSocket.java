package kleinhirn.runtime.pool;

import kleinhirn.core.port.Entropy;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.function.Consumer;
import kleinhirn.core.codec.LoaderMessage;
import kleinhirn.core.codec.LoaderWire;
import kleinhirn.core.pool.PoolEvent;
import kleinhirn.runtime.log.Logger;
import kleinhirn.runtime.log.Throttle;

/**
 * The socket new loaders made by a refork connect to ({@code --refork-socket}); its name is a
 * secret ({@link SecretListener}), so a worker that dropped privileges can still reach it. A
 * connection's first line must be {@code reforked} naming a worker the loop told to refork
 * ({@link #expect}); it then becomes that generation's {@link LoaderChannel} (the rest of
 * the loader protocol: {@code ready}, spawn requests, acks of its workers) and the loop hears
 * {@link PoolEvent.LoaderReforked}. Anything else is logged and the connection closed: a loader
 * that loses its connection exits. Connections still to say their first line are bounded; the
 * oldest is closed to make room, so a silent client cannot pile up threads.
 */
public final class ReforkSocket implements AutoCloseable {
    static final int MAX_GREETING = 4;

    private final Consumer<PoolEvent> post;
    private final Logger log;
    private final Throttle junk;
    /** Worker id -> the generation its new loader will be; written by the loop, claimed by readers. */
    private final Map<String, Integer> expected = new ConcurrentHashMap<>();
    /** Channels of new loaders the loop has not taken yet ({@link #take}). */
    private final Map<Integer, LoaderChannel> channels = new ConcurrentHashMap<>();
    private final ConcurrentLinkedDeque<SocketChannel> greeting = new ConcurrentLinkedDeque<>();
    private SecretListener listener;

    private ReforkSocket(Consumer<PoolEvent> post, Logger log, Throttle junk) {
        this.post = post;
        this.log = log;
        this.junk = junk;
    }

    public static ReforkSocket open(Consumer<PoolEvent> post, Logger log, Throttle junk, Entropy entropy) throws IOException {
        ReforkSocket s = new ReforkSocket(post, log, junk);
        s.listener = SecretListener.open("kleinhirn-refork-", entropy, 16, "refork-accept", s::accepted,
                e -> junk.warn("refork_socket", "refork socket accept failed", "error", e.toString()));
        return s;
    }

    public Path path() {
        return listener.path();
    }

    /** Loop thread, before the worker is signalled: its new loader will be {@code generation}. */
    public void expect(int generation, String workerId) {
        expected.put(workerId, generation);
        // Channels never taken belong to new loaders the loop stopped; they are closed by now.
        channels.values().removeIf(c -> !c.isOpen());
    }

    /** Loop thread: the channel of the new loader of {@code generation}, or null if there is none. */
    public LoaderChannel take(int generation) {
        return channels.remove(generation);
    }

    private void accepted(SocketChannel ch) {
        greeting.add(ch);
        while (greeting.size() > MAX_GREETING) {
            SocketChannel oldest = greeting.pollFirst();
            if (oldest != null) SecretListener.closeQuietly(oldest);
        }
        Thread.ofVirtual().name("refork-greeting").start(() -> greet(ch));
    }

    private void greet(SocketChannel ch) {
        String why;
        try {
            why = admit(ch);
        } catch (IOException e) {
            why = "closed before its first line";
        } finally {
            greeting.remove(ch);
        }
        if (why != null) {
            junk.warn("refork_socket", "refused a connection on the refork socket", "reason", why);
            SecretListener.closeQuietly(ch);
        }
    }

    /** Null once the connection is a loader channel, else why it is refused. */
    private String admit(SocketChannel ch) throws IOException {
        String line = firstLine(ch);
        if (line == null) return "no complete first line";
        LoaderMessage.Report report;
        try {
            report = LoaderWire.decodeReport(line);
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
        if (!(report instanceof LoaderMessage.Reforked(String workerId, int pid))) return "first line is not reforked";
        Integer generation = expected.remove(workerId);
        if (generation == null) return "no refork of worker " + workerId + " is in flight";
        post.accept(new PoolEvent.LoaderReforked(generation, workerId, pid));
        // Registered before it reads: its ready (and so the loop's UseLoader) comes after this.
        LoaderChannel.start(ch, generation, post, log, junk, c -> channels.put(generation, c));
        return null;
    }

    /**
     * The first line, read a byte at a time so that nothing after it is consumed (the loader
     * channel reads the rest); null at EOF or past {@link LoaderChannel#MAX_LINE}.
     */
    private static String firstLine(SocketChannel ch) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(128);
        ByteBuffer one = ByteBuffer.allocate(1);
        while (line.size() < LoaderChannel.MAX_LINE) {
            one.clear();
            if (ch.read(one) < 0) return null;
            byte b = one.get(0);
            if (b == '\n') return line.toString(StandardCharsets.UTF_8);
            line.write(b);
        }
        return null;
    }

    @Override
    public void close() {
        listener.close();
        greeting.forEach(SecretListener::closeQuietly);
        channels.values().forEach(LoaderChannel::close);
    }
}
