package kleinhirn.core.harpoon;

import java.time.Instant;
import kleinhirn.core.Deadlines;

/**
 * The harpoon supervisor's whole state; {@link Supervisor#step} changes it only through the named
 * withers below, never by position.
 *
 * @param stopRequested an explicit stop/kill (command or signal): nothing restarts afterwards
 * @param pendingSignal signal owed to a container still starting (0: none)
 * @param exitWhenDown  a TERM/INT arrived: leave with 0 once down for good
 * @param published     the first start attempt has finished, so clients may see states
 * @param nextMetrics   next metrics tick, {@code null} when metrics are off
 * @param killAt        {@code --stop-timeout} escalation, {@code null} when not armed
 */
public record SupervisorState(
        Supervisor.Settings settings, ContainerPhase phase, RestartPolicy policy, boolean stopRequested, int pendingSignal,
        boolean exitWhenDown, boolean published, String err, ExitReport exit, long restarts, long ooms,
        Metrics metrics, Instant nextMetrics, Instant killAt) {

    /** Before the first start attempt has finished. */
    static SupervisorState boot(Supervisor.Settings settings) {
        return new SupervisorState(settings, new ContainerPhase.Starting(true), RestartPolicy.NO, false, 0, false, false,
                null, ExitReport.NONE, 0, 0, Metrics.ZERO, null, null);
    }

    SupervisorState withPhase(ContainerPhase p) { return new SupervisorState(settings, p, policy, stopRequested, pendingSignal, exitWhenDown, published, err, exit, restarts, ooms, metrics, nextMetrics, killAt); }
    SupervisorState withPolicy(RestartPolicy p) { return new SupervisorState(settings, phase, p, stopRequested, pendingSignal, exitWhenDown, published, err, exit, restarts, ooms, metrics, nextMetrics, killAt); }
    SupervisorState withStopRequested() { return new SupervisorState(settings, phase, policy, true, pendingSignal, exitWhenDown, published, err, exit, restarts, ooms, metrics, nextMetrics, killAt); }
    SupervisorState withPendingSignal(int sig) { return new SupervisorState(settings, phase, policy, stopRequested, sig, exitWhenDown, published, err, exit, restarts, ooms, metrics, nextMetrics, killAt); }
    SupervisorState withExitWhenDown() { return new SupervisorState(settings, phase, policy, stopRequested, pendingSignal, true, published, err, exit, restarts, ooms, metrics, nextMetrics, killAt); }
    SupervisorState withPublished() { return new SupervisorState(settings, phase, policy, stopRequested, pendingSignal, exitWhenDown, true, err, exit, restarts, ooms, metrics, nextMetrics, killAt); }
    SupervisorState withErr(String e) { return new SupervisorState(settings, phase, policy, stopRequested, pendingSignal, exitWhenDown, published, e, exit, restarts, ooms, metrics, nextMetrics, killAt); }
    SupervisorState withExit(ExitReport x) { return new SupervisorState(settings, phase, policy, stopRequested, pendingSignal, exitWhenDown, published, err, x, restarts, ooms, metrics, nextMetrics, killAt); }
    SupervisorState withRestarts(long n) { return new SupervisorState(settings, phase, policy, stopRequested, pendingSignal, exitWhenDown, published, err, exit, n, ooms, metrics, nextMetrics, killAt); }
    SupervisorState withOoms(long n) { return new SupervisorState(settings, phase, policy, stopRequested, pendingSignal, exitWhenDown, published, err, exit, restarts, n, metrics, nextMetrics, killAt); }
    SupervisorState withMetrics(Metrics m) { return new SupervisorState(settings, phase, policy, stopRequested, pendingSignal, exitWhenDown, published, err, exit, restarts, ooms, m, nextMetrics, killAt); }
    SupervisorState withNextMetrics(Instant t) { return new SupervisorState(settings, phase, policy, stopRequested, pendingSignal, exitWhenDown, published, err, exit, restarts, ooms, metrics, t, killAt); }
    SupervisorState withKillAt(Instant t) { return new SupervisorState(settings, phase, policy, stopRequested, pendingSignal, exitWhenDown, published, err, exit, restarts, ooms, metrics, nextMetrics, t); }

    /** Down (for good or until the restart): no metrics, no escalation armed, no signal owed. */
    SupervisorState down(ContainerPhase p) { return withPhase(p).withPendingSignal(0).withMetrics(Metrics.ZERO).withKillAt(null); }

    public ContainerState snapshot() {
        boolean up = phase instanceof ContainerPhase.Up;
        boolean restarting = switch (phase) {
            case ContainerPhase.Starting s -> !stopRequested;
            case ContainerPhase.Up u -> !stopRequested;
            case ContainerPhase.Waiting w -> true;
            case ContainerPhase.Down d -> false;
        };
        return new ContainerState(up, restarting, err, exit, restarts, ooms, metrics);
    }

    /** The earliest instant at which {@link Event.Woke} has something to do, or {@code null}. */
    public Instant deadline() {
        Instant d = nextMetrics;
        if (phase instanceof ContainerPhase.Waiting w) d = Deadlines.earliest(d, w.at());
        if (phase instanceof ContainerPhase.Up && killAt != null) d = Deadlines.earliest(d, killAt);
        return d;
    }
}
