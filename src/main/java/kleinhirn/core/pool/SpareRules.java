package kleinhirn.core.pool;

import java.util.List;
import kleinhirn.core.Sig;
import kleinhirn.core.log.Log;
import kleinhirn.core.pool.PoolEffect.Signal;
import kleinhirn.core.pool.Worker.Booting;
import kleinhirn.core.pool.Worker.Spare;
import kleinhirn.core.pool.Worker.SpareRequested;

/**
 * Spares (worker.spares, preloaded pools only): workers forked ahead and parked before the start
 * expression. A lost worker is replaced by promoting one (SIGCONT to its pid: no fork, and no
 * loader needed); a new spare is then asked of the loader in the background. Spares never count
 * as ready or toward {@code count}; a spare that dies is a failed start. Never while stopping:
 * the callers only run when not stopping.
 */
final class SpareRules {
    private SpareRules() {}

    /** Promotes up to {@code missing} parked spares, oldest first; returns how many. */
    static int promote(Turn t, int missing) {
        int promoted = 0;
        for (Worker w : List.copyOf(t.workers.values())) {
            if (promoted >= missing) break;
            if (!(w instanceof Spare s)) continue;
            // ack_timeout counts from the promotion: that is when its start expression begins.
            t.workers.remove(s.id());
            t.workers.put(s.id(), new Booting(s.id(), s.pid(), t.now, null));
            t.fx.add(new Signal(s.pid(), Sig.CONT, false));
            t.counters = t.counters.restarted();
            t.log(Log.info("worker promoted", "worker_id", s.id(), "pid", s.pid()));
            promoted++;
        }
        return promoted;
    }

    /**
     * After a refork, a parked spare of an older generation is stopped (as a recycle: not a
     * death) so that its replacement is forked by the new loader: promoted, the old spare would
     * hold the cold memory and be recycled at once.
     */
    static void renew(Turn t) {
        if (t.stopping()) return;
        for (Worker w : List.copyOf(t.workers.values())) {
            if (!(w instanceof Spare s) || !ReforkRules.outdated(t, s.id())) continue;
            t.fx.add(new Signal(s.pid(), t.cfg.stopSignal(), true));
            t.workers.put(s.id(), new Worker.Leaving(s.id(), s.pid(), s.spawnedAt(), null,
                    t.now.plus(t.cfg.stopTimeout()), Worker.Why.RECYCLED));
            t.log(Log.info("spare renewed", "worker_id", s.id(), "pid", s.pid(), "cause", "refork"));
        }
    }

    /** How many spares are neither parked nor asked for. */
    static int missing(Turn t) {
        int have = 0;
        for (Worker w : t.workers.values()) if (w instanceof Spare || w instanceof SpareRequested) have++;
        return Math.max(0, t.cfg.spares() - have);
    }

    /** Asks the loader for the spares that are missing (the caller checked the loader and budget). */
    static void request(Turn t) {
        for (int i = missing(t); i > 0; i--) {
            // Spares count down from -1, plain spawns (and recycles) up from 0: the two sequences
            // never meet, so no new id is one the pool (or the loader) already holds.
            String id = Ids.uuid(t.in.seed(), -1 - t.counters.sparesForked());
            t.counters = t.counters.spareForked();
            t.workers.put(id, new SpareRequested(id, t.now));
            t.fx.add(new PoolEffect.SpawnSpare(id));
        }
    }

    /** The loader launched the spare {@code r}: parked from now on (or stopped, if we are stopping). */
    static void launched(Turn t, SpareRequested r, int pid) {
        t.workers.put(r.id(), new Spare(r.id(), pid, r.spawnedAt()));
        t.log(Log.info("spare parked", "worker_id", r.id(), "pid", pid));
        if (t.stopping()) StopRules.leave(t, (Worker.Running) t.workers.get(r.id()));
    }
}
