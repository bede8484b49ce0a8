package kleinhirn.runtime.pool;

import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.util.function.Consumer;
import kleinhirn.core.codec.Json;
import kleinhirn.core.codec.LoaderMessage;
import kleinhirn.core.codec.LoaderWire;
import kleinhirn.core.pool.PoolEvent;
import kleinhirn.runtime.LineReader;
import kleinhirn.runtime.log.Throttle;

/**
 * Our end of one program worker's status fd. A virtual thread reads JSON lines
 * ({@code {"action":"ack","id":"<id>"}}) and posts the ack; anything else is logged (rate
 * limited) and ignored. It keeps reading after the ack, so a chatty worker never gets EPIPE.
 */
public final class AckChannel implements AutoCloseable {
    static final int MAX_LINE = 4096;

    private final SocketChannel ch;

    private AckChannel(SocketChannel ch) {
        this.ch = ch;
    }

    public static AckChannel start(SocketChannel ch, String workerId, int pid, Consumer<PoolEvent> post, Throttle junk) {
        AckChannel a = new AckChannel(ch);
        Thread.ofVirtual().name("ack-" + pid).start(() -> a.read(workerId, pid, post, junk));
        return a;
    }

    private void read(String workerId, int pid, Consumer<PoolEvent> post, Throttle junk) {
        String source = "status_fd";
        try {
            new LineReader(ch, MAX_LINE).run(new LineReader.Sink() {
                @Override
                public void line(String line) {
                    if (line.isBlank()) return;
                    String why = check(line, workerId);
                    if (why == null) post.accept(new PoolEvent.Acked(workerId, "status_fd"));
                    else junk.warn(source, "ignored a line on a worker's status fd", "worker_id", workerId, "pid", pid,
                            "reason", why, "line", abbreviate(line));
                }

                @Override
                public void junk(String why) {
                    junk.warn(source, "ignored input on a worker's status fd", "worker_id", workerId, "pid", pid, "reason", why);
                }
            });
        } catch (IOException e) {
            // Closed by us (Forget) or reset by the worker: nothing more will come.
        } catch (RuntimeException e) {
            // This worker's channel only: unacked, it is replaced after ack_timeout.
            junk.warn(source, "a worker's status fd reader failed", "worker_id", workerId, "pid", pid, "error", e.toString());
        } finally {
            close();
        }
    }

    /** Null when the line is a valid ack for this worker, else why not. */
    static String check(String line, String workerId) {
        LoaderMessage.Report report;
        try {
            report = LoaderWire.decodeReport(line);
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
        if (!(report instanceof LoaderMessage.Ack(String id))) return "not an ack: " + LoaderWire.encode(report);
        if (!workerId.equals(id)) return "ack for id " + Json.write(id) + ", expected " + workerId;
        return null;
    }

    static String abbreviate(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "...";
    }

    @Override
    public void close() {
        try {
            ch.close();
        } catch (IOException ignored) {
            // already closed
        }
    }
}
