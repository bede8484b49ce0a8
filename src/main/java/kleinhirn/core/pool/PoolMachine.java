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
 * <p>Each step copies the state into a {@link Turn} (the events) on a {@link Draft} (the working
 * copy and the settling rules), applies the event, then settles: expires deadlines, tops the pool
 * up (unless backing off or stopping), recomputes the phase and the next deadline. The input state
 * is never modified.
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
            case Spawned(String id, int pid) -> t.started(id, pid, false);
            case Launched(String id, int pid) -> t.started(id, pid, true);
            case SpawnFailed(String id, String error) -> t.spawnFailed(id, error);
            case Acked(String id, String channel) -> t.acked(t.workers.get(id), channel);
            case AckedByPid(int pid, String channel) -> t.ackedByPid(pid, channel);
            case Notified n -> t.notified(n);
            case Reaped(int pid, ExitStatus status) -> {
                // The reaper calls waitpid again after every reap: only a NoChildren that comes
                // after this one means "none left" (an earlier one may predate our first spawn).
                t.childrenGone = false;
                t.reaped(pid, status);
            }
            case NoChildren n -> t.childrenGone = true;
            case StopRequested(boolean force, String cause) -> t.stop(force, cause);
            case Forward(int signal) -> t.forward(signal);
            case LoaderStarted(int generation, int pid) -> t.loaderStarted(generation, pid);
            case LoaderStartFailed(int generation, String error) -> t.loaderStartFailed(generation, error);
            case LoaderReady(int generation) -> t.loaderReady(generation);
        }
        return t.settle();
    }

    /** "60s" or "250ms", as pool.md writes the reasons. */
    public static String human(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 != 0 ? ms + "ms" : ms / 1000 + "s";
    }
}
