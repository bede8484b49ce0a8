package kleinhirn.core.pool;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import kleinhirn.core.ExitStatus;
import kleinhirn.core.Sig;
import kleinhirn.core.pool.PoolEffect.Emit;
import kleinhirn.core.pool.PoolEffect.Refork;
import kleinhirn.core.pool.PoolEffect.Signal;
import kleinhirn.core.pool.PoolEffect.Spawn;
import kleinhirn.core.pool.PoolEffect.StartLoader;
import kleinhirn.core.pool.PoolEffect.UseLoader;
import kleinhirn.core.pool.PoolEvent.*;
import kleinhirn.core.pool.Recycles.Cause;
import org.junit.jupiter.api.Test;

/** Reforking with a fake clock: the schedule, a refork's course, its failures, generations. */
class ReforkMachineTest {
    static final Instant T0 = Instant.parse("2026-11-21T12:00:00Z");
    static final int LOADER = 100;
    static final int NEW_LOADER = 300;
    static final Duration ACK_TIMEOUT = Duration.ofSeconds(30);

    final List<PoolEffect> fx = new ArrayList<>();
    PoolMachineTest.Harness h;
    PoolState s;
    Instant now = T0;
    Instant wakeAt;
    int nextPid = 200;

    /** Two workers, ack_timeout 30s, min_uptime 1s, stop_timeout 10s, max_recycling 1. */
    void configure(Duration... schedule) {
        h = new PoolMachineTest.Harness(new PoolConfig(2, true, ACK_TIMEOUT, 10, Duration.ofSeconds(60), 5, Duration.ofSeconds(1),
                Duration.ofMillis(100), Duration.ofSeconds(30), Sig.TERM, Duration.ofSeconds(10), null, true)
                .withRecycling(new Recycling(null, Recycling.DEFAULT_MEMORY_CHECK_INTERVAL, null, Duration.ZERO, 1,
                        Duration.ZERO, List.of(schedule))), false);
        s = h.s;
    }

    /** One step through the shared harness (which checks that no wake-up is at or before now). */
    ReforkMachineTest on(PoolEvent e) {
        h.now = now;
        h.on(e);
        s = h.s;
        wakeAt = h.wakeAt;
        fx.addAll(h.take());
        return this;
    }

    ReforkMachineTest at(Duration sinceStart) {
        now = T0.plus(sinceStart);
        return this;
    }

    ReforkMachineTest woke(Duration sinceStart) {
        return at(sinceStart).on(new Woke());
    }

    <T> List<T> taken(Class<T> type) {
        List<T> r = fx.stream().filter(type::isInstance).map(type::cast).toList();
        fx.clear();
        return r;
    }

    List<String> logged() {
        return taken(Emit.class).stream().map(e -> e.log().msg()).toList();
    }

    /** Launches and acks every requested worker now; returns their pids. */
    List<Integer> launchAndAck() {
        List<Integer> pids = new ArrayList<>();
        for (Spawn sp : taken(Spawn.class)) {
            int pid = nextPid++;
            on(new Launched(sp.id(), pid)).on(new Acked(sp.id(), "loader_socket"));
            pids.add(pid);
        }
        return pids;
    }

    /** Loader 1 ready at T0; two workers (200, 201) acked at T0 and T0+500ms; min_uptime passed. */
    void running(Duration... schedule) {
        configure(schedule);
        on(new Started());
        assertEquals(List.of(new StartLoader(1)), taken(StartLoader.class));
        on(new LoaderStarted(1, LOADER)).on(new LoaderReady(1));
        List<Spawn> spawns = taken(Spawn.class);
        on(new Launched(spawns.get(0).id(), nextPid++)).on(new Acked(spawns.get(0).id(), "loader_socket"));
        at(Duration.ofMillis(500));
        on(new Launched(spawns.get(1).id(), nextPid++)).on(new Acked(spawns.get(1).id(), "loader_socket"));
        woke(Duration.ofSeconds(2));
        assertEquals(Phase.RUNNING, s.phase());
        fx.clear();
    }

    String idOfPid(int pid) {
        return s.byPid(pid).id();
    }

    /** The refork due at {@code at}: the worker that acked first (200) is told; returns the effect. */
    Refork reforkAt(Duration at) {
        woke(at);
        List<Refork> r = taken(Refork.class);
        assertEquals(1, r.size());
        return r.getFirst();
    }

    /** The attempt's new loader (300) connects and becomes ready now. */
    void newLoaderReady(Refork r) {
        on(new LoaderReforked(r.generation(), r.workerId(), NEW_LOADER)).on(new LoaderReady(r.generation()));
    }

    @Test
    void eachEntryCountsFromTheCurrentLoadersReadinessAndTakesTheLongestReadyWorker() {
        running(Duration.ofSeconds(10));
        assertEquals(T0.plusSeconds(10), wakeAt);
        woke(Duration.ofSeconds(10).minusMillis(1));
        assertTrue(taken(Refork.class).isEmpty(), "not a millisecond early");
        Refork r = reforkAt(Duration.ofSeconds(10));
        assertEquals(new Refork(2, idOfPid(200), 200), r, "generation 2 from the worker that acked first");
        assertInstanceOf(Reforks.Asked.class, s.reforks().attempt());
        assertEquals(new Loader.Ready(1, LOADER, T0), s.loader(), "the current loader serves on meanwhile");
    }

    @Test
    void aReforkMakesTheNewLoaderCurrentRecyclesEveryOlderWorkerFromItAndRetiresTheOldLoader() {
        running(Duration.ofSeconds(10), Duration.ofSeconds(60));
        Refork r = reforkAt(Duration.ofSeconds(10));
        at(Duration.ofSeconds(11));
        on(new LoaderReforked(2, r.workerId(), NEW_LOADER));
        assertInstanceOf(Reforks.Loading.class, s.reforks().attempt());
        at(Duration.ofSeconds(12));
        on(new LoaderReady(2));
        assertEquals(new Loader.Ready(2, NEW_LOADER, T0.plusSeconds(12)), s.loader());
        List<PoolEffect> effects = List.copyOf(fx);
        int use = effects.indexOf(new UseLoader(2));
        int spawn = effects.indexOf(effects.stream().filter(f -> f instanceof Spawn).findFirst().orElseThrow());
        assertTrue(use >= 0 && use < spawn, "requests go to the new loader before the first replacement: " + effects);
        assertTrue(fx.contains(new Signal(LOADER, Sig.TERM, true)), "nothing waits on the old loader: it leaves");
        assertEquals(1, taken(Spawn.class).size(), "max_recycling at a time");
        assertEquals(1, s.recycles().swaps().size());
        assertEquals(Cause.REFORK, s.recycles().swaps().values().iterator().next().cause());
        for (int round = 0; round < 2; round++) {
            String replacement = s.recycles().swaps().values().iterator().next().replacement();
            assertEquals(2, s.reforks().generation(replacement), "asked of the new loader");
            on(new Launched(replacement, nextPid++)).on(new Acked(replacement, "loader_socket"));
            assertTrue(s.ready() >= 2, "readiness never drops below count");
            for (Signal sig : taken(Signal.class)) on(new Reaped(sig.pid(), new ExitStatus.Exited(0)));
            assertEquals(2, s.ready());
        }
        assertTrue(s.recycles().swaps().isEmpty());
        for (Worker w : s.workers().values()) assertEquals(2, s.reforks().generation(w.id()));
        assertEquals(2, s.recycles().total(Cause.REFORK));
        assertEquals(0, s.deaths().size(), "recycles are not deaths");
        assertEquals(0, s.counters().deathsByExit() + s.counters().restarts() + s.counters().failedStarts());
        on(new Reaped(LOADER, new ExitStatus.Exited(0)));
        assertEquals(new Loader.Ready(2, NEW_LOADER, T0.plusSeconds(12)), s.loader(), "the old loader's exit is no loader death");
        assertTrue(s.reforks().retiring().isEmpty());
        assertEquals(1, s.reforks().succeeded());
        assertEquals(Phase.RUNNING, s.phase());
        assertEquals(T0.plusSeconds(72), nextScheduled(), "the next entry counts from the new loader's readiness");
    }

    /** Advances through the machine's wake-ups until a Refork is asked for; returns when. */
    Instant nextScheduled() {
        for (int i = 0; i < 20 && wakeAt != null; i++) {
            now = wakeAt;
            on(new Woke());
            if (!taken(Refork.class).isEmpty()) return now;
        }
        return null;
    }

    @Test
    void afterTheLastEntryThereAreNoMoreReforks() {
        running(Duration.ofSeconds(10));
        newLoaderReady(reforkAt(Duration.ofSeconds(10)));
        for (int i = 0; i < 2; i++) {
            launchAndAck();
            for (Signal sig : taken(Signal.class)) if (sig.pid() != LOADER) on(new Reaped(sig.pid(), new ExitStatus.Exited(0)));
        }
        assertNull(nextScheduled());
        woke(Duration.ofHours(5));
        assertTrue(taken(Refork.class).isEmpty());
    }

    @Test
    void aNewLoaderNotReadyWithinAckTimeoutIsAFailedReforkTheOldLoaderStaysAndTheNextEntryRetries() {
        running(Duration.ofSeconds(10), Duration.ofSeconds(20));
        Refork first = reforkAt(Duration.ofSeconds(10));
        on(new LoaderReforked(2, first.workerId(), NEW_LOADER));
        fx.clear();
        assertEquals(T0.plusSeconds(40), wakeAt, "ack_timeout from the signal");
        woke(Duration.ofSeconds(40).minusMillis(1));
        assertTrue(logged().isEmpty());
        woke(Duration.ofSeconds(40));
        assertTrue(fx.contains(new Signal(NEW_LOADER, Sig.KILL, true)), "the late loader is killed");
        assertEquals(List.of("refork failed; the current loader stays"), logged());
        assertEquals(new Loader.Ready(1, LOADER, T0), s.loader());
        assertNull(s.reforks().attempt());
        assertEquals(1, s.reforks().failed());
        assertEquals(Phase.RUNNING, s.phase(), "never faulted");
        assertEquals(0, s.failedStreak(), "not a failed start");
        assertEquals(T0.plusSeconds(60), wakeAt, "the next entry counts from the failure");
        Refork retry = reforkAt(Duration.ofSeconds(60));
        assertEquals(3, retry.generation(), "a generation is never reused");
        on(new Reaped(NEW_LOADER, new ExitStatus.Signaled(9, false)));
        assertEquals(Phase.RUNNING, s.phase());
        assertEquals(0, s.counters().deathsBySignal(), "the killed loader is not a worker death");
    }

    @Test
    void aNewLoaderThatDiesIsAFailedReforkNeverALoaderDeathOrAFault() {
        running(Duration.ofSeconds(10));
        Refork r = reforkAt(Duration.ofSeconds(10));
        on(new LoaderReforked(2, r.workerId(), NEW_LOADER));
        at(Duration.ofSeconds(11));
        on(new Reaped(NEW_LOADER, new ExitStatus.Exited(1)));
        assertEquals(1, s.reforks().failed());
        assertEquals(new Loader.Ready(1, LOADER, T0), s.loader());
        assertEquals(0, s.failedStreak());
        assertEquals(0, s.deaths().size());
        on(new LoaderReady(2));
        assertEquals(1, s.loader().generation(), "a late ready of a failed attempt changes nothing");
        assertTrue(taken(UseLoader.class).isEmpty());
    }

    @Test
    void aNewLoaderThatExitedBeforeItsReforkedLineWasReadFailsAtOnce() {
        running(Duration.ofSeconds(10));
        Refork r = reforkAt(Duration.ofSeconds(10));
        on(new Reaped(NEW_LOADER, new ExitStatus.Exited(1))); // the reaper was quicker than the socket
        on(new LoaderReforked(2, r.workerId(), NEW_LOADER));
        assertEquals(1, s.reforks().failed());
        assertNull(s.reforks().attempt());
    }

    @Test
    void aNewLoaderNobodyWaitsForIsKilled() {
        running(Duration.ofSeconds(10));
        on(new LoaderReforked(2, "someone", NEW_LOADER));
        assertEquals(List.of(new Signal(NEW_LOADER, Sig.KILL, true)), taken(Signal.class));
        assertEquals(1, s.loader().generation());
    }

    @Test
    void theOldLoaderStaysWhileARequestToItIsInFlight() {
        running(Duration.ofSeconds(10));
        Refork r = reforkAt(Duration.ofSeconds(10));
        on(new Reaped(201, new ExitStatus.Exited(1))); // a worker died: its replacement is asked of loader 1
        String asked = taken(Spawn.class).getFirst().id();
        assertEquals(1, s.reforks().generation(asked));
        newLoaderReady(r);
        assertTrue(taken(Signal.class).stream().noneMatch(sig -> sig.pid() == LOADER), "it still owes a launch");
        on(new Launched(asked, 250));
        assertEquals(List.of(new Signal(LOADER, Sig.TERM, true)), taken(Signal.class));
        on(new Acked(asked, "loader_socket"));
        woke(Duration.ofSeconds(12));
        assertTrue(s.recycles().swaps().containsKey(idOfPid(200)) || s.recycles().swaps().containsKey(asked),
                "the old generation's workers are recycled, also the one launched late");
    }

    @Test
    void aRetiringLoaderThatIgnoresItsStopSignalIsKilledAfterStopTimeout() {
        running(Duration.ofSeconds(10));
        at(Duration.ofSeconds(10));
        Refork r = reforkAt(Duration.ofSeconds(10));
        newLoaderReady(r);
        assertTrue(taken(Signal.class).contains(new Signal(LOADER, Sig.TERM, true)));
        woke(Duration.ofSeconds(20).minusMillis(1));
        assertFalse(taken(Signal.class).contains(new Signal(LOADER, Sig.KILL, true)));
        woke(Duration.ofSeconds(20));
        assertTrue(taken(Signal.class).contains(new Signal(LOADER, Sig.KILL, true)));
        assertTrue(s.reforks().retiring().isEmpty());
    }

    @Test
    void theCurrentLoaderDyingEndsTheAttemptAndTheNextLoaderTakesAFreshGeneration() {
        running(Duration.ofSeconds(10));
        Refork r = reforkAt(Duration.ofSeconds(10));
        on(new LoaderReforked(2, r.workerId(), NEW_LOADER));
        fx.clear();
        at(Duration.ofSeconds(11));
        on(new Reaped(LOADER, new ExitStatus.Signaled(9, false)));
        assertTrue(taken(Signal.class).contains(new Signal(NEW_LOADER, Sig.KILL, true)));
        assertEquals(1, s.reforks().failed());
        woke(Duration.ofSeconds(12));
        assertEquals(List.of(new StartLoader(3)), taken(StartLoader.class));
    }

    @Test
    void aStopDuringARefork() {
        running(Duration.ofSeconds(10));
        Refork r = reforkAt(Duration.ofSeconds(10));
        on(new LoaderReforked(2, r.workerId(), NEW_LOADER));
        fx.clear();
        on(new StopRequested(false, "SIGTERM"));
        assertTrue(taken(Signal.class).contains(new Signal(NEW_LOADER, Sig.TERM, true)), "its loader leaves with the rest");
        assertNull(s.reforks().attempt());
        on(new LoaderReady(2));
        assertEquals(1, s.loader().generation());
        for (int pid : List.of(200, 201, LOADER, NEW_LOADER)) on(new Reaped(pid, new ExitStatus.Exited(0)));
        on(new NoChildren());
        assertEquals(List.of(new PoolEffect.Exit(0)), taken(PoolEffect.Exit.class));
    }

    @Test
    void noReforkBeforeAWorkerHasPassedMinUptime() {
        configure(Duration.ofMillis(100));
        on(new Started()).on(new LoaderStarted(1, LOADER)).on(new LoaderReady(1));
        launchAndAck();
        woke(Duration.ofMillis(100));
        assertTrue(taken(Refork.class).isEmpty(), "min_uptime not passed");
        assertEquals(T0.plusSeconds(1), wakeAt);
        Refork r = reforkAt(Duration.ofSeconds(1));
        assertEquals(200, r.pid());
    }

    @Test
    void statusAndMetricsShowGenerations() {
        running(Duration.ofSeconds(10));
        newLoaderReady(reforkAt(Duration.ofSeconds(10)));
        String status = StatusJson.encode("web", 2, s);
        assertTrue(status.contains("\"generation\":1}"), status);
        assertTrue(status.endsWith(",\"loader\":{\"pid\":300,\"state\":\"ready\",\"generation\":2}}"), status);
        String metrics = PoolMetrics.encode(new PoolMetrics.View(s, 2, AckLatency.EMPTY, 1, -1, 0, 0));
        assertTrue(metrics.contains("\nkleinhirn_loader_generation 2\n"), metrics);
        assertTrue(metrics.contains("\nkleinhirn_reforks_total{result=\"succeeded\"} 1\n"), metrics);
    }
}
