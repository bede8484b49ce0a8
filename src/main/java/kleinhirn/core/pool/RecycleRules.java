package kleinhirn.core.pool;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import kleinhirn.core.Deadlines;
import kleinhirn.core.log.Log;
import kleinhirn.core.pool.PoolEffect.Signal;
import kleinhirn.core.pool.Recycles.Cause;
import kleinhirn.core.pool.Recycles.Reading;
import kleinhirn.core.pool.Recycles.Swap;
import kleinhirn.core.pool.Worker.Leaving;
import kleinhirn.core.pool.Worker.Ready;
import kleinhirn.core.pool.Worker.Requested;
import kleinhirn.core.pool.Worker.Why;

/**
 * Make-before-break recycling. A worker due for recycling (over max_memory on two checks in a
 * row, past its lifetime, or of an older loader generation after a refork) keeps serving while
 * its replacement is spawned; only once the replacement is ready does the old one get
 * stop_signal (and SIGKILL after stop_timeout). So readiness never drops below count because of
 * a recycle. A replacement that fails is a failed start like any other (the restart budget backs
 * off); the old worker serves on and the recycle is tried again when the budget allows. The old
 * worker's exit is not a death. At most max_recycling at once, each until its old worker is gone,
 * and two never start less than recycle_spacing apart; none while stopping.
 */
final class RecycleRules {
    private RecycleRules() {}

    /** Unique memory per worker pid, from the sampler off the loop. */
    static void sampled(Turn t, Map<Integer, Long> uniqueByPid) {
        Long limit = t.cfg.recycling().maxMemory();
        for (Worker w : t.workers.values()) {
            if (!(w instanceof Ready r) || !uniqueByPid.containsKey(r.pid())) continue;
            long bytes = uniqueByPid.get(r.pid());
            Reading last = t.memory.get(r.id());
            int strikes = limit != null && bytes > limit ? (last == null ? 0 : last.strikes()) + 1 : 0;
            t.memory.put(r.id(), new Reading(bytes, strikes));
        }
    }

    /** Completes, drops and starts recycles; run on every step before the pool is topped up. */
    static void settle(Turn t) {
        t.dueAt.keySet().removeIf(id -> !(t.workers.get(id) instanceof Ready));
        t.memory.keySet().removeIf(id -> !(t.workers.get(id) instanceof Ready));
        if (t.stopping()) {
            t.swaps.clear();
            return;
        }
        for (var e : List.copyOf(t.swaps.entrySet())) reconcile(t, e.getKey(), e.getValue());
        Duration maxLifetime = t.cfg.recycling().maxLifetime();
        if (maxLifetime != null) {
            for (Worker w : t.workers.values()) {
                if (w instanceof Ready r) t.dueAt.computeIfAbsent(r.id(), id -> r.ackedAt().plus(t.cfg.recycling().lifetime(t.in.seed(), id)));
            }
        }
        while (inFlight(t) < t.cfg.recycling().maxRecycling()) {
            Ready old = candidate(t);
            if (old == null || !t.budget.mayStart(t.now) || !LoaderRules.readyForSpawns(t)) return;
            Cause cause = dueCause(t, old);
            if (spacedUntil(t, cause) != null) return;
            begin(t, old, cause);
        }
    }

    private static void reconcile(Turn t, String oldId, Swap swap) {
        Worker old = t.workers.get(oldId), replacement = t.workers.get(swap.replacement());
        if (!(old instanceof Ready o)) {
            // The old worker left on its own: its replacement simply takes the slot.
            t.swaps.remove(oldId);
        } else if (replacement == null || replacement instanceof Leaving) {
            t.swaps.remove(oldId);
            t.log(Log.warn("worker recycling failed: the replacement did not become ready; the worker serves on",
                    "worker_id", oldId, "pid", o.pid(), "cause", swap.cause().wire(), "replacement_id", swap.replacement()));
        } else if (replacement instanceof Ready r) {
            t.swaps.remove(oldId);
            t.fx.add(new Signal(o.pid(), t.cfg.stopSignal(), true));
            t.workers.put(oldId, new Leaving(oldId, o.pid(), o.spawnedAt(), o.ackedAt(), t.now.plus(t.cfg.stopTimeout()),
                    Why.RECYCLED));
            t.totals.merge(swap.cause(), 1L, Long::sum);
            t.log(Log.info("worker recycled", "worker_id", oldId, "pid", o.pid(), "cause", swap.cause().wire(),
                    "replacement_id", r.id(), "replacement_pid", r.pid(),
                    "swap_ms", Duration.between(swap.since(), t.now).toMillis()));
        }
    }

    /** The ready worker to recycle next, most urgent cause first; null if none is due. */
    private static Ready candidate(Turn t) {
        Ready due = null;
        for (Worker w : t.workers.values()) {
            if (!(w instanceof Ready r) || t.swaps.containsKey(r.id())) continue;
            Cause c = dueCause(t, r);
            if (c == Cause.MEMORY) return r;
            if (c != null && due == null) due = r;
        }
        return due;
    }

    /** Why this ready worker is due, or null if it is not. */
    private static Cause dueCause(Turn t, Ready r) {
        Reading m = t.memory.get(r.id());
        if (m != null && m.strikes() >= Recycling.STRIKES) return Cause.MEMORY;
        if (ReforkRules.outdated(t, r)) return Cause.REFORK;
        Instant due = t.dueAt.get(r.id());
        if (due != null && !t.now.isBefore(due)) return Cause.LIFETIME;
        return null;
    }

    /**
     * When a recycle for this cause may start, if that lies ahead. A recycle is a burst of CPU (the
     * replacement's boot, the old worker's drain and teardown); a generation replaced at once
     * after a refork, or a fleet whose lifetimes ended together, would otherwise put all of it
     * into one peak beside the workers that serve. B10, p99 of the requests during a refork
     * against steady, three runs each: 2.1x back to back, 1.6x 500 ms apart, 1.3x 1 s apart.
     * Memory recycles do not wait for it: max_memory is a limit the user set to stay clear of
     * the container's, and a worker over it already waited two checks (candidate() takes them
     * first).
     */
    static Instant spacedUntil(Turn t, Cause cause) {
        if (cause == Cause.MEMORY || t.lastRecycleBegan == null) return null;
        Instant until = t.lastRecycleBegan.plus(t.cfg.recycling().spacing());
        return until.isAfter(t.now) ? until : null;
    }

    private static void begin(Turn t, Ready old, Cause cause) {
        t.lastRecycleBegan = t.now;
        String id = Ids.uuid(t.in.seed(), t.spawnsTotal);
        t.spawnsTotal++;
        t.workers.put(id, new Requested(id, t.now, null));
        t.fx.add(new PoolEffect.Spawn(id));
        t.swaps.put(old.id(), new Swap(id, cause, t.now));
        Reading m = t.memory.get(old.id());
        t.log(Log.info("worker recycling", "worker_id", old.id(), "pid", old.pid(), "cause", cause.wire(),
                "uptime_ms", Duration.between(old.ackedAt(), t.now).toMillis(),
                "unique_bytes", m == null ? null : m.bytes(), "max_memory", t.cfg.recycling().maxMemory(),
                "replacement_id", id));
    }

    /** A recycle is in flight, or due and waiting. */
    static boolean pending(Turn t) {
        return !t.swaps.isEmpty() || wanted(t);
    }

    /** Whether a recycle waits only for the restart budget (so its end is worth waking up for). */
    static boolean wanted(Turn t) {
        return !t.stopping() && inFlight(t) < t.cfg.recycling().maxRecycling() && candidate(t) != null;
    }

    /**
     * Recycles under way: each from its replacement's spawn until the old worker is gone, not
     * only until the replacement is ready. So a recycle's CPU (the replacement's boot, the old
     * worker's drain and exit) never overlaps the next one's, and the set never holds more than
     * count + max_recycling processes (a refork's recycles of 4 workers otherwise had up to 3
     * extra processes busy at once on 2 cores).
     */
    static int inFlight(Turn t) {
        int leaving = 0;
        for (Worker w : t.workers.values()) {
            if (w instanceof Leaving l && l.why() == Why.RECYCLED) leaving++;
        }
        return t.swaps.size() + leaving;
    }

    /** The end of the spacing a due recycle waits for, or the next lifetime end of a ready worker not being recycled yet, if either lies ahead. */
    static Instant nextDue(Turn t) {
        if (t.stopping()) return null;
        Ready due = wanted(t) ? candidate(t) : null;
        Instant next = due == null ? null : spacedUntil(t, dueCause(t, due));
        for (var e : t.dueAt.entrySet()) {
            if (t.swaps.containsKey(e.getKey()) || !e.getValue().isAfter(t.now)) continue;
            next = Deadlines.earliest(next, e.getValue());
        }
        return next;
    }
}
