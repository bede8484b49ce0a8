package kleinhirn.core.pool;

import java.time.Instant;
import java.util.List;
import kleinhirn.core.Deadlines;
import kleinhirn.core.Sig;
import kleinhirn.core.log.Log;
import kleinhirn.core.pool.PoolEffect.Signal;
import kleinhirn.core.pool.PoolState.Unclaimed;
import kleinhirn.core.pool.Worker.Booting;
import kleinhirn.core.pool.Worker.Leaving;
import kleinhirn.core.pool.Worker.Ready;
import kleinhirn.core.pool.Worker.Requested;
import kleinhirn.core.pool.Worker.Why;

/**
 * Every deadline of the pool: what happens when one has passed ({@link #expire}), and which one
 * comes next ({@link #nextWake}). The two must agree: a deadline that {@code expire} acts on at
 * {@code now} must not be asked for again, or the loop would spin.
 */
final class DeadlineRules {
    private DeadlineRules() {}

    static void expire(Turn t) {
        for (Worker w : List.copyOf(t.workers.values())) {
            switch (w) {
                case Requested r -> {
                    if (!t.stopping() && due(t, r.spawnedAt().plus(t.cfg.ackTimeout()))) neverLaunched(t, r.id());
                }
                case Worker.SpareRequested r -> {
                    if (!t.stopping() && due(t, r.spawnedAt().plus(t.cfg.ackTimeout()))) neverLaunched(t, r.id());
                }
                case Worker.Spare s -> { } // parked for as long as it takes
                case Booting b -> {
                    if (!t.stopping() && due(t, b.spawnedAt().plus(t.cfg.ackTimeout()))) ackTimedOut(t, b);
                }
                case Ready r -> {
                    // The watchdog is judged first: a worker that missed it at the same instant as
                    // its min_uptime passed is broken, and not yet established, so that is also a
                    // failed start. Only a worker in good standing becomes established.
                    if (!t.stopping() && r.watchdogAt() != null && due(t, r.watchdogAt())) watchdogMissed(t, r);
                    else if (!r.established() && WorkerRules.lasted(t, r.ackedAt())) established(t, r);
                }
                case Leaving l -> {
                    if (l.killAt() != null && due(t, l.killAt())) {
                        t.log(Log.warn("worker did not stop in time; killing it", "worker_id", l.id(), "pid", l.pid()));
                        t.fx.add(new Signal(l.pid(), Sig.KILL, true));
                        t.workers.put(l.id(), new Leaving(l.id(), l.pid(), l.spawnedAt(), l.ackedAt(), null, l.why()));
                    }
                }
            }
        }
        LoaderRules.expire(t);
        // Failures of the loader alone never reach a worker's min_uptime: once every worker is
        // established and the loader has been ready for min_uptime, the streak is broken.
        // A recycle in flight or waiting is not "every worker established": its replacement has
        // yet to prove itself, so a replacement that keeps failing backs off further each time.
        if (t.budget.failedStreak() > 0 && !t.stopping() && LoaderRules.established(t)
                && establishedWorkers(t) >= t.cfg.count() && !RecycleRules.pending(t)) {
            t.log(Log.info("failed-start streak broken", "streak", t.budget.failedStreak()));
            t.budget = t.budget.streakBroken();
        }
        StopRules.expire(t);
        Instant horizon = t.now.minus(WorkerRules.UNCLAIMED_TTL);
        t.unclaimed.values().removeIf(u -> !u.at().isAfter(horizon));
    }

    private static boolean due(Turn t, Instant deadline) {
        return !t.now.isBefore(deadline);
    }

    private static void neverLaunched(Turn t, String id) {
        t.workers.remove(id);
        t.fx.add(new PoolEffect.Forget(id));
        t.log(Log.warn("worker never launched within ack_timeout", "worker_id", id));
        t.failedStart();
    }

    private static void ackTimedOut(Turn t, Booting b) {
        t.log(Log.warn("worker broken: no ack within ack_timeout", "worker_id", b.id(), "pid", b.pid(),
                "ack_timeout_ms", t.cfg.ackTimeout().toMillis()));
        t.counters = t.counters.ackTimedOut();
        broken(t, b);
        t.failedStart();
    }

    private static void watchdogMissed(Turn t, Ready r) {
        t.log(Log.warn("worker broken: watchdog missed", "worker_id", r.id(), "pid", r.pid(),
                "watchdog_ms", t.cfg.watchdog().toMillis()));
        t.counters = t.counters.watchdogMissed();
        broken(t, r);
        if (!r.established()) t.failedStart();
    }

    private static void established(Turn t, Ready r) {
        t.workers.put(r.id(), new Ready(r.id(), r.pid(), r.spawnedAt(), r.ackedAt(), true, r.watchdogAt(), r.status()));
        if (t.budget.failedStreak() > 0) {
            t.log(Log.info("failed-start streak broken", "worker_id", r.id(), "streak", t.budget.failedStreak()));
        }
        t.budget = t.budget.streakBroken();
    }

    private static void broken(Turn t, Worker.Running w) {
        t.fx.add(new Signal(w.pid(), t.cfg.stopSignal(), true));
        t.workers.put(w.id(), new Leaving(w.id(), w.pid(), w.spawnedAt(), w.ackedAt(), t.now.plus(t.cfg.stopTimeout()),
                Why.BROKEN));
    }

    private static int establishedWorkers(Turn t) {
        int n = 0;
        for (Worker w : t.workers.values()) if (w instanceof Ready r && r.established()) n++;
        return n;
    }

    static Instant nextWake(Turn t) {
        Instant wake = null;
        for (Worker w : t.workers.values()) {
            Instant d = switch (w) {
                case Requested r -> t.stopping() ? null : r.spawnedAt().plus(t.cfg.ackTimeout());
                case Worker.SpareRequested r -> t.stopping() ? null : r.spawnedAt().plus(t.cfg.ackTimeout());
                case Worker.Spare s -> null;
                case Booting b -> t.stopping() ? null : b.spawnedAt().plus(t.cfg.ackTimeout());
                case Ready r -> Deadlines.earliest(r.established() ? null : r.ackedAt().plus(t.cfg.minUptime()),
                        t.stopping() ? null : r.watchdogAt());
                case Leaving l -> l.killAt();
            };
            wake = Deadlines.earliest(wake, d);
        }
        switch (t.shutdown) {
            case null -> {
                // Only a future backoff is a deadline; a past one waits on the loader, not the clock.
                boolean startWanted = t.live() < t.cfg.count() || t.loader instanceof Loader.Down
                        || RecycleRules.wanted(t)
                        || SpareRules.missing(t) > 0;
                wake = Deadlines.earliest(wake, t.budget.wakeAt(t.now, startWanted));
                wake = Deadlines.earliest(wake, RecycleRules.nextDue(t));
                wake = Deadlines.earliest(wake, switch (t.loader) {
                    case null -> null;
                    case Loader.Down d -> null;
                    case Loader.Spawning s -> s.since().plus(t.cfg.ackTimeout());
                    case Loader.Loading l -> l.since().plus(t.cfg.ackTimeout());
                    // Its min_uptime breaks a streak of its own failures (see expire).
                    case Loader.Ready r -> t.budget.failedStreak() > 0 && !LoaderRules.established(t)
                            ? r.since().plus(t.cfg.minUptime()) : null;
                });
            }
            case Shutdown.Draining d -> wake = Deadlines.earliest(wake, d.killAt());
            case Shutdown.Sweeping s -> wake = Deadlines.earliest(wake, s.killAt());
            case Shutdown.Killed k -> { }
        }
        wake = Deadlines.earliest(wake, ReforkRules.nextWake(t));
        for (Unclaimed u : t.unclaimed.values()) wake = Deadlines.earliest(wake, u.at().plus(WorkerRules.UNCLAIMED_TTL));
        return wake;
    }
}
