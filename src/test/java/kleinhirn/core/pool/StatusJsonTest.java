package kleinhirn.core.pool;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import kleinhirn.core.codec.Json;
import org.junit.jupiter.api.Test;

class StatusJsonTest {
    static final Instant T0 = Instant.parse("2026-11-21T12:00:00Z");

    /** One worker of each kind, in this order. */
    static PoolState sample() {
        Map<String, Worker> w = new LinkedHashMap<>();
        w.put("w-req", new Worker.Requested("w-req", T0, null));
        w.put("w-boot", new Worker.Booting("w-boot", 101, T0.plusMillis(1), "loading \"app\"\n"));
        w.put("w-ready", new Worker.Ready("w-ready", 102, T0, T0.plusNanos(1_234_567_891), true, null, "serving"));
        w.put("w-broken", new Worker.Leaving("w-broken", 103, T0, null, T0.plusSeconds(5), Worker.Why.BROKEN));
        w.put("w-stop", new Worker.Leaving("w-stop", 104, T0, T0.plusSeconds(2), null, Worker.Why.STOPPING));
        PoolConfig cfg = PoolStates.config(4, false);
        PoolState s = PoolState.initial(cfg, 1, T0).withWorkers(w).withEverRan(true)
                .withBudget(new RestartBudget(cfg.budget(), List.of(T0, T0.plusSeconds(1)), 2, T0, false))
                .withCounters(new PoolState.Counters(7, 3, 2, 1, 1, 4, 0));
        assertEquals(Phase.UNDERPROVISIONED, s.phase());
        return s;
    }

    @Test
    void golden() {
        assertEquals("{\"name\":\"web \\\"eu\\\"\",\"state\":\"underprovisioned\",\"reason\":\"underprovisioned: 1/4 ready\","
                + "\"count\":4,\"ready\":1,\"workers\":["
                + "{\"id\":\"w-req\",\"pid\":null,\"state\":\"booting\",\"spawned_at\":\"2026-11-21T12:00:00.000Z\",\"acked_at\":null,\"status\":null},"
                + "{\"id\":\"w-boot\",\"pid\":101,\"state\":\"booting\",\"spawned_at\":\"2026-11-21T12:00:00.001Z\",\"acked_at\":null,\"status\":\"loading \\\"app\\\"\\n\"},"
                + "{\"id\":\"w-ready\",\"pid\":102,\"state\":\"ready\",\"spawned_at\":\"2026-11-21T12:00:00.000Z\",\"acked_at\":\"2026-11-21T12:00:01.234Z\",\"status\":\"serving\"},"
                + "{\"id\":\"w-broken\",\"pid\":103,\"state\":\"broken\",\"spawned_at\":\"2026-11-21T12:00:00.000Z\",\"acked_at\":null,\"status\":null},"
                + "{\"id\":\"w-stop\",\"pid\":104,\"state\":\"stopping\",\"spawned_at\":\"2026-11-21T12:00:00.000Z\",\"acked_at\":\"2026-11-21T12:00:02.000Z\",\"status\":null}"
                + "],\"deaths_in_period\":2,\"failed_starts\":2,\"restarts_total\":7,\"loader\":null}",
                StatusJson.encode("web \"eu\"", 4, sample()));
    }

    @Test
    void initialStateAndLoader() {
        PoolState preloaded = PoolStates.initialPreloaded(2, T0);
        assertTrue(StatusJson.encode("web", 2, preloaded).endsWith(",\"loader\":{\"pid\":null,\"state\":\"down\",\"generation\":0}}"));
        PoolState loading = PoolStates.initial(2, T0).withLoader(new Loader.Ready(1, 77, T0));
        assertEquals("{\"name\":\"web\",\"state\":\"starting\",\"reason\":\"still starting up\",\"count\":2,\"ready\":0,"
                        + "\"workers\":[],\"deaths_in_period\":0,\"failed_starts\":0,\"restarts_total\":0,"
                        + "\"loader\":{\"pid\":77,\"state\":\"ready\",\"generation\":1}}",
                StatusJson.encode("web", 2, loading));
    }

    @Test
    void aPreloadedPoolsWorkersSayTheirLoaderGeneration() {
        Worker w = new Worker.Ready("w1", 201, T0, T0, true, null, null);
        PoolState s = PoolStates.initial(2, T0).withLoader(new Loader.Ready(2, 77, T0)).withWorkers(Map.of("w1", w))
                .withReforks(Reforks.NONE.withGenerations(Map.of("w1", 1)));
        String t = StatusJson.time(T0);
        assertTrue(StatusJson.encode("web", 2, s).contains("\"workers\":[{\"id\":\"w1\",\"pid\":201,\"state\":\"ready\","
                + "\"spawned_at\":\"" + t + "\",\"acked_at\":\"" + t + "\",\"status\":null,\"generation\":1}]"),
                StatusJson.encode("web", 2, s));
    }

    @Test
    void keysAreExactlyThoseOfTheSpecAndItIsOneLine() {
        String json = StatusJson.encode("web", 4, sample());
        assertFalse(json.contains("\n"), "one line: it is also an SSE data line");
        Map<String, Object> m = Json.parseObject(json);
        assertEquals(List.of("name", "state", "reason", "count", "ready", "workers", "deaths_in_period",
                "failed_starts", "restarts_total", "loader"), List.copyOf(m.keySet()));
        for (Object w : (List<?>) m.get("workers")) {
            assertEquals(List.of("id", "pid", "state", "spawned_at", "acked_at", "status"),
                    List.copyOf(((Map<?, ?>) w).keySet()));
        }
    }
}
