package kleinhirn.core.pool;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Graded readiness and a liveness that never fails a set whose workers serve. */
class HealthViewTest {
    static final Instant T0 = Instant.parse("2026-11-21T12:00:00Z");
    static final HealthView TWO_OF_THREE = new HealthView(2, Duration.ofMinutes(5));

    /**
     * A set of 3 in {@code phase} with {@code ready} ready workers and one booting; the phase and
     * reason are derived, so the budget (or shutdown) is built to give them, and checked.
     */
    static PoolState state(Phase phase, int ready, String reason) {
        Map<String, Worker> workers = new LinkedHashMap<>();
        for (int i = 0; i < ready; i++) workers.put("r" + i, new Worker.Ready("r" + i, 100 + i, T0, T0, true, null, null));
        workers.put("b", new Worker.Booting("b", 99, T0, null));
        PoolState s = PoolStates.initial(3, T0).withWorkers(workers).withEverRan(phase != Phase.STARTING);
        if (phase == Phase.FAULTED) {
            RestartBudget b = s.budget();
            Matcher m = Pattern.compile("faulted: (\\d+) (deaths|failed starts)").matcher(reason);
            int n = m.lookingAt() ? Integer.parseInt(m.group(1)) : 0;
            boolean deaths = m.lookingAt() && m.group(2).equals("deaths");
            s = s.withBudget(new RestartBudget(b.policy(), deaths ? Collections.nCopies(n, T0) : List.of(),
                    deaths ? 0 : n, T0, true));
        }
        if (phase == Phase.STOPPING) s = s.withShutdown(new Shutdown.Draining("test", T0.plusSeconds(10)));
        assertEquals(phase, s.phase());
        assertEquals(reason, s.reason());
        return s;
    }

    @Test
    void readyWhileAtLeastMinReadyServeAndNotFaultedOrStopping() {
        assertEquals(200, TWO_OF_THREE.readiness(state(Phase.UNDERPROVISIONED, 2, "underprovisioned: 2/3 ready")).status());
        assertEquals(200, TWO_OF_THREE.readiness(state(Phase.STARTING, 2, "still starting up")).status());
        var below = TWO_OF_THREE.readiness(state(Phase.UNDERPROVISIONED, 1, "underprovisioned: 1/3 ready"));
        assertEquals(new HealthView.Answer(417, "unhealthy: \"underprovisioned: 1/3 ready\"\n"), below);
        assertEquals(417, TWO_OF_THREE.readiness(state(Phase.FAULTED, 3, "faulted: 12 deaths in 60s")).status());
        assertEquals(503, TWO_OF_THREE.readiness(state(Phase.STOPPING, 3, "stopping")).status());
    }

    @Test
    void theDefaultMinReadyIsExactlyRunning() {
        var byCount = new HealthView(3, Duration.ofMinutes(5));
        assertEquals(200, byCount.readiness(state(Phase.RUNNING, 3, "")).status());
        assertEquals(417, byCount.readiness(state(Phase.UNDERPROVISIONED, 2, "underprovisioned: 2/3 ready")).status());
        assertEquals(417, byCount.readiness(state(Phase.STARTING, 2, "still starting up")).status());
    }

    @Test
    void aFaultedSetWhoseWorkersServeIsAlive() {
        var s = state(Phase.FAULTED, 3, "faulted: 12 deaths in 60s");
        assertFalse(TWO_OF_THREE.down(s));
        assertNull(TWO_OF_THREE.downSince(s, null, T0));
        assertEquals(200, TWO_OF_THREE.liveness(s, null, T0.plus(Duration.ofHours(1)), true).status());
    }

    @Test
    void livenessFailsOnlyAfterTheGraceOfBeingFaultedAndBelowMinReady() {
        var s = state(Phase.FAULTED, 1, "faulted: 5 failed starts in a row");
        Instant since = TWO_OF_THREE.downSince(s, null, T0);
        assertEquals(T0, since);
        assertEquals(T0, TWO_OF_THREE.downSince(s, since, T0.plusSeconds(30)), "a spell keeps its start");
        Instant graceEnds = T0.plus(Duration.ofMinutes(5));
        assertEquals(200, TWO_OF_THREE.liveness(s, since, graceEnds.minusMillis(1), true).status());
        var dead = TWO_OF_THREE.liveness(s, since, graceEnds, true);
        assertEquals(503, dead.status());
        assertEquals("unhealthy: \"down for 300s (live_grace 300s): faulted: 5 failed starts in a row\"\n", dead.body());
        var recovered = state(Phase.FAULTED, 2, "faulted: recovering, 2/3 ready");
        assertNull(TWO_OF_THREE.downSince(recovered, since, graceEnds), "back at min_ready: the spell ends");
        assertEquals(200, TWO_OF_THREE.liveness(recovered, since, graceEnds, true).status());
    }

    @Test
    void belowMinReadyButNotFaultedIsAlive() {
        var s = state(Phase.UNDERPROVISIONED, 0, "underprovisioned: 0/3 ready");
        assertNull(TWO_OF_THREE.downSince(s, null, T0));
        assertEquals(200, TWO_OF_THREE.liveness(s, null, T0, true).status());
    }

    @Test
    void aStuckLoopIsNotAlive() {
        assertEquals(503, TWO_OF_THREE.liveness(state(Phase.RUNNING, 3, ""), null, T0, false).status());
    }
}
