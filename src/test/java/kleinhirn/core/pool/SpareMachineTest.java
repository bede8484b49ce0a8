package kleinhirn.core.pool;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import kleinhirn.core.ExitStatus;
import kleinhirn.core.Sig;
import kleinhirn.core.Step;
import kleinhirn.core.pool.PoolEffect.Signal;
import kleinhirn.core.pool.PoolEffect.Spawn;
import kleinhirn.core.pool.PoolEffect.SpawnSpare;
import kleinhirn.core.pool.PoolEvent.*;
import org.junit.jupiter.api.Test;

/** worker.spares with a fake clock: parked spares, promotion, their deaths, shutdown. */
class SpareMachineTest extends PreloadedMachineDriver {
    static final ExitStatus KILLED = new ExitStatus.Signaled(9, false);

    SpareMachineTest() {
        super(1);
    }

    static List<String> spawns(List<PoolEffect> fx) {
        return fx.stream().filter(f -> f instanceof Spawn).map(f -> ((Spawn) f).id()).toList();
    }

    static List<String> spares(List<PoolEffect> fx) {
        return fx.stream().filter(f -> f instanceof SpawnSpare).map(f -> ((SpawnSpare) f).id()).toList();
    }

    static boolean logged(List<PoolEffect> fx, String msg) {
        return fx.stream().anyMatch(f -> f instanceof PoolEffect.Emit(var l) && l.msg().equals(msg));
    }

    /** Loader 100 ready; workers 201, 202 acked; the spare 301 parked. Returns the spare's id. */
    String running() {
        on(new Started()).on(new LoaderStarted(1, 100)).on(new LoaderReady(1));
        List<PoolEffect> asked = take();
        List<String> ids = spawns(asked);
        assertEquals(2, ids.size());
        List<String> spare = spares(asked);
        assertEquals(1, spare.size(), "the spare is asked for with the workers, after them");
        assertTrue(asked.indexOf(new SpawnSpare(spare.getFirst())) > asked.indexOf(new Spawn(ids.get(1))));
        on(new Launched(ids.get(0), 201)).on(new Launched(ids.get(1), 202)).on(new Launched(spare.getFirst(), 301));
        on(new Acked(ids.get(0), "loader_socket")).on(new Acked(ids.get(1), "loader_socket"));
        assertEquals(Phase.RUNNING, s.phase());
        assertInstanceOf(Worker.Spare.class, s.workers().get(spare.getFirst()));
        assertEquals("spare", s.workers().get(spare.getFirst()).wire());
        assertTrue(logged(take(), "spare parked"));
        return spare.getFirst();
    }

    @Test
    void aSpareIsNotReadyAndDoesNotCountTowardCount() {
        on(new Started()).on(new LoaderStarted(1, 100)).on(new LoaderReady(1));
        List<PoolEffect> asked = take();
        on(new Launched(spares(asked).getFirst(), 301));
        assertEquals(0, s.ready());
        assertEquals(Phase.STARTING, s.phase(), "a parked spare does not make the set healthy");
        on(new Launched(spawns(asked).get(0), 201)).on(new Acked(spawns(asked).get(0), "loader_socket"));
        assertEquals(1, s.ready());
        assertEquals(Phase.STARTING, s.phase(), "1 of 2 ready plus a spare is still not running");
    }

    @Test
    void aDeadWorkerIsReplacedByPromotingTheSpareThenANewSpareIsAskedFor() {
        String spare = running();
        now = T0.plusSeconds(5);
        on(new ExitReported("any", 201, KILLED)); // not that worker's id: ignored
        assertEquals(2, s.ready());
        take();
        String dead = s.byPid(201).id();
        on(new ExitReported(dead, 201, KILLED));
        List<PoolEffect> done = take();
        assertTrue(done.contains(new Signal(301, Sig.CONT, false)), "promoted by SIGCONT to its pid: " + done);
        assertTrue(logged(done, "worker promoted"));
        int died = 0;
        while (!(done.get(died) instanceof PoolEffect.Emit(var l) && l.msg().equals("worker died"))) died++;
        assertTrue(done.indexOf(new Signal(301, Sig.CONT, false)) < died, "the promotion does not wait for the log line");
        assertTrue(spawns(done).isEmpty(), "no fork for the replacement");
        assertEquals(1, spares(done).size(), "a new spare in the background");
        Worker promoted = s.workers().get(spare);
        assertEquals(new Worker.Booting(spare, 301, now, null), promoted, "same id and pid; ack_timeout from now");
        on(new Acked(spare, "loader_socket"));
        assertEquals(Phase.RUNNING, s.phase());
        assertEquals(1, s.counters().restarts());
    }

    @Test
    void aWorkerBrokenByAckTimeoutIsReplacedByTheSpare() {
        on(new Started()).on(new LoaderStarted(1, 100)).on(new LoaderReady(1));
        List<PoolEffect> asked = take();
        on(new Launched(spawns(asked).get(0), 201)).on(new Launched(spawns(asked).get(1), 202));
        on(new Launched(spares(asked).getFirst(), 301)).on(new Acked(spawns(asked).get(0), "loader_socket"));
        take();
        now = T0.plusSeconds(30).minusMillis(1);
        on(new Woke());
        assertFalse(take().contains(new Signal(301, Sig.CONT, false)), "not before ack_timeout");
        now = T0.plusSeconds(30);
        on(new Woke());
        List<PoolEffect> done = take();
        assertTrue(done.contains(new Signal(202, Sig.TERM, true)), "the broken worker is stopped");
        assertTrue(done.contains(new Signal(301, Sig.CONT, false)), "and the spare promoted at once");
    }

    @Test
    void aBrokenWorkerByWatchdogOrStoppingIsReplacedByTheSpare() {
        String spare = running();
        now = T0.plusSeconds(5);
        on(new Notified(202, false, null, true)); // STOPPING=1: on its way out
        assertTrue(take().contains(new Signal(301, Sig.CONT, false)));
        assertInstanceOf(Worker.Booting.class, s.workers().get(spare));
    }

    @Test
    void aSpareThatDiesIsAFailedStartAndReplaced() {
        String spare = running();
        now = T0.plusSeconds(5);
        on(new ExitReported(spare, 301, KILLED));
        List<PoolEffect> done = take();
        assertTrue(logged(done, "spare died"));
        assertEquals(1, s.counters().failedStarts(), "a failed start (the streak itself is broken at once: every worker is established)");
        assertEquals(2, s.ready(), "the workers are untouched");
        assertTrue(spares(done).isEmpty(), "replaced only after the backoff");
        assertEquals(now.plusMillis(100), wakeAt);
        now = wakeAt;
        on(new Woke());
        assertEquals(1, spares(take()).size());
    }

    @Test
    void aSpareOfADeadLoaderIsReapedByUsAndStillPromotable() {
        String spare = running();
        now = T0.plusSeconds(5);
        on(new Reaped(100, KILLED)); // the loader: its workers and the spare are ours now
        take();
        String dead = s.byPid(202).id();
        on(new Reaped(202, KILLED));
        List<PoolEffect> done = take();
        assertTrue(done.contains(new Signal(301, Sig.CONT, false)), "promotion needs no loader");
        assertInstanceOf(Worker.Booting.class, s.workers().get(spare));
        assertNull(s.workers().get(dead));
        assertTrue(spares(done).isEmpty(), "a new spare waits for the next loader");
    }

    @Test
    void noSpareIsPromotedWhileStoppingAndSparesGetTheStopSignal() {
        running();
        now = T0.plusSeconds(5);
        on(new StopRequested(false, "SIGTERM"));
        List<PoolEffect> stop = take();
        assertTrue(stop.contains(new Signal(301, Sig.TERM, true)), "the spare gets stop_signal: " + stop);
        on(new Reaped(201, new ExitStatus.Exited(0)));
        List<PoolEffect> after = take();
        assertFalse(after.contains(new Signal(301, Sig.CONT, false)), "no promotion while stopping");
        assertTrue(spares(after).isEmpty() && spawns(after).isEmpty());
    }

    @Test
    void aSpareLaunchedDuringShutdownIsStopped() {
        on(new Started()).on(new LoaderStarted(1, 100)).on(new LoaderReady(1));
        String spare = spares(take()).getFirst();
        on(new StopRequested(false, "SIGTERM"));
        take();
        on(new Launched(spare, 301));
        assertTrue(take().contains(new Signal(301, Sig.TERM, true)));
        assertInstanceOf(Worker.Leaving.class, s.workers().get(spare));
    }

    @Test
    void forwardedSignalsSkipParkedSpares() {
        running();
        on(new Forward(Sig.HUP));
        List<PoolEffect> sent = take();
        assertTrue(sent.contains(new Signal(201, Sig.HUP, true)));
        assertFalse(sent.contains(new Signal(301, Sig.HUP, true)), "a spare runs none of the app yet");
    }

    @Test
    void anExitReportForAnUnknownPidIsIgnoredAndLeavesNothingBehind() {
        running();
        on(new ExitReported("gone", 999, KILLED));
        assertTrue(s.unclaimed().isEmpty(), "the loader reports only after launched: nothing to wait for");
        assertEquals(2, s.ready());
    }

    @Test
    void aSpareRequestNeverLaunchedCountsAsAFailedStartAfterAckTimeout() {
        on(new Started()).on(new LoaderStarted(1, 100)).on(new LoaderReady(1));
        List<PoolEffect> asked = take();
        for (String id : spawns(asked)) on(new Launched(id, id.hashCode() & 0xffff | 0x10000)).on(new Acked(id, "x"));
        take();
        now = T0.plusSeconds(30);
        on(new Woke());
        assertTrue(logged(take(), "worker never launched within ack_timeout"));
        assertEquals(1, s.counters().failedStarts());
    }

    @Test
    void everyWorkerAndSpareKeepsItsOwnIdThroughPromotionsAndPlainSpawns() {
        // Plain spawns and spares draw ids from the same seed: a new id must never be one the
        // pool already holds (a promoted spare, a spare still being forked), or the loader
        // refuses it as a duplicate and the slot is lost.
        running();
        java.util.Set<String> seen = new java.util.HashSet<>(s.workers().keySet());
        int pid = 400;
        for (int round = 0; round < 6; round++) {
            now = now.plusSeconds(5);
            Worker.Running victim = (Worker.Running) s.workers().values().stream()
                    .filter(w -> w instanceof Worker.Ready).findFirst().orElseThrow();
            on(new ExitReported(victim.id(), victim.pid(), KILLED));
            List<PoolEffect> fx = take();
            for (String id : spawns(fx)) assertTrue(seen.add(id), "spawn reuses id " + id + " in round " + round);
            for (String id : spares(fx)) assertTrue(seen.add(id), "spare reuses id " + id + " in round " + round);
            for (String id : spawns(fx)) on(new Launched(id, ++pid));
            for (Worker w : List.copyOf(s.workers().values())) {
                if (w instanceof Worker.Booting b) on(new Acked(b.id(), "loader_socket"));
            }
            take();
        }
    }
}
