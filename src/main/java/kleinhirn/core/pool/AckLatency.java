package kleinhirn.core.pool;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * The ack latency histogram (spawn to ack), as an immutable value. It is derived from the
 * snapshots the loop publishes, so the machine stays as it is: every worker that is
 * {@link Worker.Ready} in a snapshot but was not in the previous one has just acked, and its
 * latency is {@code ackedAt - spawnedAt}. The loop publishes after every step, so no ack is
 * missed. {@code counts[i]} counts latencies {@code <= BOUNDS[i]} seconds (not cumulative);
 * the last slot is +Inf.
 */
public record AckLatency(long[] counts, double sumSeconds, long total) {
    /** Upper bounds in seconds: from a fast fork to a slow application boot. */
    public static final List<Double> BOUNDS = List.of(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
            10.0, 30.0, 60.0, 120.0);

    public static final AckLatency EMPTY = new AckLatency(new long[BOUNDS.size() + 1], 0, 0);

    /** This histogram plus the acks that happened between {@code prev} and {@code next}. */
    public AckLatency observe(PoolState prev, PoolState next) {
        AckLatency h = this;
        for (Worker w : next.workers().values()) {
            if (w instanceof Worker.Ready r && !(prev.workers().get(r.id()) instanceof Worker.Ready)) {
                h = h.plus(Duration.between(r.spawnedAt(), r.ackedAt()));
            }
        }
        return h;
    }

    public AckLatency plus(Duration latency) {
        double s = Math.max(0, latency.toNanos()) / 1e9;
        int slot = 0;
        while (slot < BOUNDS.size() && s > BOUNDS.get(slot)) slot++;
        long[] c = Arrays.copyOf(counts, counts.length);
        c[slot]++;
        return new AckLatency(c, sumSeconds + s, total + 1);
    }

    /** Cumulative count for bucket {@code i} (the Prometheus {@code le} semantics). */
    public long cumulative(int i) {
        long n = 0;
        for (int k = 0; k <= i; k++) n += counts[k];
        return n;
    }
}
