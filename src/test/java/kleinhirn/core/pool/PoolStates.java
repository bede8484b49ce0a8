package kleinhirn.core.pool;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import kleinhirn.core.Sig;

/** States as the machine would hold them, for tests that render or observe states. */
public final class PoolStates {
    private PoolStates() {}

    /** pool.md's defaults, with {@code count} workers. */
    public static PoolConfig config(int count, boolean preloaded) {
        return new PoolConfig(count, true, Duration.ofSeconds(60), 10, Duration.ofSeconds(60), 5,
                Duration.ofSeconds(1), Duration.ofMillis(100), Duration.ofSeconds(30), Sig.TERM,
                Duration.ofSeconds(10), null, preloaded);
    }

    public static PoolState initial(int count, Instant now) {
        return PoolState.initial(config(count, false), 1, now);
    }

    public static PoolState initialPreloaded(int count, Instant now) {
        return PoolState.initial(config(count, true), 1, now);
    }

    /** The workers in this order, keyed by id. */
    public static Map<String, Worker> workers(Worker... ws) {
        Map<String, Worker> m = new LinkedHashMap<>();
        for (Worker w : ws) m.put(w.id(), w);
        return m;
    }
}
