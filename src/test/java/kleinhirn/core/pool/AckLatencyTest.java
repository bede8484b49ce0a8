package kleinhirn.core.pool;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AckLatencyTest {
    static final Instant T0 = Instant.parse("2026-11-21T12:00:00Z");

    static PoolState with(Worker... ws) {
        Map<String, Worker> m = new LinkedHashMap<>();
        for (Worker w : ws) m.put(w.id(), w);
        return PoolStates.initial(1, T0).withWorkers(m);
    }

    @Test
    void countsEachAckOnceWhenAWorkerBecomesReady() {
        PoolState booting = with(new Worker.Booting("a", 1, T0, null), new Worker.Requested("b", T0, null));
        PoolState aReady = with(new Worker.Ready("a", 1, T0, T0.plusMillis(20), false, null, null),
                new Worker.Requested("b", T0, null));
        PoolState bothReady = with(new Worker.Ready("a", 1, T0, T0.plusMillis(20), true, null, "x"),
                new Worker.Ready("b", 2, T0, T0.plusSeconds(3), false, null, null));
        AckLatency h = AckLatency.EMPTY.observe(booting, aReady);
        assertEquals(1, h.total());
        h = h.observe(aReady, bothReady); // a stays ready (established, new status): not counted again
        assertEquals(2, h.total());
        assertEquals(3.02, h.sumSeconds(), 1e-9);
        assertEquals(1, h.cumulative(AckLatency.BOUNDS.indexOf(0.025)));
        assertEquals(1, h.cumulative(AckLatency.BOUNDS.indexOf(2.5)));
        assertEquals(2, h.cumulative(AckLatency.BOUNDS.indexOf(5.0)));
        assertEquals(2, h.observe(bothReady, bothReady).total(), "nothing new acked");
    }

    @Test
    void boundsAreInclusiveAndTheLastSlotIsInfinity() {
        AckLatency h = AckLatency.EMPTY.plus(Duration.ofMillis(5)).plus(Duration.ofMinutes(10));
        assertEquals(1, h.cumulative(0), "le=0.005 includes 5 ms");
        assertEquals(1, h.cumulative(AckLatency.BOUNDS.size() - 1));
        assertEquals(2, h.cumulative(AckLatency.BOUNDS.size()));
    }
}
