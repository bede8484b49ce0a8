package kleinhirn.core.pool;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import kleinhirn.core.ExitStatus;
import kleinhirn.core.Sig;
import kleinhirn.core.Step;
import kleinhirn.core.pool.PoolEffect.Exit;
import kleinhirn.core.pool.PoolEffect.Signal;
import kleinhirn.core.pool.PoolEffect.SignalStrays;
import kleinhirn.core.pool.PoolEffect.Spawn;
import kleinhirn.core.pool.PoolEvent.*;
import kleinhirn.core.log.Level;
import org.junit.jupiter.api.Test;

/** The pool policy with a fake clock: time moves only when the test says so. */
class PoolMachineTest {
    static final Instant T0 = Instant.parse("2026-11-21T12:00:00Z");
    static final ExitStatus EXIT1 = new ExitStatus.Exited(1);

    static PoolConfig config(int count, boolean acks) {
        return new PoolConfig(count, acks, Duration.ofSeconds(60), 10, Duration.ofSeconds(60), 5,
                Duration.ofSeconds(1), Duration.ofMillis(100), Duration.ofSeconds(30), Sig.TERM,
                Duration.ofSeconds(10), null);
    }

    /** One acking worker, min_uptime 1s, and a watchdog. */
    static PoolConfig oneWorkerWithWatchdog(Duration watchdog) {
        return new PoolConfig(1, true, Duration.ofSeconds(60), 10, Duration.ofSeconds(60), 5,
                Duration.ofSeconds(1), Duration.ofMillis(100), Duration.ofSeconds(30), Sig.TERM,
                Duration.ofSeconds(10), watchdog);
    }

    /** Drives the machine like the loop does, playing the OS: Spawn effects get pids at once. */
    static final class Harness {
        final PoolMachine m;
        PoolState s;
        Instant now = T0;
        List<PoolEffect> fx = new ArrayList<>();
        Instant wakeAt;
        int nextPid = 100;
        final boolean autoSpawn;

        Harness(PoolConfig cfg) { this(cfg, true); }

        Harness(PoolConfig cfg, boolean autoSpawn) {
            m = new PoolMachine(cfg);
            s = PoolState.initial(cfg, 42, T0);
            this.autoSpawn = autoSpawn;
        }

        Harness on(PoolEvent e) {
            Step<PoolState, PoolEffect> st = m.step(s, e, now);
            s = st.state();
            wakeAt = st.wakeAt();
            // A deadline at or before now would make the loop spin: never ask for one.
        assertTrue(wakeAt == null || wakeAt.isAfter(now), "wake-up " + wakeAt + " is not after now " + now + " after " + e);
        fx.addAll(st.effects());
            if (autoSpawn) {
                for (PoolEffect f : st.effects()) {
                    if (f instanceof Spawn(String id)) on(new Spawned(id, nextPid++));
                }
            }
            return this;
        }

        Harness at(Duration sinceStart) {
            now = T0.plus(sinceStart);
            return this;
        }

        /** Advance to the machine's own deadline and deliver the tick. */
        Harness wake() {
            assertNotNull(wakeAt, "machine asked for no wake-up");
            now = wakeAt;
            return on(new Woke());
        }

        List<PoolEffect> take() {
            var r = fx;
            fx = new ArrayList<>();
            return r;
        }

        <T> List<T> taken(Class<T> type) {
            return take().stream().filter(type::isInstance).map(type::cast).toList();
        }

        int pidOf(int index) {
            return ((Worker.Running) s.workers().values().stream().skip(index).findFirst().orElseThrow()).pid();
        }

        String idOf(int index) {
            return s.workers().values().stream().skip(index).findFirst().orElseThrow().id();
        }

        void ackAll() {
            for (Worker w : List.copyOf(s.workers().values())) if (w instanceof Worker.Booting) on(new Acked(w.id(), "test"));
        }
    }

    @Test
    void startupSpawnsAllWorkersAtOnceAndRunsWhenAllAcked() {
        var h = new Harness(config(3, true)).on(new Started());
        assertEquals(3, h.taken(Spawn.class).size(), "all missing workers at once");
        assertEquals(Phase.STARTING, h.s.phase());
        assertEquals("still starting up", h.s.reason());
        h.on(new Acked(h.idOf(0), "status_fd")).on(new Acked(h.idOf(1), "status_fd"));
        assertEquals(Phase.STARTING, h.s.phase());
        h.on(new Acked(h.idOf(2), "status_fd"));
        assertEquals(Phase.RUNNING, h.s.phase());
        assertEquals(3, h.s.ready());
    }

    @Test
    void withoutAcksWorkersAreReadyWhenSpawned() {
        var h = new Harness(config(2, false)).on(new Started());
        assertEquals(Phase.RUNNING, h.s.phase());
    }

    @Test
    void idsAreDistinctUuidV4s() {
        var h = new Harness(config(3, true)).on(new Started());
        var ids = h.s.workers().keySet();
        assertEquals(3, ids.size());
        for (String id : ids) assertTrue(id.matches("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"), id);
    }

    @Test
    void ackTimeoutFiresExactlyAtTheDeadlineNotBefore() {
        var h = new Harness(config(1, true)).on(new Started());
        h.take();
        assertEquals(T0.plusSeconds(60), h.wakeAt);
        h.at(Duration.ofSeconds(60).minusMillis(1)).on(new Woke());
        assertInstanceOf(Worker.Booting.class, h.s.workers().values().iterator().next());
        assertTrue(h.take().stream().noneMatch(f -> f instanceof Signal));
        h.at(Duration.ofSeconds(60)).on(new Woke());
        Worker w = h.s.workers().values().iterator().next();
        assertEquals("broken", w.wire());
        assertEquals(List.of(new Signal(100, Sig.TERM, true)), h.taken(Signal.class));
        assertEquals(1, h.s.failedStreak());
        assertEquals(1, h.s.counters().brokenAckTimeout());
    }

    @Test
    void brokenWorkerIsKilledAfterStopTimeoutAndReplacedAfterBackoff() {
        var h = new Harness(config(1, true)).on(new Started());
        h.at(Duration.ofSeconds(60)).on(new Woke());
        h.take();
        // Replacement waits the first backoff step (restart_delay = 100 ms).
        h.wake();
        assertEquals(Duration.ofMillis(60_100), Duration.between(T0, h.now));
        assertEquals(1, h.taken(Spawn.class).size());
        // SIGKILL exactly stop_timeout after the TERM, unless it died.
        h.at(Duration.ofSeconds(70).minusMillis(1)).on(new Woke());
        assertTrue(h.taken(Signal.class).isEmpty());
        h.at(Duration.ofSeconds(70)).on(new Woke());
        assertEquals(List.of(new Signal(100, Sig.KILL, true)), h.taken(Signal.class));
        h.on(new Reaped(100, new ExitStatus.Signaled(9, false)));
        assertEquals(1, h.s.workers().size(), "only the replacement is left");
        assertEquals(1, h.s.failedStreak(), "a broken worker's death is not a second failed start");
    }

    @Test
    void aWorkerThatNeverAckedIsLoggedAsAFailedStartWhenItDies() {
        var h = new Harness(config(1, true)).on(new Started());
        h.at(Duration.ofSeconds(60)).on(new Woke());
        h.take();
        h.at(Duration.ofSeconds(61)).on(new Reaped(100, new ExitStatus.Signaled(15, false)));
        var died = h.take().stream().filter(f -> f instanceof PoolEffect.Emit e && e.log().msg().equals("worker died"))
                .map(f -> ((PoolEffect.Emit) f).log()).findFirst().orElseThrow();
        int at = died.kv().indexOf("failed_start");
        assertEquals(true, died.kv().get(at + 1), died.toString());
        assertEquals(1, h.s.failedStreak(), "counted once, when it was marked broken");
    }

    @Test
    void failedStartsBackOffExponentiallyCappedAndFaultAfterFive() {
        var cfg = new PoolConfig(1, true, Duration.ofSeconds(60), 100, Duration.ofSeconds(60), 5,
                Duration.ofSeconds(1), Duration.ofMillis(100), Duration.ofMillis(500), Sig.TERM,
                Duration.ofSeconds(10), null);
        var h = new Harness(cfg).on(new Started());
        List<Long> delays = new ArrayList<>();
        for (int i = 1; i <= 7; i++) {
            h.take();
            h.on(new Reaped(h.pidOf(0), EXIT1));
            Instant died = h.now;
            assertTrue(h.take().stream().noneMatch(f -> f instanceof Spawn), "no immediate respawn of a failed start");
            h.wake();
            delays.add(Duration.between(died, h.now).toMillis());
            assertEquals(i, h.s.failedStreak());
            assertEquals(i >= 5 ? Phase.FAULTED : Phase.STARTING, h.s.phase(), "after " + i);
        }
        assertEquals(List.of(100L, 200L, 400L, 500L, 500L, 500L, 500L), delays);
        assertEquals("faulted: 7 failed starts in a row", h.s.reason());
    }

    @Test
    void streakResetsOnlyAfterMinUptimeAndFaultedRecovers() {
        var h = new Harness(config(1, true)).on(new Started());
        for (int i = 0; i < 5; i++) {
            h.on(new Reaped(h.pidOf(0), EXIT1));
            h.wake();
        }
        assertEquals(Phase.FAULTED, h.s.phase());
        h.on(new Acked(h.idOf(0), "t"));
        assertEquals(Phase.FAULTED, h.s.phase(), "acked but not yet past min_uptime");
        assertEquals(5, h.s.failedStreak());
        Instant acked = h.now;
        h.wake();
        assertEquals(acked.plusSeconds(1), h.now);
        assertEquals(0, h.s.failedStreak());
        assertEquals(Phase.RUNNING, h.s.phase(), "recovered: all ready, streak broken, window not exceeded");
    }

    @Test
    void readyWorkerDyingWithinMinUptimeIsAFailedStart() {
        var h = new Harness(config(1, true)).on(new Started());
        h.ackAll();
        h.at(Duration.ofMillis(999)).on(new Reaped(h.pidOf(0), EXIT1));
        assertEquals(1, h.s.failedStreak());
    }

    @Test
    void establishedWorkerIsReplacedAtOnce() {
        var h = new Harness(config(2, true)).on(new Started());
        h.ackAll();
        h.wake(); // min_uptime passes
        assertEquals(Phase.RUNNING, h.s.phase());
        h.take();
        h.at(Duration.ofSeconds(5)).on(new Reaped(h.pidOf(0), new ExitStatus.Signaled(9, false)));
        assertEquals(1, h.taken(Spawn.class).size(), "replaced in the same step");
        assertEquals(Phase.UNDERPROVISIONED, h.s.phase());
        assertEquals("underprovisioned: 1/2 ready", h.s.reason());
        assertEquals(1, h.s.counters().restarts());
        h.ackAll();
        assertEquals(Phase.RUNNING, h.s.phase());
    }

    @Test
    void deathWindowFaultsOnMoreThanMaxDeathsAndForgetsOldOnes() {
        var cfg = new PoolConfig(1, false, Duration.ofSeconds(60), 3, Duration.ofSeconds(60), 100,
                Duration.ZERO, Duration.ofMillis(100), Duration.ofSeconds(30), Sig.TERM, Duration.ofSeconds(10), null);
        var h = new Harness(cfg).on(new Started()); // min_uptime 0: established at once
        for (int i = 1; i <= 3; i++) {
            h.at(Duration.ofSeconds(i)).on(new Reaped(h.pidOf(0), EXIT1));
            h.on(new Woke());
        }
        assertNotEquals(Phase.FAULTED, h.s.phase(), "3 deaths is not more than 3");
        h.take();
        h.at(Duration.ofSeconds(4)).on(new Reaped(h.pidOf(0), EXIT1));
        assertEquals(Phase.FAULTED, h.s.phase());
        assertEquals("faulted: 4 deaths in 60s", h.s.reason());
        // While faulted, even established workers are replaced only after a backoff.
        assertTrue(h.take().stream().noneMatch(f -> f instanceof Spawn));
        h.wake();
        assertEquals(1, h.s.workers().size());
        // One tick before the first death leaves the window: still faulted; at it: recovered.
        h.at(Duration.ofSeconds(61).minusMillis(1)).on(new Woke());
        assertEquals(Phase.FAULTED, h.s.phase());
        h.at(Duration.ofSeconds(61)).on(new Woke());
        assertEquals(Phase.RUNNING, h.s.phase());
    }

    @Test
    void gracefulStopSignalsEveryGroupThenKillsAfterTimeoutAndExitsWhenAllReaped() {
        var h = new Harness(config(2, true)).on(new Started());
        h.ackAll();
        h.take();
        h.at(Duration.ofSeconds(1)).on(new StopRequested(false, "SIGTERM"));
        assertEquals(Phase.STOPPING, h.s.phase());
        assertEquals(List.of(new Signal(100, Sig.TERM, true), new Signal(101, Sig.TERM, true)), h.taken(Signal.class));
        h.on(new Reaped(100, new ExitStatus.Exited(0)));
        assertTrue(h.take().stream().noneMatch(f -> f instanceof Spawn), "no replacement while stopping");
        assertEquals(T0.plusSeconds(11), h.wakeAt);
        h.at(Duration.ofSeconds(11).minusMillis(1)).on(new Woke());
        assertTrue(h.taken(Signal.class).isEmpty());
        h.at(Duration.ofSeconds(11)).on(new Woke());
        assertTrue(h.take().contains(new Signal(101, Sig.KILL, true)));
        h.on(new Reaped(101, new ExitStatus.Signaled(9, false)));
        assertTrue(h.take().stream().noneMatch(f -> f instanceof Exit), "children may remain: wait for ECHILD");
        h.on(new NoChildren());
        assertTrue(h.take().contains(new Exit(0)));
    }

    @Test
    void secondStopKillsAtOnce() {
        var h = new Harness(config(1, true)).on(new Started());
        h.on(new StopRequested(false, "SIGTERM")).take();
        h.on(new StopRequested(false, "SIGTERM"));
        var fx = h.take();
        assertTrue(fx.contains(new Signal(100, Sig.KILL, true)));
        assertTrue(fx.contains(new SignalStrays(Sig.KILL)));
    }

    @Test
    void strayChildrenAreSignaledOnceWorkersAreGone() {
        var h = new Harness(config(1, false)).on(new Started());
        h.on(new StopRequested(false, "SIGTERM")).on(new Reaped(100, new ExitStatus.Exited(0)));
        assertTrue(h.take().contains(new SignalStrays(Sig.TERM)));
        h.on(new Reaped(555, new ExitStatus.Exited(0))).on(new NoChildren());
        assertTrue(h.take().contains(new Exit(0)));
    }

    @Test
    void stopWhileALoaderSpawnIsInFlightStopsTheLateWorker() {
        var h = new Harness(config(1, true), false).on(new Started());
        String id = h.idOf(0);
        h.on(new StopRequested(false, "SIGTERM")).take();
        h.on(new Launched(id, 300));
        assertTrue(h.take().contains(new Signal(300, Sig.TERM, true)));
        h.on(new Reaped(300, new ExitStatus.Exited(0))).on(new NoChildren());
        assertTrue(h.take().contains(new Exit(0)));
    }

    @Test
    void unknownPidsAreNotWorkerDeaths() {
        var h = new Harness(config(1, true)).on(new Started());
        h.ackAll();
        h.on(new Reaped(9999, EXIT1));
        assertEquals(1, h.s.ready());
        assertEquals(0, h.s.deaths().size());
        assertEquals(1, h.s.unclaimed().size());
        // Unclaimed exits are forgotten after their time-to-live.
        h.at(Duration.ofSeconds(10)).on(new Woke());
        assertEquals(0, h.s.unclaimed().size());
    }

    @Test
    void exitReapedBeforeTheLoaderReportsThePidIsMatchedLater() {
        var h = new Harness(config(1, true), false).on(new Started());
        String id = h.idOf(0);
        h.on(new Reaped(300, EXIT1));
        assertEquals(0, h.s.deaths().size());
        h.on(new Launched(id, 300));
        assertEquals(1, h.s.deaths().size(), "the early exit counts as this worker's death");
        assertEquals(1, h.s.failedStreak());
        assertTrue(h.s.workers().isEmpty());
    }

    @Test
    void anEarlyExitNeverMatchesOurOwnSpawnedPid() {
        var h = new Harness(config(1, true), false).on(new Started());
        h.on(new Reaped(300, EXIT1)).on(new Spawned(h.idOf(0), 300));
        assertEquals(1, h.s.workers().size(), "pid reuse, not a death");
    }

    @Test
    void ackArrivingBeforeTheLaunchReportCounts() {
        var h = new Harness(config(1, true), false).on(new Started());
        String id = h.idOf(0);
        h.on(new Acked(id, "loader")).on(new Launched(id, 300));
        assertEquals(Phase.RUNNING, h.s.phase());
    }

    @Test
    void onlyTheFirstAckCountsAndPidAcksWork() {
        var h = new Harness(config(1, true)).on(new Started());
        h.on(new AckedByPid(100, "notify"));
        Instant acked = ((Worker.Ready) h.s.workers().values().iterator().next()).ackedAt();
        h.at(Duration.ofMillis(500)).on(new Acked(h.idOf(0), "status_fd"));
        assertEquals(acked, ((Worker.Ready) h.s.workers().values().iterator().next()).ackedAt());
    }

    @Test
    void spawnFailureCountsAsFailedStart() {
        var h = new Harness(config(1, true), false).on(new Started());
        h.on(new SpawnFailed(h.idOf(0), "ENOENT"));
        assertEquals(1, h.s.failedStreak());
        assertTrue(h.s.workers().isEmpty());
        assertEquals(T0.plusMillis(100), h.wakeAt);
    }

    @Test
    void aBurstOfSpawnFailuresIsOneErrorLinePerBackoffRound() {
        var h = new Harness(config(3, true), false).on(new Started());
        List<String> ids = h.taken(Spawn.class).stream().map(Spawn::id).toList();
        for (String id : ids) h.on(new SpawnFailed(id, "too few file descriptors"));
        assertEquals(List.of(Level.ERROR, Level.DEBUG, Level.DEBUG), spawnFailureLevels(h.take()));
        assertEquals(3, h.s.failedStreak(), "every failure still counts");
        h.wake(); // the backoff has passed: the next round is a new burst
        ids = h.taken(Spawn.class).stream().map(Spawn::id).toList();
        assertEquals(3, ids.size());
        for (String id : ids) h.on(new SpawnFailed(id, "too few file descriptors"));
        assertEquals(List.of(Level.ERROR, Level.DEBUG, Level.DEBUG), spawnFailureLevels(h.take()));
    }

    static List<Level> spawnFailureLevels(List<PoolEffect> fx) {
        return fx.stream().filter(f -> f instanceof PoolEffect.Emit(var rec) && rec.msg().equals("failed to spawn worker"))
                .map(f -> ((PoolEffect.Emit) f).log().level()).toList();
    }

    @Test
    void forwardedSignalsGoToEveryWorkerGroup() {
        var h = new Harness(config(2, false)).on(new Started());
        h.take();
        h.on(new Forward(Sig.HUP));
        assertEquals(List.of(new Signal(100, Sig.HUP, true), new Signal(101, Sig.HUP, true)), h.taken(Signal.class));
    }

    @Test
    void watchdogMissMarksTheWorkerBroken() {
        var cfg = oneWorkerWithWatchdog(Duration.ofSeconds(2));
        var h = new Harness(cfg).on(new Started());
        h.on(new AckedByPid(100, "notify"));
        h.at(Duration.ofMillis(1500)).on(new Notified(100, true, null, false));
        h.at(Duration.ofMillis(3499)).on(new Woke());
        assertEquals("ready", h.s.workers().values().iterator().next().wire());
        h.at(Duration.ofMillis(3500)).on(new Woke());
        assertEquals("broken", h.s.workers().values().iterator().next().wire());
        assertEquals(1, h.s.counters().brokenWatchdog());
    }

    @Test
    void aWatchdogMissedAtTheInstantOfMinUptimeIsBrokenAndAFailedStart() {
        // watchdog = min_uptime = 1s: both deadlines fall on the same tick. The watchdog wins.
        var cfg = oneWorkerWithWatchdog(Duration.ofSeconds(1));
        var h = new Harness(cfg).on(new Started());
        h.on(new AckedByPid(100, "notify"));
        h.at(Duration.ofMillis(999)).on(new Woke());
        assertInstanceOf(Worker.Ready.class, h.s.workers().values().iterator().next());
        assertEquals(h.now.plusMillis(1), h.wakeAt);
        h.wake();
        assertEquals("broken", h.s.workers().values().iterator().next().wire());
        assertEquals(1, h.s.failedStreak(), "never established: its miss is a failed start");
        assertEquals(1, h.s.counters().failedStarts());
    }

    @Test
    void anEstablishedWorkerThatMissesTheWatchdogIsNoFailedStart() {
        var cfg = oneWorkerWithWatchdog(Duration.ofSeconds(2));
        var h = new Harness(cfg).on(new Started());
        h.on(new AckedByPid(100, "notify"));
        h.at(Duration.ofSeconds(1)).on(new Woke());
        assertTrue(((Worker.Ready) h.s.workers().values().iterator().next()).established());
        h.at(Duration.ofSeconds(2)).on(new Woke());
        assertEquals("broken", h.s.workers().values().iterator().next().wire());
        assertEquals(0, h.s.failedStreak());
    }

    @Test
    void stoppingNotificationMarksOnlyThatWorker() {
        var h = new Harness(config(2, false)).on(new Started());
        h.take();
        h.on(new Notified(100, false, "draining", true));
        assertEquals("stopping", h.s.workers().values().iterator().next().wire());
        assertEquals(1, h.taken(Spawn.class).size(), "its replacement starts at once");
        assertEquals(Phase.RUNNING, h.s.phase(), "one worker leaving is not the set stopping");
    }

    @Test
    void aNoChildrenFromBeforeTheFirstSpawnDoesNotEndShutdownEarly() {
        var h = new Harness(config(1, false));
        h.on(new NoChildren()); // posted by the reaper before anything was spawned
        h.on(new Started()).take();
        h.on(new StopRequested(false, "SIGTERM"));
        h.on(new Reaped(100, new ExitStatus.Exited(0)));
        var fx = h.take();
        assertFalse(fx.contains(new Exit(0)), "an orphan may still be alive: wait for a fresh NoChildren");
        assertTrue(fx.contains(new SignalStrays(Sig.TERM)));
        h.on(new NoChildren());
        assertTrue(h.take().contains(new Exit(0)));
    }

    @Test
    void straysReParentedDuringShutdownAreSignaledTooAndASecondStopKillsAgain() {
        var h = new Harness(config(1, false)).on(new Started());
        h.on(new StopRequested(false, "SIGTERM")).on(new Reaped(100, new ExitStatus.Exited(0)));
        assertTrue(h.take().contains(new SignalStrays(Sig.TERM)));
        // A stray dies; its children were just re-parented to us and get the signal as well.
        h.on(new Reaped(500, new ExitStatus.Exited(0)));
        assertTrue(h.take().contains(new SignalStrays(Sig.TERM)));
        h.on(new StopRequested(false, "SIGTERM"));
        assertTrue(h.take().contains(new SignalStrays(Sig.KILL)));
        h.on(new Reaped(501, new ExitStatus.Signaled(9, false)));
        assertTrue(h.take().contains(new SignalStrays(Sig.KILL)), "after the kill, newcomers are killed too");
        h.on(new StopRequested(true, "control kill"));
        assertTrue(h.take().contains(new SignalStrays(Sig.KILL)), "every further request kills again");
    }

    @Test
    void sayingStoppingDoesNotExcuseAFailedStart() {
        var h = new Harness(config(1, true)).on(new Started());
        for (int i = 1; i <= 5; i++) {
            h.on(new Notified(h.pidOf(0), false, null, true));
            h.on(new Reaped(h.pidOf(0), EXIT1));
            assertEquals(i, h.s.failedStreak());
            h.wake();
        }
        assertEquals(Phase.FAULTED, h.s.phase());
    }

    @Test
    void aWorkerThatSaysStoppingButStaysIsKilledAfterStopTimeout() {
        var h = new Harness(config(1, true)).on(new Started());
        h.ackAll();
        h.wake();
        h.take();
        h.on(new Notified(100, false, null, true));
        assertEquals(T0.plusSeconds(11), h.wakeAt, "stop_timeout after the STOPPING=1");
        h.wake();
        assertTrue(h.take().contains(new Signal(100, Sig.KILL, true)));
    }

    @Test
    void deathsInThePeriodAreCountedExactlyBeyondMaxDeaths() {
        var cfg = new PoolConfig(1, false, Duration.ofSeconds(60), 3, Duration.ofSeconds(60), 100,
                Duration.ZERO, Duration.ofMillis(1), Duration.ofMillis(1), Sig.TERM, Duration.ofSeconds(10), null);
        var h = new Harness(cfg).on(new Started());
        for (int i = 1; i <= 12; i++) {
            h.at(Duration.ofSeconds(i)).on(new Reaped(h.pidOf(0), EXIT1));
            if (h.wakeAt != null) h.wake(); // a faulted set replaces after a backoff
        }
        assertEquals(12, h.s.deaths().size());
        assertEquals("faulted: 12 deaths in 60s", h.s.reason());
    }
}
