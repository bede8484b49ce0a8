package kleinhirn.core.pool;

import java.time.Duration;
import java.time.Instant;
import kleinhirn.core.ExitStatus;
import kleinhirn.core.Step;
import kleinhirn.core.pool.PoolEvent.*;

/**
 * The worker-pool policy as a pure function: no clock, no threads, no syscalls. The caller
 * passes "now"; the result says what to do next and when to wake us.
 *
 * <p>Each step copies the state into a {@link Turn}, applies the event (the rules live in
 * {@link WorkerRules}, {@link LoaderRules}, {@link StopRules}, {@link ReforkRules}), then settles: expires
 * deadlines ({@link Deadlines}), tops the pool up (unless the {@link RestartBudget} says wait,
 * or stopping) and freezes the result; the phase is derived from it. The input state is never
 * modified.
 */
public final class PoolMachine {
    private final PoolConfig cfg;

    public PoolMachine(PoolConfig cfg) {
        this.cfg = cfg;
    }

    public PoolConfig config() {
        return cfg;
    }

    public Step<PoolState, PoolEffect> step(PoolState state, PoolEvent event, Instant now) {
        Turn t = new Turn(cfg, state, now);
        switch (event) {
            case Started s -> { }
            case Woke w -> { }
            case Spawned(String id, int pid) -> WorkerRules.started(t, id, pid, false);
            case Launched(String id, int pid) -> WorkerRules.started(t, id, pid, true);
            case SpawnFailed(String id, String error) -> WorkerRules.spawnFailed(t, id, error);
            case Acked(String id, String channel) -> WorkerRules.acked(t, t.workers.get(id), channel);
            case AckedByPid(int pid, String channel) -> WorkerRules.ackedByPid(t, pid, channel);
            case Notified n -> WorkerRules.notified(t, n);
            case Reaped(int pid, ExitStatus status) -> {
                // The reaper calls waitpid again after every reap: only a NoChildren that comes
                // after this one means "none left" (an earlier one may predate our first spawn).
                t.childrenGone = false;
                if (!ReforkRules.reaped(t, pid, status)) WorkerRules.reaped(t, pid, status);
            }
            case ExitReported(String id, int pid, ExitStatus status) -> WorkerRules.exitReported(t, id, pid, status);
            case NoChildren n -> t.childrenGone = true;
            case StopRequested(boolean force, String cause) -> StopRules.stop(t, force, cause);
            case Forward(int signal) -> StopRules.forward(t, signal);
            case LoaderStarted(int generation, int pid) -> LoaderRules.started(t, generation, pid);
            case LoaderStartFailed(int generation, String error) -> LoaderRules.startFailed(t, generation, error);
            case LoaderReady(int generation) -> {
                LoaderRules.ready(t, generation);
                ReforkRules.ready(t, generation);
            }
            case LoaderReforked(int generation, String workerId, int pid) -> ReforkRules.reforked(t, generation, workerId, pid);
            case MemorySampled(var uniqueByPid) -> RecycleRules.sampled(t, uniqueByPid);
        }
        DeadlineRules.expire(t);
        ReforkRules.settle(t);
        RecycleRules.settle(t);
        SpareRules.renew(t);
        if (t.stopping()) StopRules.drainIfDone(t);
        else WorkerRules.topUp(t);
        ReforkRules.label(t);
        return t.result();
    }

    /** "60s" or "250ms", as pool.md writes the reasons. */
    public static String human(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 != 0 ? ms + "ms" : ms / 1000 + "s";
    }
}
