package kleinhirn.core.harpoon;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The pure machine with a fake clock: no threads, no sleeps. */
class SupervisorTest {
    static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");
    static final Supervisor.Settings SETTINGS = new Supervisor.Settings(Duration.ofSeconds(3), Duration.ZERO, Duration.ofSeconds(1));

    /** A tiny driver holding state, time and the last effects. */
    static final class Run {
        SupervisorState s;
        Instant now = T0;
        List<Effect> fx;

        Run(Supervisor.Settings settings) {
            var b = Supervisor.boot(settings);
            s = b.state();
            fx = b.effects();
        }

        Run on(Event e) {
            var st = Supervisor.step(s, e, now);
            s = st.state();
            fx = st.effects();
            return this;
        }

        Run at(Duration d) { now = T0.plus(d); return on(new Event.Woke()); }

        ContainerState published() {
            return fx.stream().filter(f -> f instanceof Effect.Publish).map(f -> ((Effect.Publish) f).state())
                    .reduce((a, b) -> b).orElseThrow(() -> new AssertionError("nothing published: " + fx));
        }

        boolean did(Effect e) { return fx.contains(e); }
    }

    static Run up(RestartPolicy p) {
        Run r = new Run(SETTINGS);
        assertEquals(List.of(new Effect.StartContainer()), r.fx);
        return r.on(new Event.Started(100, p));
    }

    static final Event EXIT0 = new Event.ContainerExited(new ExitReport.Exited(0), false);
    static final Event EXIT3 = new Event.ContainerExited(new ExitReport.Exited(3), false);
    static final Event KILLED = new Event.ContainerExited(new ExitReport.Signaled(9), false);

    @Test
    void firstStartPublishesUpAndRestarting() {
        Run r = up(RestartPolicy.NO);
        ContainerState s = r.published();
        assertTrue(s.up());
        assertTrue(s.restarting());
        assertEquals(0, s.restarts());
    }

    @Test
    void nothingIsPublishedBeforeTheFirstStartFinishes() {
        Run r = new Run(SETTINGS).on(new Event.StopRequested(15));
        assertTrue(r.fx.stream().noneMatch(f -> f instanceof Effect.Publish));
    }

    @Test
    void failedFirstStartIsTerminalWithErr() {
        Run r = new Run(SETTINGS).on(new Event.StartFailed("open ./agent.json: no such file or directory"));
        ContainerState s = r.published();
        assertFalse(s.up());
        assertFalse(s.restarting());
        assertEquals("open ./agent.json: no such file or directory", s.err());
        assertNull(r.s.deadline(), "no metrics ticks when down for good");
        r.on(new Event.ExitRequested("c"));
        assertEquals(List.of(new Effect.Exit(0)), r.fx);
    }

    @Test
    void policyNoNeverRestarts() {
        for (Event exit : List.of(EXIT0, EXIT3, KILLED)) {
            Run r = up(RestartPolicy.NO).on(exit);
            assertTrue(r.did(new Effect.DeleteContainer()));
            assertFalse(r.published().restarting(), exit.toString());
            assertInstanceOf(ContainerPhase.Down.class, r.s.phase());
        }
    }

    @Test
    void onFailureRestartsAfterFailureOnlyAfterTheDelay() {
        Run r = up(RestartPolicy.ON_FAILURE).on(EXIT3);
        ContainerState s = r.published();
        assertEquals(new ExitReport.Exited(3), s.exit());
        assertTrue(s.restarting());
        assertFalse(s.up());
        r.at(Duration.ofMillis(999));
        assertFalse(r.did(new Effect.StartContainer()));
        r.at(Duration.ofMillis(1000));
        assertTrue(r.did(new Effect.StartContainer()));
        r.on(new Event.Started(101, RestartPolicy.ON_FAILURE));
        assertEquals(1, r.published().restarts());
        assertEquals(ExitReport.NONE, r.published().exit());
        r.on(EXIT0);
        assertFalse(r.published().restarting());
        assertEquals(new ExitReport.Exited(0), r.published().exit());
    }

    @Test
    void onFailureRestartsAfterSignalAndOom() {
        assertTrue(up(RestartPolicy.ON_FAILURE).on(KILLED).published().restarting());
        Run r = up(RestartPolicy.ON_FAILURE).on(new Event.ContainerExited(new ExitReport.Signaled(9), true));
        assertEquals(new ExitReport.Oomed(), r.published().exit());
        assertEquals(1, r.published().ooms());
        assertTrue(r.published().restarting());
    }

    @Test
    void oomSeenButOtherExitIsNotOomed() {
        Run r = up(RestartPolicy.NO).on(new Event.ContainerExited(new ExitReport.Exited(1), true));
        assertEquals(new ExitReport.Exited(1), r.published().exit());
        assertEquals(0, r.published().ooms());
    }

    @Test
    void alwaysRestartsAfterCleanExit() {
        assertTrue(up(RestartPolicy.ALWAYS).on(EXIT0).published().restarting());
    }

    @Test
    void explicitStopWinsOverAlways() {
        Run r = up(RestartPolicy.ALWAYS).on(new Event.StopRequested(15));
        assertTrue(r.did(new Effect.SignalContainer(100, 15)));
        assertFalse(r.published().restarting(), "stop requested turns restarting false");
        assertTrue(r.published().up());
        r.on(EXIT0);
        assertFalse(r.published().restarting());
        assertInstanceOf(ContainerPhase.Down.class, r.s.phase());
    }

    @Test
    void killWhileUpSignalsNine() {
        Run r = up(RestartPolicy.ON_FAILURE).on(new Event.StopRequested(9));
        assertTrue(r.did(new Effect.SignalContainer(100, 9)));
        r.on(KILLED);
        assertEquals(new ExitReport.Signaled(9), r.published().exit());
        assertFalse(r.published().restarting());
    }

    @Test
    void stopWhileWaitingCancelsTheRestart() {
        Run r = up(RestartPolicy.ALWAYS).on(EXIT0).on(new Event.StopRequested(15));
        assertFalse(r.published().restarting());
        r.at(Duration.ofSeconds(5));
        assertFalse(r.did(new Effect.StartContainer()));
    }

    @Test
    void stopDuringStartIsDeliveredWhenStarted() {
        Run r = up(RestartPolicy.ALWAYS).on(EXIT0).at(Duration.ofSeconds(1));
        r.on(new Event.StopRequested(9)).on(new Event.StopRequested(15));
        r.on(new Event.Started(200, RestartPolicy.ALWAYS));
        assertTrue(r.did(new Effect.SignalContainer(200, 9)), "a kill is not downgraded by a later stop");
        assertFalse(r.published().restarting());
    }

    @Test
    void exitIsRefusedUnlessDownForGood() {
        Run r = up(RestartPolicy.ALWAYS).on(new Event.ExitRequested("c1"));
        assertEquals(List.of(new Effect.RefuseExit("c1", "container is not down")), r.fx);
        r.on(EXIT0).on(new Event.ExitRequested("c2"));
        assertEquals(List.of(new Effect.RefuseExit("c2", "container is not down")), r.fx);
    }

    @Test
    void firstTerminateStopsThenExitsZeroSecondKills() {
        Run r = up(RestartPolicy.ALWAYS).on(new Event.Terminate());
        assertTrue(r.did(new Effect.SignalContainer(100, 15)));
        r.on(new Event.Terminate());
        assertTrue(r.did(new Effect.SignalContainer(100, 9)));
        r.on(KILLED);
        assertTrue(r.did(new Effect.DeleteContainer()));
        assertTrue(r.did(new Effect.Exit(0)));
        assertTrue(r.fx.indexOf(new Effect.DeleteContainer()) < r.fx.indexOf(new Effect.Exit(0)));
    }

    @Test
    void terminateWhenAlreadyDownExitsAtOnce() {
        Run r = new Run(SETTINGS).on(new Event.StartFailed("boom")).on(new Event.Terminate());
        assertTrue(r.did(new Effect.Exit(0)));
    }

    @Test
    void metricsTickSamplesWhileUpAndPublishesZerosWhileRestarting() {
        Run r = up(RestartPolicy.ALWAYS);
        assertEquals(T0.plusSeconds(3), r.s.deadline());
        r.at(Duration.ofMillis(2999));
        assertTrue(r.fx.isEmpty());
        r.at(Duration.ofSeconds(3));
        assertEquals(List.of(new Effect.SampleMetrics()), r.fx);
        r.on(new Event.MetricsSampled(new Metrics(1, 2, 3)));
        assertEquals(new Metrics(1, 2, 3), r.published().metrics());
        r.now = T0.plusMillis(5500);
        r.on(EXIT3);
        assertEquals(Metrics.ZERO, r.published().metrics());
        assertEquals(T0.plusSeconds(6), r.s.deadline(), "restart at 6.5 s, metrics at 6 s");
        r.at(Duration.ofSeconds(6));
        assertEquals(Metrics.ZERO, r.published().metrics());
        r.on(new Event.MetricsSampled(new Metrics(9, 9, 9)));
        assertTrue(r.fx.isEmpty(), "a stale sample while down is dropped");
    }

    @Test
    void stopTimeoutEscalatesToKill() {
        Run r = new Run(new Supervisor.Settings(Duration.ofSeconds(3), Duration.ofSeconds(2), Duration.ofSeconds(1)));
        r.on(new Event.Started(100, RestartPolicy.NO)).on(new Event.StopRequested(15));
        assertEquals(T0.plusSeconds(2), r.s.deadline());
        r.at(Duration.ofMillis(1999));
        assertFalse(r.did(new Effect.SignalContainer(100, 9)));
        r.at(Duration.ofSeconds(2));
        assertTrue(r.did(new Effect.SignalContainer(100, 9)));
    }

    @Test
    void forwardedSignalsGoToTheInitOnlyWhileUp() {
        Run r = up(RestartPolicy.NO).on(new Event.Forward(1));
        assertEquals(List.of(new Effect.SignalContainer(100, 1)), r.fx);
        r.on(EXIT0).on(new Event.Forward(1));
        assertTrue(r.fx.isEmpty());
    }

    @Test
    void terminateWhileStartingAbandonsTheStartAndLeavesOnceItFails() {
        Run r = new Run(SETTINGS).on(new Event.Terminate());
        assertEquals(List.of(new Effect.AbortStart()), r.fx, "nothing published before the first start finished");
        r.on(new Event.StartFailed("runc create: cancelled: the supervisor is stopping"));
        ContainerState s = r.published();
        assertFalse(s.up());
        assertFalse(s.restarting());
        assertTrue(r.did(new Effect.Exit(0)));
        assertTrue(r.fx.indexOf(new Effect.Publish(s)) < r.fx.indexOf(new Effect.Exit(0)), "the final state before the exit");
    }

    @Test
    void terminateWhileUpDoesNotAbortAnything() {
        Run r = up(RestartPolicy.NO).on(new Event.Terminate());
        assertFalse(r.did(new Effect.AbortStart()));
    }

    @Test
    void terminateInTheRestartGapPublishesTheFinalStateThenExits() {
        Run r = up(RestartPolicy.ALWAYS).on(EXIT0);
        assertTrue(r.published().restarting());
        r.on(new Event.Terminate());
        ContainerState last = r.published();
        assertFalse(last.up());
        assertFalse(last.restarting());
        assertEquals(List.of(new Effect.Publish(last), new Effect.Exit(0)), r.fx);
        assertNull(r.s.deadline(), "no restart, no metrics");
    }
}
