package kleinhirn.core.pool;

import java.time.Duration;
import java.time.Instant;
import kleinhirn.core.codec.Escaper;

/**
 * The probe answers derived from a snapshot (pool.md §Health endpoint, graded by issue 14).
 *
 * <p>Readiness is 200 while at least {@code minReady} workers are ready and the set is neither
 * faulted nor stopping; otherwise 417 with the quoted reason (503 while stopping). With the
 * default {@code minReady = count} that is exactly "running".
 *
 * <p>Liveness fails only where restarting the container can help: when the event loop is
 * unresponsive, or when the set has been <em>down</em> (faulted and below {@code minReady})
 * for at least {@code liveGrace}. A set whose workers serve is never killed, faulted or not.
 */
public record HealthView(int minReady, Duration liveGrace) {
    public record Answer(int status, String body) {}

    public Answer readiness(PoolState s) {
        return switch (s.phase()) {
            case STOPPING -> new Answer(503, "unhealthy: \"stopping\"\n");
            case FAULTED -> unhealthy(417, s.reason());
            case STARTING, RUNNING, UNDERPROVISIONED ->
                    s.ready() >= minReady ? new Answer(200, "ok\n") : unhealthy(417, s.reason());
        };
    }

    /** Faulted and fewer than minReady workers ready: what liveness counts against the grace. */
    public boolean down(PoolState s) {
        return s.phase() == Phase.FAULTED && s.ready() < minReady;
    }

    /** When the current down spell began: kept while down, null when not down. */
    public Instant downSince(PoolState s, Instant previous, Instant now) {
        if (!down(s)) return null;
        return previous != null ? previous : now;
    }

    public Answer liveness(PoolState s, Instant downSince, Instant now, boolean loopResponsive) {
        if (!loopResponsive) return new Answer(503, "unhealthy: \"event loop unresponsive\"\n");
        if (downSince != null && down(s) && !now.isBefore(downSince.plus(liveGrace))) {
            return unhealthy(503, "down for " + PoolMachine.human(Duration.between(downSince, now).withNanos(0))
                    + " (live_grace " + PoolMachine.human(liveGrace) + "): " + s.reason());
        }
        return new Answer(200, "ok\n");
    }

    private static Answer unhealthy(int status, String reason) {
        return new Answer(status, "unhealthy: " + debugQuote(reason) + "\n");
    }

    /** Rust's {@code {:?}} of a string, which the original's body used: quotes and escapes. */
    static String debugQuote(String s) {
        return Escaper.LABEL.quoted(s);
    }
}
