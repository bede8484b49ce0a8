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
import kleinhirn.core.pool.PoolEffect.Spawn;
import kleinhirn.core.pool.PoolEffect.StartLoader;
import kleinhirn.core.pool.PoolEvent.*;
import org.junit.jupiter.api.Test;

/** The preloaded pool's loader lifecycle, with a fake clock. */
class LoaderMachineTest extends PreloadedMachineDriver {
    LoaderMachineTest() {
        super(0);
    }

    List<String> requested() {
        return take().stream().filter(f -> f instanceof Spawn).map(f -> ((Spawn) f).id()).toList();
    }

    /** Start, load, and launch + ack both workers (pids 201, 202). */
    void running() {
        on(new Started());
        assertEquals(List.of(new StartLoader(1)), take().stream().filter(f -> f instanceof StartLoader).toList());
        on(new LoaderStarted(1, 100));
        assertTrue(requested().isEmpty(), "no spawn requests before the loader is ready");
        on(new LoaderReady(1));
        List<String> ids = requested();
        assertEquals(2, ids.size(), "all missing workers requested at once (pipelined)");
        on(new Launched(ids.get(0), 201)).on(new Launched(ids.get(1), 202));
        on(new Acked(ids.get(0), "loader_socket")).on(new Acked(ids.get(1), "loader_socket"));
        assertEquals(Phase.RUNNING, s.phase());
        take();
    }

    @Test
    void loaderFirstThenWorkers() {
        running();
        assertEquals(new Loader.Ready(1, 100, T0), s.loader());
    }

    @Test
    void loaderDeathAfterReadyKeepsWorkersAndStartsANewLoader() {
        running();
        now = T0.plusSeconds(5);
        on(new Reaped(100, new ExitStatus.Signaled(9, false)));
        assertEquals(2, s.ready(), "workers keep running");
        assertInstanceOf(Loader.Down.class, s.loader());
        assertEquals(0, s.failedStreak(), "a loader that was up for long is not a failed start");
        assertEquals(T0.plusSeconds(5).plusMillis(100), wakeAt, "restarted after restart_delay");
        now = wakeAt;
        on(new Woke());
        assertTrue(take().contains(new StartLoader(2)));
        on(new LoaderStarted(2, 300)).on(new LoaderReady(2));
        // A later replacement comes from the new loader.
        now = now.plusSeconds(5);
        on(new Reaped(201, new ExitStatus.Exited(1)));
        assertEquals(1, requested().size());
    }

    @Test
    void loaderThatCannotLoadFaultsTheSetWithBackoff() {
        on(new Started()).on(new LoaderStarted(1, 100));
        int gen = 1;
        for (int i = 1; i <= 5; i++) {
            on(new Reaped(((Loader.Running) s.loader()).pid(), new ExitStatus.Exited(1)));
            assertEquals(i, s.failedStreak());
            take();
            now = wakeAt;
            on(new Woke());
            gen++;
            assertTrue(take().contains(new StartLoader(gen)), "restarted with backoff");
            on(new LoaderStarted(gen, 100 + gen));
        }
        assertEquals(Phase.FAULTED, s.phase());
    }

    @Test
    void loaderStuckLoadingIsKilledAfterAckTimeout() {
        on(new Started()).on(new LoaderStarted(1, 100));
        take();
        assertEquals(T0.plusSeconds(30), wakeAt);
        now = T0.plusSeconds(30).minusMillis(1);
        on(new Woke());
        assertTrue(take().stream().noneMatch(f -> f instanceof Signal));
        now = T0.plusSeconds(30);
        on(new Woke());
        assertTrue(take().contains(new Signal(100, Sig.KILL, true)));
        assertEquals(1, s.failedStreak());
    }

    @Test
    void requestsInFlightToADeadLoaderAreAskedAgainOfTheNextOne() {
        on(new Started()).on(new LoaderStarted(1, 100)).on(new LoaderReady(1));
        take();
        now = T0.plusSeconds(2);
        on(new Reaped(100, new ExitStatus.Signaled(9, false)));
        assertTrue(s.workers().isEmpty(), "unanswered requests are dropped");
        now = wakeAt;
        on(new Woke()).on(new LoaderStarted(2, 300)).on(new LoaderReady(2));
        assertEquals(2, requested().size());
    }

    @Test
    void shutdownStopsAndAwaitsTheLoaderToo() {
        running();
        on(new StopRequested(false, "SIGTERM"));
        assertTrue(take().contains(new Signal(100, Sig.TERM, true)));
        on(new Reaped(201, new ExitStatus.Exited(0))).on(new Reaped(202, new ExitStatus.Exited(0)));
        on(new NoChildren());
        assertTrue(take().stream().noneMatch(f -> f instanceof Exit), "the loader is still alive");
        on(new Reaped(100, new ExitStatus.Exited(0))).on(new NoChildren());
        assertTrue(take().contains(new Exit(0)));
    }

    @Test
    void aNotifyAckBeforeTheLaunchReportIsKeptAndCounts() {
        on(new Started()).on(new LoaderStarted(1, 100)).on(new LoaderReady(1));
        List<String> ids = requested();
        on(new AckedByPid(201, "notify_socket"));
        assertEquals(0, s.ready());
        on(new Launched(ids.get(0), 201));
        assertEquals(1, s.ready(), "the early ack counts once the pid is known");
    }

    @Test
    void anEarlyAckThenExitIsADeathOnceLaunched() {
        on(new Started()).on(new LoaderStarted(1, 100)).on(new LoaderReady(1));
        List<String> ids = requested();
        on(new AckedByPid(201, "notify_socket")).on(new Reaped(201, new ExitStatus.Exited(3)));
        on(new Launched(ids.get(0), 201));
        assertEquals(0, s.ready());
        assertEquals(1, s.deaths().size());
    }

    @Test
    void aSetFaultedByLoaderFailuresRecoversOnceTheLoaderIsBackForMinUptime() {
        running();
        now = now.plusSeconds(2);
        on(new Woke()); // workers established
        now = now.plusSeconds(60);
        on(new Reaped(100, new ExitStatus.Exited(1)));
        int pid = 300;
        for (int gen = 2; gen <= 6; gen++) {
            now = wakeAt;
            on(new Woke()).on(new LoaderStarted(gen, pid));
            now = now.plusMillis(10);
            on(new Reaped(pid++, new ExitStatus.Exited(1)));
        }
        assertEquals(Phase.FAULTED, s.phase());
        now = wakeAt;
        on(new Woke());
        int gen = s.loader().generation();
        on(new LoaderStarted(gen, pid)).on(new LoaderReady(gen));
        assertEquals(Phase.FAULTED, s.phase(), "not before the loader has stayed up for min_uptime");
        assertEquals(now.plusSeconds(1), wakeAt);
        now = wakeAt;
        on(new Woke());
        assertEquals(0, s.failedStreak());
        assertEquals(Phase.RUNNING, s.phase());
    }
}
