package kleinhirn.core.pool;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.Map;
import kleinhirn.core.codec.ExpositionParser;
import org.junit.jupiter.api.Test;

class PoolMetricsTest {
    static PoolMetrics.View view() {
        AckLatency acks = AckLatency.EMPTY.plus(Duration.ofMillis(3)).plus(Duration.ofMillis(40))
                .plus(Duration.ofMillis(1500)).plus(Duration.ofMinutes(5));
        return new PoolMetrics.View(StatusJsonTest.sample(), 4, acks, 12.5, 52_428_800, 3, 7);
    }

    @Test
    void golden() {
        assertEquals("""
                # HELP kleinhirn_workers Workers by state (booting, ready, broken, stopping, spare).
                # TYPE kleinhirn_workers gauge
                kleinhirn_workers{state="booting"} 2
                kleinhirn_workers{state="ready"} 1
                kleinhirn_workers{state="broken"} 1
                kleinhirn_workers{state="stopping"} 1
                kleinhirn_workers{state="spare"} 0
                # HELP kleinhirn_workers_desired Configured worker count.
                # TYPE kleinhirn_workers_desired gauge
                kleinhirn_workers_desired 4
                # HELP kleinhirn_worker_deaths_total Workers lost, by cause: exit and signal when reaped, ack_timeout and watchdog when marked broken.
                # TYPE kleinhirn_worker_deaths_total counter
                kleinhirn_worker_deaths_total{cause="exit"} 3
                kleinhirn_worker_deaths_total{cause="signal"} 2
                kleinhirn_worker_deaths_total{cause="ack_timeout"} 1
                kleinhirn_worker_deaths_total{cause="watchdog"} 1
                # HELP kleinhirn_restarts_total Workers replaced after a death.
                # TYPE kleinhirn_restarts_total counter
                kleinhirn_restarts_total 7
                # HELP kleinhirn_worker_recycles_total Workers replaced make-before-break (not deaths), by cause: memory, lifetime, refork.
                # TYPE kleinhirn_worker_recycles_total counter
                kleinhirn_worker_recycles_total{cause="memory"} 0
                kleinhirn_worker_recycles_total{cause="lifetime"} 0
                kleinhirn_worker_recycles_total{cause="refork"} 0
                # HELP kleinhirn_failed_starts_total Workers that died before min_uptime after their ack.
                # TYPE kleinhirn_failed_starts_total counter
                kleinhirn_failed_starts_total 4
                # HELP kleinhirn_failed_start_streak Consecutive failed starts right now.
                # TYPE kleinhirn_failed_start_streak gauge
                kleinhirn_failed_start_streak 2
                # HELP kleinhirn_deaths_in_period Worker deaths inside the current death_period window.
                # TYPE kleinhirn_deaths_in_period gauge
                kleinhirn_deaths_in_period 2
                # HELP kleinhirn_ack_latency_seconds Time from spawn to readiness ack.
                # TYPE kleinhirn_ack_latency_seconds histogram
                kleinhirn_ack_latency_seconds_bucket{le="0.005"} 1
                kleinhirn_ack_latency_seconds_bucket{le="0.01"} 1
                kleinhirn_ack_latency_seconds_bucket{le="0.025"} 1
                kleinhirn_ack_latency_seconds_bucket{le="0.05"} 2
                kleinhirn_ack_latency_seconds_bucket{le="0.1"} 2
                kleinhirn_ack_latency_seconds_bucket{le="0.25"} 2
                kleinhirn_ack_latency_seconds_bucket{le="0.5"} 2
                kleinhirn_ack_latency_seconds_bucket{le="1"} 2
                kleinhirn_ack_latency_seconds_bucket{le="2.5"} 3
                kleinhirn_ack_latency_seconds_bucket{le="5"} 3
                kleinhirn_ack_latency_seconds_bucket{le="10"} 3
                kleinhirn_ack_latency_seconds_bucket{le="30"} 3
                kleinhirn_ack_latency_seconds_bucket{le="60"} 3
                kleinhirn_ack_latency_seconds_bucket{le="120"} 3
                kleinhirn_ack_latency_seconds_bucket{le="+Inf"} 4
                kleinhirn_ack_latency_seconds_sum 301.543
                kleinhirn_ack_latency_seconds_count 4
                # HELP kleinhirn_pool_state 1 for the pool's current supervision state, 0 for the others.
                # TYPE kleinhirn_pool_state gauge
                kleinhirn_pool_state{state="starting"} 0
                kleinhirn_pool_state{state="running"} 0
                kleinhirn_pool_state{state="underprovisioned"} 1
                kleinhirn_pool_state{state="faulted"} 0
                kleinhirn_pool_state{state="stopping"} 0
                # HELP kleinhirn_uptime_seconds Seconds since the supervisor started.
                # TYPE kleinhirn_uptime_seconds gauge
                kleinhirn_uptime_seconds 12.5
                # HELP kleinhirn_resident_memory_bytes Resident set size of the supervisor process.
                # TYPE kleinhirn_resident_memory_bytes gauge
                kleinhirn_resident_memory_bytes 52428800
                # HELP kleinhirn_control_connections Open control socket connections.
                # TYPE kleinhirn_control_connections gauge
                kleinhirn_control_connections 3
                # HELP kleinhirn_http_connections Open TCP connections to the health endpoint.
                # TYPE kleinhirn_http_connections gauge
                kleinhirn_http_connections 7
                """, PoolMetrics.encode(view()));
    }

    @Test
    void readsBackWithEverySampleTyped() {
        var fams = ExpositionParser.parse(PoolMetrics.encode(view()));
        for (var f : fams.values()) assertTrue(f.name().startsWith("kleinhirn_"), f.name());
        assertEquals("histogram", fams.get("kleinhirn_ack_latency_seconds").type());
        assertEquals("counter", fams.get("kleinhirn_worker_deaths_total").type());
        double sum = 0;
        for (var s : fams.get("kleinhirn_pool_state").samples()) sum += s.value();
        assertEquals(1, sum, "exactly one pool state is 1");
    }

    @Test
    void unknownRssIsLeftOut() {
        var v = new PoolMetrics.View(PoolStates.initial(1, StatusJsonTest.T0), 1, AckLatency.EMPTY, 0, -1, 0, 0);
        Map<String, ExpositionParser.Family> fams = ExpositionParser.parse(PoolMetrics.encode(v));
        assertFalse(fams.containsKey("kleinhirn_resident_memory_bytes"));
        assertEquals(1, fams.get("kleinhirn_pool_state").samples().stream()
                .filter(s -> s.labels().get("state").equals("starting")).findFirst().orElseThrow().value());
    }

    @Test
    void aPreloadedPoolShowsItsLoader() {
        var v = new PoolMetrics.View(PoolStates.initialPreloaded(1, StatusJsonTest.T0), 1, AckLatency.EMPTY, 0, 1, 0, 0);
        var fams = ExpositionParser.parse(PoolMetrics.encode(v));
        assertEquals(1, fams.get("kleinhirn_loader_state").samples().stream()
                .filter(s -> s.labels().get("state").equals("down")).findFirst().orElseThrow().value());
        assertEquals(3, fams.get("kleinhirn_loader_state").samples().size());
    }
}
