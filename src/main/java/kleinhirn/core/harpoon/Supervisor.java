package kleinhirn.core.harpoon;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import kleinhirn.core.Sig;
import kleinhirn.core.Step;

/**
 * The pure harpoon supervisor: {@code step(state, event, now) -> Step(next, effects, wakeAt)}. No
 * clock, no I/O. Semantics are the original's with the fixes of the spec: the restart policy
 * applies to every exit ({@code no} / {@code on-failure} / {@code always}); an explicit stop or kill
 * always wins; a failed restart is published at once; metrics stop for good when the container is
 * down for good; a TERM/INT to the supervisor abandons a start in flight.
 */
public final class Supervisor {
    /** Fixed for the supervisor's life. {@code stopTimeout} zero means no self-escalation. */
    public record Settings(Duration metricsInterval, Duration stopTimeout, Duration restartDelay) {
        public static Settings defaults() { return new Settings(Duration.ofSeconds(3), Duration.ZERO, Duration.ofSeconds(1)); }
    }

    private Supervisor() {}

    /** The state at boot and its first effect: start the container. */
    public static Step<SupervisorState, Effect> boot(Settings settings) {
        SupervisorState s = SupervisorState.boot(settings);
        return new Step<>(s, List.of(new Effect.StartContainer()), s.deadline());
    }

    public static Step<SupervisorState, Effect> step(SupervisorState s, Event e, Instant now) {
        List<Effect> fx = new ArrayList<>(3);
        SupervisorState n = switch (e) {
            case Event.Started st -> started(s, st, now, fx);
            case Event.StartFailed f -> startFailed(s, f, fx);
            case Event.ContainerExited x -> exited(s, x, now, fx);
            case Event.StopRequested r -> stop(s, r.signal(), now, fx);
            case Event.Terminate t -> terminate(s, now, fx);
            case Event.ExitRequested r -> {
                if (s.phase() instanceof ContainerPhase.Down) fx.add(new Effect.Exit(0));
                else fx.add(new Effect.RefuseExit(r.client(), "container is not down"));
                yield s;
            }
            case Event.Forward f -> {
                if (s.phase() instanceof ContainerPhase.Up u) fx.add(new Effect.SignalContainer(u.pid(), f.signal()));
                yield s;
            }
            case Event.MetricsSampled m -> {
                if (!(s.phase() instanceof ContainerPhase.Up)) yield s; // stale: the container went down meanwhile
                yield publish(s.withMetrics(m.metrics()), fx);
            }
            case Event.Woke w -> woke(s, now, fx);
        };
        return new Step<>(n, fx, n.deadline());
    }

    private static SupervisorState started(SupervisorState s, Event.Started st, Instant now, List<Effect> fx) {
        if (!(s.phase() instanceof ContainerPhase.Starting starting)) return s;
        Instant metrics = s.nextMetrics() != null ? s.nextMetrics() : now.plus(s.settings().metricsInterval());
        SupervisorState n = s.withPhase(new ContainerPhase.Up(st.pid())).withPolicy(st.policy()).withPendingSignal(0)
                .withPublished().withExit(ExitReport.NONE).withRestarts(s.restarts() + (starting.first() ? 0 : 1))
                .withNextMetrics(metrics).withKillAt(null);
        if (s.pendingSignal() != 0) n = signal(n, st.pid(), s.pendingSignal(), now, fx);
        return publish(n, fx);
    }

    private static SupervisorState startFailed(SupervisorState s, Event.StartFailed f, List<Effect> fx) {
        if (!(s.phase() instanceof ContainerPhase.Starting)) return s;
        SupervisorState n = s.down(new ContainerPhase.Down()).withPublished().withErr(f.err()).withNextMetrics(null);
        return downForGood(publish(n, fx), fx);
    }

    private static SupervisorState exited(SupervisorState s, Event.ContainerExited x, Instant now, List<Effect> fx) {
        if (!(s.phase() instanceof ContainerPhase.Up)) return s;
        boolean oomed = x.oomKilled() && x.status() instanceof ExitReport.Signaled g && g.signal() == Sig.KILL;
        ExitReport report = oomed ? new ExitReport.Oomed() : x.status();
        boolean failed = !(report instanceof ExitReport.Exited ex && ex.code() == 0);
        boolean restart = !s.stopRequested() && switch (s.policy()) {
            case NO -> false;
            case ON_FAILURE -> failed;
            case ALWAYS -> true;
        };
        fx.add(new Effect.DeleteContainer());
        ContainerPhase next = restart ? new ContainerPhase.Waiting(now.plus(s.settings().restartDelay())) : new ContainerPhase.Down();
        SupervisorState n = s.down(next).withPublished().withExit(report).withOoms(s.ooms() + (oomed ? 1 : 0))
                .withNextMetrics(restart ? s.nextMetrics() : null);
        publish(n, fx);
        return restart ? n : downForGood(n, fx);
    }

    /** The first TERM/INT stops and leaves once down; every further one kills. */
    private static SupervisorState terminate(SupervisorState s, Instant now, List<Effect> fx) {
        // A start in flight is abandoned: a hung runtime must not keep us from leaving.
        if (s.phase() instanceof ContainerPhase.Starting) fx.add(new Effect.AbortStart());
        return s.exitWhenDown() ? stop(s, Sig.KILL, now, fx) : stop(s.withExitWhenDown(), Sig.TERM, now, fx);
    }

    private static SupervisorState stop(SupervisorState s, int sig, Instant now, List<Effect> fx) {
        boolean was = s.snapshot().restarting();
        SupervisorState n = s.withStopRequested();
        return switch (s.phase()) {
            case ContainerPhase.Starting st -> {
                int pending = s.pendingSignal() == Sig.KILL ? Sig.KILL : sig; // a kill is never downgraded
                SupervisorState t = n.withPendingSignal(pending);
                yield was ? publish(t, fx) : t;
            }
            case ContainerPhase.Up u -> {
                SupervisorState t = signal(n, u.pid(), sig, now, fx);
                yield was ? publish(t, fx) : t;
            }
            case ContainerPhase.Waiting w -> downForGood(publish(n.down(new ContainerPhase.Down()).withNextMetrics(null), fx), fx);
            case ContainerPhase.Down d -> downForGood(publish(n, fx), fx);
        };
    }

    /** Sends sig to the init and arms the {@code --stop-timeout} escalation for a TERM. */
    private static SupervisorState signal(SupervisorState s, int pid, int sig, Instant now, List<Effect> fx) {
        fx.add(new Effect.SignalContainer(pid, sig));
        Duration t = s.settings().stopTimeout();
        Instant killAt = sig == Sig.KILL ? null
                : s.killAt() != null ? s.killAt()
                : t.isZero() ? null : now.plus(t);
        return s.withKillAt(killAt);
    }

    private static SupervisorState woke(SupervisorState s, Instant now, List<Effect> fx) {
        SupervisorState n = s;
        if (n.phase() instanceof ContainerPhase.Waiting w && !now.isBefore(w.at())) {
            n = n.withPhase(new ContainerPhase.Starting(false));
            fx.add(new Effect.StartContainer());
        }
        if (n.phase() instanceof ContainerPhase.Up u && n.killAt() != null && !now.isBefore(n.killAt())) {
            fx.add(new Effect.SignalContainer(u.pid(), Sig.KILL));
            n = n.withKillAt(null);
        }
        if (n.nextMetrics() != null && !now.isBefore(n.nextMetrics())) {
            Instant next = n.nextMetrics().plus(n.settings().metricsInterval());
            if (next.isBefore(now)) next = now.plus(n.settings().metricsInterval()); // we were late: don't burst
            n = n.withNextMetrics(next);
            if (n.phase() instanceof ContainerPhase.Up) fx.add(new Effect.SampleMetrics());
            else n = publish(n, fx); // down and restarting: the tick still reports (zero metrics)
        }
        return n;
    }

    private static SupervisorState downForGood(SupervisorState s, List<Effect> fx) {
        if (s.exitWhenDown()) fx.add(new Effect.Exit(0));
        return s;
    }

    private static SupervisorState publish(SupervisorState s, List<Effect> fx) {
        if (s.published()) fx.add(new Effect.Publish(s.snapshot()));
        return s;
    }
}
