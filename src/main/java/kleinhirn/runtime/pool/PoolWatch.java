package kleinhirn.runtime.pool;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import kleinhirn.core.codec.Exposition;
import kleinhirn.core.pool.AckLatency;
import kleinhirn.core.pool.PoolMetrics;
import kleinhirn.core.pool.Phase;
import kleinhirn.core.pool.PoolState;
import kleinhirn.core.pool.Shutdown;
import kleinhirn.core.pool.StatusJson;
import kleinhirn.runtime.MonotonicClock;
import kleinhirn.runtime.control.ControlServer;
import kleinhirn.runtime.http.Response;

/**
 * Everything outside the loop sees of the pool. The loop hands it every new state (on the loop
 * thread); it keeps the latest snapshot for the HTTP handlers, derives the ack latencies from
 * consecutive snapshots, and streams the /status JSON to the control socket when it changed.
 */
public final class PoolWatch implements Consumer<PoolState> {
    private final String name;
    private final int count;
    private final MonotonicClock clock;
    private final LongSupplier residentBytes;
    private final AtomicReference<PoolState> snapshot = new AtomicReference<>();
    private volatile AckLatency acks = AckLatency.EMPTY; // written only by the loop thread
    private volatile ControlServer control;
    private volatile IntSupplier httpConnections = () -> 0;
    private String streamed; // the last JSON sent to the control socket; loop thread only

    /** {@code residentBytes}: our RSS now, or -1 when it cannot be read (the metric is left out). */
    public PoolWatch(String name, int count, MonotonicClock clock, LongSupplier residentBytes) {
        this.name = name;
        this.count = count;
        this.clock = clock;
        this.residentBytes = residentBytes;
    }

    @Override
    public void accept(PoolState s) {
        PoolState prev = snapshot.getAndSet(s);
        if (prev != null) acks = acks.observe(prev, s);
        ControlServer c = control;
        if (c != null) stream(c, s);
    }

    public PoolState state() {
        return snapshot.get();
    }

    /** From now on the control socket gets every change; called on the loop's thread before it runs. */
    public void control(ControlServer c) {
        control = c;
        stream(c, snapshot.get());
    }

    /**
     * Every control client gets a final state before EOF, on every way out. A stop the machine
     * drove already ended the stream on one (stopping, no workers left); any other way out (a
     * failed start, a failed supervisor) publishes it here, saying {@code why}.
     */
    public void finish(String why) {
        ControlServer c = control;
        PoolState s = snapshot.get();
        if (c == null || s.phase() == Phase.STOPPING && s.workers().isEmpty()) return;
        PoolState last = s.withWorkers(Map.of()).withShutdown(s.shutdown() != null ? s.shutdown() : new Shutdown.Killed(why));
        stream(c, StatusJson.encode(name, count, last, why));
    }

    public void httpConnections(IntSupplier open) {
        httpConnections = open;
    }

    private void stream(ControlServer c, PoolState s) {
        stream(c, status(s));
    }

    private void stream(ControlServer c, String json) {
        if (json.equals(streamed)) return; // a step that changed nothing visible is not an event
        streamed = json;
        c.publish(json);
    }

    String status(PoolState s) {
        return StatusJson.encode(name, count, s);
    }

    public Response statusResponse() {
        return new Response(200, "application/json", status(snapshot.get()) + "\n");
    }

    public Response metricsResponse() {
        PoolState s = snapshot.get();
        ControlServer c = control;
        double uptime = Duration.between(s.startedAt(), clock.instant()).toMillis() / 1000.0;
        var view = new PoolMetrics.View(s, count, acks, uptime, residentBytes.getAsLong(), c == null ? 0 : c.clients(),
                httpConnections.getAsInt());
        return new Response(200, Exposition.CONTENT_TYPE, PoolMetrics.encode(view));
    }
}
