package kleinhirn.harpoon;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The pure harpoon supervisor: {@code step(state, event, now) -> Step(next, effects)}. No clock, no
 * I/O. Semantics are the original's with the fixes of the spec: the restart policy applies to every
 * exit ({@code no} / {@code on-failure} / {@code always}); an explicit stop or kill always wins; a
 * failed restart is published at once; metrics stop for good when the container is down for good.
 */
public final class Supervisor {
    public static final int SIGKILL = 9;
    public static final int SIGTERM = 15;

    /** Fixed for the supervisor's life. {@code stopTimeout} zero means no self-escalation. */
    public record Settings(Duration metricsInterval, Duration stopTimeout, Duration restartDelay) {
        public static Settings defaults() { return new Settings(Duration.ofSeconds(3), Duration.ZERO, Duration.ofSeconds(1)); }
    }

    /**
     * @param stopRequested an explicit stop/kill (command or signal): nothing restarts afterwards
     * @param pendingSignal signal owed to a container still starting (0: none)
     * @param exitWhenDown  a TERM/INT arrived: leave with 0 once down for good
     * @param published     the first start attempt has finished, so clients may see states
     * @param nextMetrics   next metrics tick, {@code null} when metrics are off
     * @param killAt        {@code --stop-timeout} escalation, {@code null} when not armed
     */
    public record State(
            Settings settings, Phase phase, RestartPolicy policy, boolean stopRequested, int pendingSignal,
            boolean exitWhenDown, boolean published, String err, ExitReport exit, long restarts, long ooms,
            Metrics metrics, Instant nextMetrics, Instant killAt) {

        State with(Phase p) { return new State(settings, p, policy, stopRequested, pendingSignal, exitWhenDown, published, err, exit, restarts, ooms, metrics, nextMetrics, killAt); }

        public ContainerState snapshot() {
            boolean up = phase instanceof Phase.Up;
            boolean restarting = switch (phase) {
                case Phase.Starting s -> !stopRequested;
                case Phase.Up u -> !stopRequested;
                case Phase.Waiting w -> true;
                case Phase.Down d -> false;
            };
            return new ContainerState(up, restarting, err, exit, restarts, ooms, metrics);
        }

        /** The earliest instant at which {@link Event.Woke} has something to do, or {@code null}. */
        public Instant deadline() {
            Instant d = nextMetrics;
            if (phase instanceof Phase.Waiting w) d = min(d, w.at());
            if (phase instanceof Phase.Up && killAt != null) d = min(d, killAt);
            return d;
        }
    }

    public record Step(State next, List<Effect> effects) {}

    private Supervisor() {}

    /** The state at boot and its first effect: start the container. */
    public static Step boot(Settings settings) {
        State s = new State(settings, new Phase.Starting(true), RestartPolicy.NO, false, 0, false, false, null,
                ExitReport.NONE, 0, 0, Metrics.ZERO, null, null);
        return new Step(s, List.of(new Effect.StartContainer()));
    }

    public static Step step(State s, Event e, Instant now) {
        List<Effect> fx = new ArrayList<>(3);
        State n = switch (e) {
            case Event.Started st -> started(s, st, now, fx);
            case Event.StartFailed f -> startFailed(s, f, fx);
            case Event.ContainerExited x -> exited(s, x, now, fx);
            case Event.StopRequested r -> stop(s, r.signal(), now, fx);
            case Event.Terminate t -> s.exitWhenDown()
                    ? stop(s, SIGKILL, now, fx)
                    : stop(withExitWhenDown(s), SIGTERM, now, fx);
            case Event.ExitRequested r -> {
                if (s.phase() instanceof Phase.Down) fx.add(new Effect.Exit(0));
                else fx.add(new Effect.RefuseExit(r.client(), "container is not down"));
                yield s;
            }
            case Event.Forward f -> {
                if (s.phase() instanceof Phase.Up u) fx.add(new Effect.SignalContainer(u.pid(), f.signal()));
                yield s;
            }
            case Event.MetricsSampled m -> {
                if (!(s.phase() instanceof Phase.Up)) yield s; // stale: the container went down meanwhile
                State t = new State(s.settings(), s.phase(), s.policy(), s.stopRequested(), s.pendingSignal(), s.exitWhenDown(), s.published(), s.err(), s.exit(), s.restarts(), s.ooms(), m.metrics(), s.nextMetrics(), s.killAt());
                yield publish(t, fx);
            }
            case Event.Woke w -> woke(s, now, fx);
        };
        return new Step(n, List.copyOf(fx));
    }

    private static State started(State s, Event.Started st, Instant now, List<Effect> fx) {
        if (!(s.phase() instanceof Phase.Starting starting)) return s;
        Instant metrics = s.nextMetrics() != null ? s.nextMetrics() : now.plus(s.settings().metricsInterval());
        State n = new State(s.settings(), new Phase.Up(st.pid()), st.policy(), s.stopRequested(), 0, s.exitWhenDown(), true,
                s.err(), ExitReport.NONE, s.restarts() + (starting.first() ? 0 : 1), s.ooms(), s.metrics(), metrics, null);
        if (s.pendingSignal() != 0) n = signal(n, st.pid(), s.pendingSignal(), now, fx);
        return publish(n, fx);
    }

    private static State startFailed(State s, Event.StartFailed f, List<Effect> fx) {
        if (!(s.phase() instanceof Phase.Starting)) return s;
        State n = new State(s.settings(), new Phase.Down(), s.policy(), s.stopRequested(), 0, s.exitWhenDown(), true,
                f.err(), s.exit(), s.restarts(), s.ooms(), Metrics.ZERO, null, null);
        return downForGood(publish(n, fx), fx);
    }

    private static State exited(State s, Event.ContainerExited x, Instant now, List<Effect> fx) {
        if (!(s.phase() instanceof Phase.Up)) return s;
        boolean oomed = x.oomKilled() && x.status() instanceof ExitReport.Signaled g && g.signal() == SIGKILL;
        ExitReport report = oomed ? new ExitReport.Oomed() : x.status();
        boolean failed = !(report instanceof ExitReport.Exited ex && ex.code() == 0);
        boolean restart = !s.stopRequested() && switch (s.policy()) {
            case NO -> false;
            case ON_FAILURE -> failed;
            case ALWAYS -> true;
        };
        fx.add(new Effect.DeleteContainer());
        Phase next = restart ? new Phase.Waiting(now.plus(s.settings().restartDelay())) : new Phase.Down();
        State n = new State(s.settings(), next, s.policy(), s.stopRequested(), 0, s.exitWhenDown(), true, s.err(), report,
                s.restarts(), s.ooms() + (oomed ? 1 : 0), Metrics.ZERO, restart ? s.nextMetrics() : null, null);
        publish(n, fx);
        return restart ? n : downForGood(n, fx);
    }

    private static State stop(State s, int sig, Instant now, List<Effect> fx) {
        boolean was = s.snapshot().restarting();
        State n = new State(s.settings(), s.phase(), s.policy(), true, s.pendingSignal(), s.exitWhenDown(), s.published(),
                s.err(), s.exit(), s.restarts(), s.ooms(), s.metrics(), s.nextMetrics(), s.killAt());
        return switch (s.phase()) {
            case Phase.Starting st -> {
                int pending = s.pendingSignal() == SIGKILL ? SIGKILL : sig; // a kill is never downgraded
                State t = new State(n.settings(), n.phase(), n.policy(), true, pending,
                        n.exitWhenDown(), n.published(), n.err(), n.exit(), n.restarts(), n.ooms(), n.metrics(), n.nextMetrics(), n.killAt());
                yield was ? publish(t, fx) : t;
            }
            case Phase.Up u -> {
                State t = signal(n, u.pid(), sig, now, fx);
                yield was ? publish(t, fx) : t;
            }
            case Phase.Waiting w -> {
                State t = new State(n.settings(), new Phase.Down(), n.policy(), true, 0, n.exitWhenDown(), n.published(),
                        n.err(), n.exit(), n.restarts(), n.ooms(), Metrics.ZERO, null, null);
                yield downForGood(publish(t, fx), fx);
            }
            case Phase.Down d -> downForGood(publish(n, fx), fx);
        };
    }

    /** Sends sig to the init and arms the {@code --stop-timeout} escalation for a TERM. */
    private static State signal(State s, int pid, int sig, Instant now, List<Effect> fx) {
        fx.add(new Effect.SignalContainer(pid, sig));
        Duration t = s.settings().stopTimeout();
        Instant killAt = sig == SIGKILL ? null
                : s.killAt() != null ? s.killAt()
                : t.isZero() ? null : now.plus(t);
        return new State(s.settings(), s.phase(), s.policy(), s.stopRequested(), s.pendingSignal(), s.exitWhenDown(), s.published(),
                s.err(), s.exit(), s.restarts(), s.ooms(), s.metrics(), s.nextMetrics(), killAt);
    }

    private static State woke(State s, Instant now, List<Effect> fx) {
        State n = s;
        if (n.phase() instanceof Phase.Waiting w && !now.isBefore(w.at())) {
            n = n.with(new Phase.Starting(false));
            fx.add(new Effect.StartContainer());
        }
        if (n.phase() instanceof Phase.Up u && n.killAt() != null && !now.isBefore(n.killAt())) {
            fx.add(new Effect.SignalContainer(u.pid(), SIGKILL));
            n = new State(n.settings(), n.phase(), n.policy(), n.stopRequested(), n.pendingSignal(), n.exitWhenDown(), n.published(),
                    n.err(), n.exit(), n.restarts(), n.ooms(), n.metrics(), n.nextMetrics(), null);
        }
        if (n.nextMetrics() != null && !now.isBefore(n.nextMetrics())) {
            Instant next = n.nextMetrics().plus(n.settings().metricsInterval());
            if (next.isBefore(now)) next = now.plus(n.settings().metricsInterval()); // we were late: don't burst
            n = new State(n.settings(), n.phase(), n.policy(), n.stopRequested(), n.pendingSignal(), n.exitWhenDown(), n.published(),
                    n.err(), n.exit(), n.restarts(), n.ooms(), n.metrics(), next, n.killAt());
            if (n.phase() instanceof Phase.Up) fx.add(new Effect.SampleMetrics());
            else n = publish(n, fx); // down and restarting: the tick still reports (zero metrics)
        }
        return n;
    }

    private static State withExitWhenDown(State s) {
        return new State(s.settings(), s.phase(), s.policy(), s.stopRequested(), s.pendingSignal(), true, s.published(),
                s.err(), s.exit(), s.restarts(), s.ooms(), s.metrics(), s.nextMetrics(), s.killAt());
    }

    private static State downForGood(State s, List<Effect> fx) {
        if (s.exitWhenDown()) fx.add(new Effect.Exit(0));
        return s;
    }

    private static State publish(State s, List<Effect> fx) {
        if (s.published()) fx.add(new Effect.Publish(s.snapshot()));
        return s;
    }

    private static Instant min(Instant a, Instant b) {
        if (a == null) return b;
        if (b == null) return a;
        return a.isBefore(b) ? a : b;
    }
}
