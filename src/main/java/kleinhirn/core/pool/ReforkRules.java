package kleinhirn.core.pool;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import kleinhirn.core.Deadlines;
import kleinhirn.core.ExitStatus;
import kleinhirn.core.Sig;
import kleinhirn.core.log.Log;
import kleinhirn.core.pool.PoolEffect.Signal;
import kleinhirn.core.pool.PoolState.Unclaimed;
import kleinhirn.core.pool.Reforks.Asked;
import kleinhirn.core.pool.Reforks.Attempt;
import kleinhirn.core.pool.Reforks.Loading;
import kleinhirn.core.pool.Reforks.Retiring;
import kleinhirn.core.pool.Worker.Ready;

/**
 * Reforking: a new loader is made from a warm worker, so that the workers it forks share what
 * that worker filled after its own fork.
 *
 * <p>Entry i of {@code refork_after} is how long after the current loader became ready (or the
 * last attempt failed, if later) attempt i starts; after the last entry there are none. An
 * attempt takes the ready worker that acked longest ago, has passed min_uptime and is not being
 * recycled, and tells it to refork ({@link PoolEffect.Refork}, SIGURG). The new loader says
 * {@code reforked} (its pid) and then {@code ready}; it must do both within ack_timeout of the
 * signal. Once ready it is the current loader ({@link PoolEffect.UseLoader}), every worker of an
 * older generation is due for recycling ({@link RecycleRules}, cause refork), and the loader it
 * replaced leaves once no request it may still answer is in flight. An attempt that fails (the
 * new loader dies, or is not ready in time, or the current loader dies meanwhile) is logged; the
 * old loader stays, the next entry retries, and the set is never faulted for it: no restart
 * budget is involved.
 */
final class ReforkRules {
    private ReforkRules() {}

    /** Before recycling and topping up: the attempt's deadline, retiring loaders, the next attempt. */
    static void settle(Turn t) {
        Reforks r = t.reforks;
        if (t.loader instanceof Loader.Down d && d.generation() < r.highest()) {
            // The next loader started must not reuse a generation an attempt took.
            t.loader = new Loader.Down(r.highest(), d.since());
        }
        if (r.attempt() != null && t.stopping()) {
            abandon(t, "stopping");
        } else if (r.attempt() != null && !t.now.isBefore(r.attempt().since().plus(t.cfg.ackTimeout()))) {
            fail(t, "the new loader was not ready within ack_timeout");
        }
        retire(t);
        Instant due = due(t);
        if (due == null || t.now.isBefore(due) || t.reforks.attempt() != null || t.stopping() || anyOutdated(t)) return;
        Ready source = source(t);
        if (source == null) return;
        int generation = Math.max(t.reforks.highest(), t.loader.generation()) + 1;
        t.reforks = t.reforks.started(new Asked(generation, source.id(), source.pid(), t.now));
        t.fx.add(new PoolEffect.Refork(generation, source.id(), source.pid()));
        t.log(Log.info("refork started", "generation", generation, "worker_id", source.id(), "pid", source.pid(),
                "uptime_ms", Duration.between(source.ackedAt(), t.now).toMillis(),
                "entry", t.reforks.scheduled(), "of", t.cfg.recycling().reforkAfter().size()));
    }

    /** After the pool was topped up: each new worker is of the generation it was asked of. */
    static void label(Turn t) {
        if (t.loader == null) return;
        Map<String, Integer> g = t.reforks.generations();
        if (g.size() == t.workers.size() && t.workers.keySet().containsAll(g.keySet())) return;
        Map<String, Integer> next = new LinkedHashMap<>();
        for (String id : t.workers.keySet()) next.put(id, g.getOrDefault(id, t.loader.generation()));
        t.reforks = t.reforks.withGenerations(next);
    }

    /** A new loader connected and said {@code reforked}. */
    static void reforked(Turn t, int generation, String workerId, int pid) {
        t.childrenGone = false;
        if (!(t.reforks.attempt() instanceof Asked a) || a.generation() != generation || !a.workerId().equals(workerId)) {
            t.log(Log.warn("a new loader nobody waits for; stopping it", "generation", generation, "worker_id", workerId,
                    "pid", pid));
            t.fx.add(new Signal(pid, Sig.KILL, true));
            return;
        }
        t.reforks = t.reforks.withAttempt(new Loading(generation, workerId, a.workerPid(), pid, a.since()));
        t.log(Log.info("refork: new loader started", "generation", generation, "pid", pid, "worker_id", workerId,
                "worker_pid", a.workerPid()));
        Unclaimed early = t.unclaimed.remove(pid);
        if (early != null && early.exit() != null) fail(t, "the new loader exited: " + early.exit().describe());
    }

    /** A loader said {@code ready}: if it is the attempt's, it becomes the current loader. */
    static void ready(Turn t, int generation) {
        if (!(t.reforks.attempt() instanceof Loading l) || l.generation() != generation) return;
        if (!(t.loader instanceof Loader.Ready previous)) {
            fail(t, "the current loader is not ready");
            return;
        }
        t.loader = new Loader.Ready(generation, l.pid(), t.now);
        t.fx.add(new PoolEffect.UseLoader(generation));
        t.reforks = t.reforks.succeeded(new Retiring(previous.generation(), previous.pid(), null));
        t.log(Log.info("loader reforked", "generation", generation, "pid", l.pid(), "worker_id", l.workerId(),
                "worker_pid", l.workerPid(), "previous_generation", previous.generation(),
                "refork_ms", Duration.between(l.since(), t.now).toMillis()));
    }

    /**
     * The reaper returned {@code pid}: true if it was the attempt's new loader or a retiring one
     * (handled here). The current loader's death ends an attempt, and is left to
     * {@link LoaderRules} (false).
     */
    static boolean reaped(Turn t, int pid, ExitStatus status) {
        Attempt a = t.reforks.attempt();
        if (a instanceof Loading l && l.pid() == pid) {
            fail(t, "the new loader exited: " + status.describe());
            return true;
        }
        for (Retiring r : t.reforks.retiring()) {
            if (r.pid() != pid) continue;
            List<Retiring> rest = new ArrayList<>(t.reforks.retiring());
            rest.remove(r);
            t.reforks = t.reforks.withRetiring(rest);
            t.log(Log.info("previous loader exited", "generation", r.generation(), "pid", pid, Exits.key(status),
                    Exits.value(status)));
            return true;
        }
        if (a != null && t.loader instanceof Loader.Running current && current.pid() == pid) {
            fail(t, "the current loader died");
        }
        return false;
    }

    /** Whether this worker is of a generation older than the current loader, made by a refork. */
    static boolean outdated(Turn t, Ready w) {
        return outdated(t, w.id());
    }

    /** Whether the worker (or spare) {@code id} was forked by a loader older than the current, reforked one. */
    static boolean outdated(Turn t, String id) {
        return t.reforks.reforked() > 0 && t.loader instanceof Loader.Ready l && l.generation() == t.reforks.reforked()
                && t.reforks.generation(id) < l.generation();
    }

    /** The attempt's deadline, the next entry of the schedule, a retiring loader's SIGKILL. */
    static Instant nextWake(Turn t) {
        Instant wake = null;
        Attempt a = t.reforks.attempt();
        if (a != null) wake = a.since().plus(t.cfg.ackTimeout());
        Instant due = due(t);
        if (a == null && !t.stopping() && due != null && due.isAfter(t.now)) wake = Deadlines.earliest(wake, due);
        for (Retiring r : t.reforks.retiring()) wake = Deadlines.earliest(wake, r.killAt());
        return wake;
    }

    /** When the next attempt is due, or null when the schedule is used up or no loader is ready. */
    private static Instant due(Turn t) {
        List<Duration> schedule = t.cfg.recycling().reforkAfter();
        if (t.reforks.scheduled() >= schedule.size() || !(t.loader instanceof Loader.Ready l)) return null;
        Instant from = t.reforks.failedAt() != null && t.reforks.failedAt().isAfter(l.since())
                ? t.reforks.failedAt() : l.since();
        return from.plus(schedule.get(t.reforks.scheduled()));
    }

    private static boolean anyOutdated(Turn t) {
        for (Worker w : t.workers.values()) if (w instanceof Ready r && outdated(t, r)) return true;
        return false;
    }

    /** The ready worker that acked longest ago, past min_uptime and not being recycled; or null. */
    private static Ready source(Turn t) {
        Ready best = null;
        for (Worker w : t.workers.values()) {
            if (!(w instanceof Ready r) || !r.established() || t.swaps.containsKey(r.id())) continue;
            if (best == null || r.ackedAt().isBefore(best.ackedAt())) best = r;
        }
        return best;
    }

    /**
     * Retiring loaders: each gets stop_signal once no request of its generation is in flight
     * (a Requested worker is answered by the loader it was asked of), SIGKILL at stop_timeout.
     */
    private static void retire(Turn t) {
        if (t.reforks.retiring().isEmpty()) return;
        List<Retiring> next = new ArrayList<>();
        for (Retiring r : t.reforks.retiring()) {
            if (r.killAt() == null && (t.stopping() || !awaited(t, r.generation()))) {
                t.fx.add(new Signal(r.pid(), t.cfg.stopSignal(), true));
                t.log(Log.info("previous loader retired", "generation", r.generation(), "pid", r.pid()));
                next.add(new Retiring(r.generation(), r.pid(), t.now.plus(t.cfg.stopTimeout())));
            } else if (r.killAt() != null && !t.now.isBefore(r.killAt())) {
                // Its exit, if it ever comes, is then an unknown child's: reaped and forgotten.
                t.log(Log.warn("previous loader did not stop in time; killing it", "generation", r.generation(),
                        "pid", r.pid()));
                t.fx.add(new Signal(r.pid(), Sig.KILL, true));
            } else {
                next.add(r);
            }
        }
        t.reforks = t.reforks.withRetiring(next);
    }

    private static boolean awaited(Turn t, int generation) {
        for (Worker w : t.workers.values()) {
            if (w instanceof Worker.Requested && t.reforks.generation(w.id()) == generation) return true;
        }
        return false;
    }

    private static void fail(Turn t, String why) {
        Attempt a = t.reforks.attempt();
        t.log(Log.warn("refork failed; the current loader stays", "generation", a.generation(), "worker_id",
                a.workerId(), "worker_pid", a.workerPid(), "reason", why));
        if (a instanceof Loading l) t.fx.add(new Signal(l.pid(), Sig.KILL, true));
        t.reforks = t.reforks.failedAt(t.now);
    }

    /** A stop ends the attempt: its loader, if it has one, leaves with the rest. */
    private static void abandon(Turn t, String why) {
        Attempt a = t.reforks.attempt();
        t.log(Log.info("refork abandoned", "generation", a.generation(), "reason", why));
        t.reforks = t.reforks.withAttempt(null);
        if (a instanceof Loading l) {
            List<Retiring> r = new ArrayList<>(t.reforks.retiring());
            r.add(new Retiring(l.generation(), l.pid(), null));
            t.reforks = t.reforks.withRetiring(r);
        }
    }
}
