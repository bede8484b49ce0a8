package kleinhirn.core.pool;

import kleinhirn.core.codec.Escaper;

/**
 * The probe answers derived from a snapshot (pool.md §Health endpoint): readiness is 200 only
 * when running, 417 with the quoted reason while starting, underprovisioned or faulted, and
 * 503 while stopping; liveness fails only when the set is faulted or the loop is stuck.
 */
public final class HealthView {
    public record Answer(int status, String body) {}

    private HealthView() {}

    public static Answer readiness(PoolState s) {
        return switch (s.phase()) {
            case RUNNING -> new Answer(200, "ok\n");
            case STOPPING -> new Answer(503, "unhealthy: \"stopping\"\n");
            case STARTING, UNDERPROVISIONED, FAULTED -> new Answer(417, "unhealthy: " + debugQuote(s.reason()) + "\n");
        };
    }

    public static Answer liveness(PoolState s, boolean loopResponsive) {
        if (!loopResponsive) return new Answer(503, "unhealthy: \"event loop unresponsive\"\n");
        if (s.phase() == Phase.FAULTED) return new Answer(503, "unhealthy: " + debugQuote(s.reason()) + "\n");
        return new Answer(200, "ok\n");
    }

    /** Rust's {@code {:?}} of a string, which the original's body used: quotes and escapes. */
    static String debugQuote(String s) {
        return Escaper.LABEL.quoted(s);
    }
}
