package kleinhirn.core.pool;

import kleinhirn.core.codec.Exposition;
import kleinhirn.core.codec.Exposition.Type;

/**
 * {@code /metrics}: the pool as Prometheus text 0.0.4, every name prefixed {@code kleinhirn_}.
 * Every label value of a family is always present (0 when nothing is in that state), so a
 * dashboard never sees a series appear from nowhere.
 */
public final class PoolMetrics {
    /**
     * One scrape's inputs: the published pool snapshot plus what the process measures about
     * itself. {@code rssBytes} is negative when unknown (the sample is then left out).
     */
    public record View(PoolState state, int count, AckLatency acks, double uptimeSeconds, long rssBytes,
                       int controlConnections, int httpConnections) {}

    private static final String[] WORKER_STATES = {"booting", "ready", "broken", "stopping", "spare"};

    private PoolMetrics() {}

    public static String encode(View v) {
        PoolState s = v.state();
        Exposition x = new Exposition();

        x.family("kleinhirn_workers", Type.GAUGE, "Workers by state (booting, ready, broken, stopping, spare).");
        for (String st : WORKER_STATES) {
            int n = 0;
            for (Worker w : s.workers().values()) if (w.wire().equals(st)) n++;
            x.sample(n, "state", st);
        }
        x.family("kleinhirn_workers_desired", Type.GAUGE, "Configured worker count.");
        x.sample(v.count());

        PoolState.Counters c = s.counters();
        x.family("kleinhirn_worker_deaths_total", Type.COUNTER,
                "Workers lost, by cause: exit and signal when reaped, ack_timeout and watchdog when marked broken.");
        x.sample(c.deathsByExit(), "cause", "exit");
        x.sample(c.deathsBySignal(), "cause", "signal");
        x.sample(c.brokenAckTimeout(), "cause", "ack_timeout");
        x.sample(c.brokenWatchdog(), "cause", "watchdog");
        x.family("kleinhirn_restarts_total", Type.COUNTER, "Workers replaced after a death.");
        x.sample(c.restarts());
        x.family("kleinhirn_worker_recycles_total", Type.COUNTER,
                "Workers replaced make-before-break (not deaths), by cause: memory, lifetime, refork.");
        for (Recycles.Cause cause : Recycles.Cause.values()) x.sample(s.recycles().total(cause), "cause", cause.wire());
        x.family("kleinhirn_failed_starts_total", Type.COUNTER, "Workers that died before min_uptime after their ack.");
        x.sample(c.failedStarts());
        x.family("kleinhirn_failed_start_streak", Type.GAUGE, "Consecutive failed starts right now.");
        x.sample(s.failedStreak());
        x.family("kleinhirn_deaths_in_period", Type.GAUGE, "Worker deaths inside the current death_period window.");
        x.sample(s.deaths().size());

        AckLatency a = v.acks();
        x.family("kleinhirn_ack_latency_seconds", Type.HISTOGRAM, "Time from spawn to readiness ack.");
        for (int i = 0; i < AckLatency.BOUNDS.size(); i++) {
            x.sample("_bucket", a.cumulative(i), "le", Exposition.number(AckLatency.BOUNDS.get(i)));
        }
        x.sample("_bucket", a.total(), "le", "+Inf");
        x.sample("_sum", a.sumSeconds());
        x.sample("_count", a.total());

        x.family("kleinhirn_pool_state", Type.GAUGE, "1 for the pool's current supervision state, 0 for the others.");
        for (Phase p : Phase.values()) x.sample(p == s.phase() ? 1 : 0, "state", p.wire());

        if (s.loader() != null) {
            x.family("kleinhirn_loader_state", Type.GAUGE, "1 for the preloading loader's current state, 0 for the others.");
            for (String w : Loader.WIRE_STATES) x.sample(w.equals(s.loader().wire()) ? 1 : 0, "state", w);
            x.family("kleinhirn_loader_generation", Type.GAUGE,
                    "The current loader's generation: one more for each loader started or made by a refork.");
            x.sample(s.loader().generation());
            x.family("kleinhirn_reforks_total", Type.COUNTER,
                    "Refork attempts ended, by result: succeeded (a new loader from a warm worker) or failed.");
            x.sample(s.reforks().succeeded(), "result", "succeeded");
            x.sample(s.reforks().failed(), "result", "failed");
        }
        x.family("kleinhirn_uptime_seconds", Type.GAUGE, "Seconds since the supervisor started.");
        x.sample(v.uptimeSeconds());
        if (v.rssBytes() >= 0) {
            x.family("kleinhirn_resident_memory_bytes", Type.GAUGE, "Resident set size of the supervisor process.");
            x.sample(v.rssBytes());
        }
        x.family("kleinhirn_control_connections", Type.GAUGE, "Open control socket connections.");
        x.sample(v.controlConnections());
        x.family("kleinhirn_http_connections", Type.GAUGE, "Open TCP connections to the health endpoint.");
        x.sample(v.httpConnections());
        return x.text();
    }
}
