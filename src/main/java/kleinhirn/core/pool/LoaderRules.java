package kleinhirn.core.pool;

import java.time.Duration;
import java.util.List;
import kleinhirn.core.ExitStatus;
import kleinhirn.core.Sig;
import kleinhirn.core.log.Level;
import kleinhirn.core.log.Log;
import kleinhirn.core.pool.PoolEffect.Signal;

/** The loader of a preloaded pool: its start, readiness, deadline and death. */
final class LoaderRules {
    private LoaderRules() {}

    /**
     * Starts a Down loader (as the next generation) once the budget allows; whether spawn
     * requests may go out now. A pool without a loader spawns by itself.
     */
    static boolean readyForSpawns(Turn t) {
        if (t.loader == null) return true;
        if (t.loader instanceof Loader.Down d && t.budget.mayStart(t.now)) {
            int generation = d.generation() + 1;
            t.loader = new Loader.Spawning(generation, t.now);
            t.fx.add(new PoolEffect.StartLoader(generation));
        }
        return t.loader instanceof Loader.Ready;
    }

    static void started(Turn t, int generation, int pid) {
        if (!(t.loader instanceof Loader.Spawning s) || s.generation() != generation) return;
        t.childrenGone = false;
        t.loader = new Loader.Loading(generation, pid, s.since());
        t.log(Log.info("loader started", "pid", pid, "generation", generation));
        if (t.stopping()) t.fx.add(new Signal(pid, t.cfg.stopSignal(), true));
    }

    static void startFailed(Turn t, int generation, String error) {
        if (!(t.loader instanceof Loader.Spawning s) || s.generation() != generation) return;
        t.loader = new Loader.Down(generation, t.now);
        t.log(Log.error("cannot start the loader", "error", error));
        if (!t.stopping()) t.failedStart();
    }

    static void ready(Turn t, int generation) {
        if (!(t.loader instanceof Loader.Loading l) || l.generation() != generation) return;
        t.log(Log.info("loader ready", "pid", l.pid(), "generation", generation,
                "load_ms", Duration.between(l.since(), t.now).toMillis()));
        t.loader = new Loader.Ready(generation, l.pid(), t.now);
    }

    /**
     * Running workers are ours and keep running; requests still in flight to the dead loader
     * will never be answered, so they are dropped and asked again of the next one. A death
     * before ready, or within min_uptime of it, is a failed start (an app that cannot load
     * faults the set after max_failed_starts).
     */
    static void died(Turn t, Loader.Running old, ExitStatus status) {
        t.loader = new Loader.Down(old.generation(), t.now);
        for (Worker w : List.copyOf(t.workers.values())) {
            if (w instanceof Worker.Requested || w instanceof Worker.SpareRequested) {
                t.workers.remove(w.id());
                t.fx.add(new PoolEffect.Forget(w.id()));
            }
        }
        if (t.stopping()) {
            t.log(Log.info("loader exited", "pid", old.pid(), Exits.key(status), Exits.value(status)));
            return;
        }
        boolean wasReady = old instanceof Loader.Ready;
        boolean failed = !(old instanceof Loader.Ready r && WorkerRules.lasted(t, r.since()));
        t.log(Log.of(failed ? Level.ERROR : Level.WARNING, wasReady ? "loader died" : "loader died before it was ready",
                "pid", old.pid(), Exits.key(status), Exits.value(status), "failed_start", failed));
        if (failed) t.failedStart();
        else t.budget = t.budget.notBefore(t.now.plus(t.cfg.restartDelay()));
    }

    /** A loader still loading at ack_timeout (counted from the request) is killed: a failed start. */
    static void expire(Turn t) {
        if (t.stopping() || !(t.loader instanceof Loader.Loading l)) return;
        if (t.now.isBefore(l.since().plus(t.cfg.ackTimeout()))) return;
        t.log(Log.error("loader not ready within ack_timeout; killing it", "pid", l.pid(),
                "ack_timeout_ms", t.cfg.ackTimeout().toMillis()));
        t.fx.add(new Signal(l.pid(), Sig.KILL, true));
        t.loader = new Loader.Down(l.generation(), t.now);
        t.failedStart();
    }

    /** Ready for min_uptime (or no loader at all): its failures no longer count as a streak. */
    static boolean established(Turn t) {
        return switch (t.loader) {
            case null -> true;
            case Loader.Ready r -> WorkerRules.lasted(t, r.since());
            case Loader.Down d -> false;
            case Loader.Spawning s -> false;
            case Loader.Loading l -> false;
        };
    }
}
