package kleinhirn.core.pool;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import kleinhirn.core.ExitStatus;
import kleinhirn.core.Sig;
import kleinhirn.core.pool.PoolEffect.Signal;
import kleinhirn.core.pool.PoolEffect.Spawn;
import kleinhirn.core.pool.PoolEvent.*;
import kleinhirn.core.pool.PoolMachineTest.Harness;
import kleinhirn.core.pool.Recycles.Cause;
import org.junit.jupiter.api.Test;

/** Make-before-break recycling (lifetime, memory) with a fake clock. */
class RecycleMachineTest {
    static final Instant T0 = PoolMachineTest.T0;
    static final long MIB = 1 << 20;

    static PoolConfig recycling(int count, Recycling r) {
        return PoolMachineTest.config(count, true).withRecycling(r);
    }

    /** Without spacing, so that each test sees only the rule it is about. */
    static Recycling lifetime(Duration max, Duration jitter, int maxRecycling) {
        return new Recycling(null, Recycling.DEFAULT_MEMORY_CHECK_INTERVAL, max, jitter, maxRecycling, Duration.ZERO, List.of());
    }

    static Recycling memory(long limit) {
        return new Recycling(limit, Recycling.DEFAULT_MEMORY_CHECK_INTERVAL, null, Duration.ZERO, 1, Duration.ZERO, List.of());
    }

    /** count workers spawned and acked at T0; invariant: never fewer than count ready once running. */
    static Harness running(PoolConfig cfg) {
        var h = new Harness(cfg).on(new Started());
        h.ackAll();
        assertEquals(Phase.RUNNING, h.s.phase());
        h.take();
        return h;
    }

    static Worker worker(Harness h, String id) {
        return h.s.workers().get(id);
    }

    @Test
    void lifetimeRecyclesMakeBeforeBreakStopOnlyAfterTheReplacementAcked() {
        var h = running(recycling(1, lifetime(Duration.ofSeconds(10), Duration.ZERO, 1)));
        String old = h.idOf(0);
        int oldPid = h.pidOf(0);
        assertEquals(T0.plusSeconds(1), h.wakeAt, "min_uptime first");
        h.wake();
        assertEquals(T0.plusSeconds(10), h.wakeAt, "then the lifetime");
        h.at(Duration.ofSeconds(10).minusMillis(1)).on(new Woke());
        assertTrue(h.taken(Spawn.class).isEmpty(), "not a millisecond early");
        h.at(Duration.ofSeconds(10)).on(new Woke());
        List<PoolEffect> fx = h.take();
        assertEquals(1, fx.stream().filter(f -> f instanceof Spawn).count(), "the replacement is spawned");
        assertTrue(fx.stream().noneMatch(f -> f instanceof Signal), "the old one is not touched yet");
        assertTrue(h.s.recycles().recycling(old));
        assertInstanceOf(Worker.Ready.class, worker(h, old), "it keeps serving");
        assertEquals(Phase.RUNNING, h.s.phase());
        String replacement = h.idOf(1);
        h.at(Duration.ofSeconds(11)).on(new Acked(replacement, "test"));
        assertEquals(List.of(new Signal(oldPid, Sig.TERM, true)), h.taken(Signal.class), "stop only after the ack");
        assertInstanceOf(Worker.Leaving.class, worker(h, old));
        assertEquals(1, h.s.ready());
        assertEquals(Phase.RUNNING, h.s.phase());
        assertEquals(1, h.s.recycles().total(Cause.LIFETIME));
        h.on(new Reaped(oldPid, new ExitStatus.Exited(0)));
        assertEquals(0, h.s.deaths().size(), "a recycle is not a death");
        assertEquals(0, h.s.counters().deathsByExit());
        assertEquals(Phase.RUNNING, h.s.phase());
        assertEquals(Set.of(replacement), h.s.workers().keySet());
    }

    @Test
    void recycledWorkerIsKilledAfterStopTimeout() {
        var h = running(recycling(1, lifetime(Duration.ofSeconds(10), Duration.ZERO, 1)));
        int oldPid = h.pidOf(0);
        h.at(Duration.ofSeconds(10)).on(new Woke());
        h.at(Duration.ofSeconds(11)).on(new Acked(h.idOf(1), "test"));
        h.take();
        h.wake(); // the replacement's min_uptime
        assertEquals(T0.plusSeconds(21), h.wakeAt);
        h.wake();
        assertEquals(List.of(new Signal(oldPid, Sig.KILL, true)), h.taken(Signal.class));
    }

    @Test
    void aReplacementThatNeverAcksIsAFailedStartTheOldServesOnAndTheRecycleIsRetriedAfterBackoff() {
        var h = running(recycling(1, lifetime(Duration.ofSeconds(10), Duration.ZERO, 1)));
        String old = h.idOf(0);
        h.at(Duration.ofSeconds(10)).on(new Woke());
        String first = h.idOf(1);
        h.take();
        h.at(Duration.ofSeconds(70)).on(new Woke()); // ack_timeout of the replacement
        assertInstanceOf(Worker.Leaving.class, worker(h, first), "the replacement is broken");
        assertInstanceOf(Worker.Ready.class, worker(h, old), "the old worker serves on");
        assertFalse(h.s.recycles().recycling(old));
        assertEquals(1, h.s.failedStreak(), "a failed start as usual");
        assertTrue(h.taken(Spawn.class).isEmpty(), "not retried before the backoff");
        assertEquals(T0.plusSeconds(70).plusMillis(100), h.wakeAt);
        h.wake();
        assertEquals(1, h.taken(Spawn.class).size(), "retried after the backoff");
        assertTrue(h.s.recycles().recycling(old));
        assertEquals(Phase.RUNNING, h.s.phase(), "never faulted by a recycle");
    }

    @Test
    void atMostMaxRecyclingAtOnceAndReadinessNeverDropsBelowCount() {
        var h = running(recycling(3, lifetime(Duration.ofSeconds(10), Duration.ZERO, 1)));
        h.at(Duration.ofSeconds(10)).on(new Woke());
        assertEquals(1, h.taken(Spawn.class).size(), "one at a time although all three are due");
        for (int round = 0; round < 3; round++) {
            String replacement = h.s.recycles().swaps().values().iterator().next().replacement();
            h.on(new Acked(replacement, "test"));
            assertTrue(h.s.ready() >= 3, "ready " + h.s.ready());
            for (Signal s : h.taken(Signal.class)) h.on(new Reaped(s.pid(), new ExitStatus.Exited(0)));
            assertEquals(3, h.s.ready());
            assertEquals(round < 2 ? 1 : 0, h.s.recycles().swaps().size());
        }
        assertEquals(3, h.s.recycles().total(Cause.LIFETIME));
        assertEquals(0, h.s.counters().restarts(), "recycles are not restarts");
    }

    @Test
    void aRecycleLastsUntilItsOldWorkerIsGoneSoTheNextOneWaitsForThat() {
        var h = running(recycling(2, lifetime(Duration.ofSeconds(10), Duration.ZERO, 1)));
        h.at(Duration.ofSeconds(10)).on(new Woke());
        assertEquals(1, h.taken(Spawn.class).size());
        String replacement = h.s.recycles().swaps().values().iterator().next().replacement();
        h.on(new Acked(replacement, "test"));
        List<Signal> stopped = h.taken(Signal.class);
        assertEquals(1, stopped.size(), "the old one is told to stop");
        assertTrue(h.taken(Spawn.class).isEmpty(), "the next recycle waits while the old worker drains and exits");
        assertEquals(3, h.s.workers().size(), "count + max_recycling processes, never more");
        h.at(Duration.ofSeconds(11)).on(new Woke());
        assertTrue(h.taken(Spawn.class).isEmpty(), "still draining");
        h.on(new Reaped(stopped.get(0).pid(), new ExitStatus.Exited(0)));
        assertEquals(1, h.taken(Spawn.class).size(), "the next recycle starts once the old worker is gone");
        assertEquals(1, h.s.recycles().swaps().size());
    }

    @Test
    void recyclesDueTogetherStartRecycleSpacingApartAndTheMachineWakesForTheNext() {
        var spaced = new Recycling(null, Recycling.DEFAULT_MEMORY_CHECK_INTERVAL, Duration.ofSeconds(10), Duration.ZERO, 1,
                Duration.ofMillis(500), List.of());
        var h = running(recycling(2, spaced));
        h.at(Duration.ofSeconds(10)).on(new Woke());
        assertEquals(1, h.taken(Spawn.class).size(), "both are due; the first starts");
        String replacement = h.s.recycles().swaps().values().iterator().next().replacement();
        h.at(Duration.ofMillis(10_100)).on(new Acked(replacement, "test"));
        h.on(new Reaped(h.taken(Signal.class).get(0).pid(), new ExitStatus.Exited(0)));
        assertTrue(h.taken(Spawn.class).isEmpty(), "the first is over after 100 ms, but the next waits for the spacing");
        assertEquals(T0.plusMillis(10_500), h.wakeAt, "woken when the spacing ends");
        h.at(Duration.ofMillis(10_499)).on(new Woke());
        assertTrue(h.taken(Spawn.class).isEmpty(), "not a millisecond early");
        h.at(Duration.ofMillis(10_500)).on(new Woke());
        assertEquals(1, h.taken(Spawn.class).size(), "the second starts 500 ms after the first");
        assertEquals(T0.plusMillis(10_500), h.s.recycles().lastBegan());
    }

    @Test
    void aWorkerOverMaxMemoryDoesNotWaitForTheSpacing() {
        var r = new Recycling(100 * MIB, Recycling.DEFAULT_MEMORY_CHECK_INTERVAL, null, Duration.ZERO, 1,
                Duration.ofSeconds(10), List.of());
        var h = running(recycling(2, r));
        int first = h.pidOf(0), second = h.pidOf(1);
        h.at(Duration.ofSeconds(5)).on(new MemorySampled(Map.of(first, 200 * MIB, second, 10 * MIB)));
        h.at(Duration.ofSeconds(10)).on(new MemorySampled(Map.of(first, 200 * MIB, second, 10 * MIB)));
        assertEquals(1, h.taken(Spawn.class).size(), "the first is recycled");
        h.on(new Acked(h.s.recycles().swaps().values().iterator().next().replacement(), "test"));
        h.on(new Reaped(h.taken(Signal.class).get(0).pid(), new ExitStatus.Exited(0)));
        h.at(Duration.ofSeconds(11)).on(new MemorySampled(Map.of(second, 200 * MIB)));
        h.at(Duration.ofSeconds(12)).on(new MemorySampled(Map.of(second, 200 * MIB)));
        assertEquals(1, h.taken(Spawn.class).size(), "2 s after the first, not 10: memory is a limit");
    }

    @Test
    void jitterSpreadsLifetimesOverItsRange() {
        var r = lifetime(Duration.ofSeconds(100), Duration.ofSeconds(50), 1);
        Set<Long> seen = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            Duration d = r.lifetime(42, Ids.uuid(42, i));
            assertTrue(d.compareTo(Duration.ofSeconds(100)) >= 0 && d.compareTo(Duration.ofSeconds(150)) < 0, d.toString());
            seen.add(d.toSeconds() / 10);
        }
        assertEquals(5, seen.size(), "all five 10 s bands are used");
        assertEquals(r.lifetime(42, "a"), r.lifetime(42, "a"), "a pure draw from the seeded state");
        assertEquals(Duration.ofSeconds(100), lifetime(Duration.ofSeconds(100), Duration.ZERO, 1).lifetime(42, "a"));
    }

    @Test
    void noRecyclingWhileStopping() {
        var h = running(recycling(1, lifetime(Duration.ofSeconds(10), Duration.ZERO, 1)));
        h.at(Duration.ofSeconds(5)).on(new StopRequested(false, "test"));
        h.take();
        h.at(Duration.ofSeconds(10)).on(new Woke());
        assertTrue(h.taken(Spawn.class).isEmpty());
        assertTrue(h.s.recycles().swaps().isEmpty());
    }

    @Test
    void stopDuringARecycleStopsBothAndForgetsTheSwap() {
        var h = running(recycling(1, lifetime(Duration.ofSeconds(10), Duration.ZERO, 1)));
        h.at(Duration.ofSeconds(10)).on(new Woke());
        h.take();
        h.on(new StopRequested(false, "test"));
        assertEquals(2, h.taken(Signal.class).size(), "the old worker and its replacement");
        assertTrue(h.s.recycles().swaps().isEmpty());
    }

    @Test
    void memoryOverTheLimitOnTwoConsecutiveChecksRecycles() {
        var h = running(recycling(2, memory(100 * MIB)));
        int pid0 = h.pidOf(0), pid1 = h.pidOf(1);
        String w0 = h.idOf(0);
        h.on(new MemorySampled(Map.of(pid0, 150 * MIB, pid1, 50 * MIB)));
        assertTrue(h.taken(Spawn.class).isEmpty(), "one reading over is not enough");
        h.on(new MemorySampled(Map.of(pid0, 90 * MIB, pid1, 50 * MIB)));
        h.on(new MemorySampled(Map.of(pid0, 150 * MIB, pid1, 50 * MIB)));
        assertTrue(h.taken(Spawn.class).isEmpty(), "the strikes must be consecutive");
        h.on(new MemorySampled(Map.of(pid0, 150 * MIB, pid1, 50 * MIB)));
        assertEquals(1, h.taken(Spawn.class).size());
        assertEquals(Cause.MEMORY, h.s.recycles().swaps().get(w0).cause());
        h.on(new Acked(h.s.recycles().swaps().get(w0).replacement(), "test"));
        assertEquals(List.of(new Signal(pid0, Sig.TERM, true)), h.taken(Signal.class));
        assertEquals(1, h.s.recycles().total(Cause.MEMORY));
    }

    @Test
    void theOldWorkerDyingDuringARecycleLeavesItsReplacementInItsSlot() {
        var h = running(recycling(1, lifetime(Duration.ofSeconds(10), Duration.ZERO, 1)));
        int oldPid = h.pidOf(0);
        h.at(Duration.ofSeconds(10)).on(new Woke());
        h.take();
        h.on(new Reaped(oldPid, new ExitStatus.Exited(1)));
        assertTrue(h.taken(Spawn.class).isEmpty(), "no extra spawn: the replacement takes the slot");
        assertTrue(h.s.recycles().swaps().isEmpty());
        assertEquals(1, h.s.deaths().size(), "that exit was a real death");
    }
}
