package kleinhirn.core.pool;

import java.time.Duration;
import java.time.Instant;
import kleinhirn.core.ExitStatus;
import kleinhirn.core.Sig;
import kleinhirn.core.log.Log;
import kleinhirn.core.pool.PoolEffect.Signal;
import kleinhirn.core.pool.PoolEvent.Notified;
import kleinhirn.core.pool.PoolState.Unclaimed;
import kleinhirn.core.pool.Worker.Booting;
import kleinhirn.core.pool.Worker.Leaving;
import kleinhirn.core.pool.Worker.Ready;
import kleinhirn.core.pool.Worker.Requested;
import kleinhirn.core.pool.Worker.Why;

/** The events of a worker's life, from the request to its exit, and topping the pool up. */
final class WorkerRules {
    /** How long an exit of a not-yet-known pid waits to be claimed by a Launched event. */
    static final Duration UNCLAIMED_TTL = Duration.ofSeconds(10);
    static final int UNCLAIMED_MAX = 128;

    private WorkerRules() {}

    /**
     * Fills what is missing; never while stopping. A parked spare is promoted first, at once:
     * it is already forked and needs no loader, so neither the backoff nor a loader restart holds
     * it back. The rest are spawned once the loader is ready and the budget allows, and then the
     * spares are topped up behind them.
     */
    static void topUp(Turn t) {
        // The loader is restarted as soon as the backoff allows, even with nothing to spawn.
        boolean loaderReady = LoaderRules.readyForSpawns(t);
        int missing = t.cfg.count() - t.live();
        if (missing > 0) missing -= SpareRules.promote(t, missing);
        if (!t.budget.mayStart(t.now) || !loaderReady) return;
        for (int i = 0; i < missing; i++) {
            String id = Ids.uuid(t.in.seed(), t.spawnsTotal);
            t.spawnsTotal++;
            if (t.spawnsTotal > t.cfg.count()) t.counters = t.counters.restarted();
            t.workers.put(id, new Requested(id, t.now, null));
            t.fx.add(new PoolEffect.Spawn(id));
        }
        SpareRules.request(t);
    }

    static void started(Turn t, String id, int pid, boolean viaLoader) {
        t.childrenGone = false;
        if (viaLoader && t.workers.get(id) instanceof Worker.SpareRequested s) {
            SpareRules.launched(t, s, pid);
            claimEarlyExit(t, id, pid);
            return;
        }
        if (!(t.workers.get(id) instanceof Requested r)) {
            // Not ours (a loader answering a request we already gave up on): stop it.
            t.log(Log.warn("unexpected worker launch; stopping it", "worker_id", id, "pid", pid));
            t.fx.add(new Signal(pid, Sig.KILL, true));
            return;
        }
        Worker w = !t.cfg.acks() || r.earlyAck() != null
                ? new Ready(id, pid, r.spawnedAt(), r.earlyAck() != null ? r.earlyAck() : t.now, false,
                            t.watchdogFrom(t.now), null)
                : new Booting(id, pid, r.spawnedAt(), null);
        t.workers.put(id, w);
        t.log(Log.info("worker spawned", "worker_id", id, "pid", pid));
        if (t.shutdown != null) {
            // Raced with the stop: it goes down with the rest.
            t.fx.add(new Signal(pid, t.cfg.stopSignal(), true));
            t.workers.put(id, new Leaving(id, pid, r.spawnedAt(), null, StopRules.killAt(t), Why.SHUTDOWN));
        }
        // Only a loader's report can come after the ack or exit: our own spawns are recorded
        // before the reaper's event for them is handled, so for them an entry here is pid reuse.
        if (!viaLoader) return;
        Unclaimed early = t.unclaimed.get(pid);
        if (early != null && early.acked()) acked(t, t.workers.get(id), "early");
        claimEarlyExit(t, id, pid);
    }

    /** An exit our reaper saw before the loader's launch report (a loader that died meanwhile). */
    private static void claimEarlyExit(Turn t, String id, int pid) {
        Unclaimed early = t.unclaimed.remove(pid);
        if (early != null && early.exit() != null && t.workers.get(id) instanceof Worker.Running w) died(t, w, early.exit());
    }

    /** A loader's report of its worker's exit; for a pid we no longer know, our reaper was first. */
    static void exitReported(Turn t, String id, int pid, ExitStatus status) {
        if (t.byPid(pid) instanceof Worker.Running w && w.id().equals(id)) {
            died(t, w, status);
        } else {
            t.log(Log.debug("exit report for a process that is not a worker", "worker_id", id, "pid", pid));
        }
    }

    static void ackedByPid(Turn t, int pid, String channel) {
        Worker w = t.byPid(pid);
        if (w != null || pid <= 0) {
            acked(t, w, channel);
            return;
        }
        // Possibly a preloaded worker whose launch report has not arrived yet: keep the ack.
        Unclaimed u = t.unclaimed.remove(pid);
        remember(t, pid, new Unclaimed(u == null ? null : u.exit(), true, u == null ? t.now : u.at()));
    }

    static void remember(Turn t, int pid, Unclaimed u) {
        if (t.unclaimed.size() >= UNCLAIMED_MAX) t.unclaimed.remove(t.unclaimed.keySet().iterator().next());
        t.unclaimed.put(pid, u);
    }

    static void spawnFailed(Turn t, String id, String error) {
        if (!(t.workers.get(id) instanceof Requested)) return;
        t.workers.remove(id);
        t.fx.add(new PoolEffect.Forget(id));
        // One line per burst: spawns issued together tend to fail together (EMFILE, a missing
        // program). Spawns go out only once the budget's notBefore has passed, and the first
        // failure moves it into the future; failures while that backoff runs are the same burst.
        boolean sameBurst = t.budget.notBefore().isAfter(t.now);
        t.log(sameBurst ? Log.debug("failed to spawn worker", "worker_id", id, "error", error)
                : Log.error("failed to spawn worker", "worker_id", id, "error", error));
        if (!t.stopping()) t.failedStart();
    }

    static void acked(Turn t, Worker w, String channel) {
        switch (w) {
            case null -> t.log(Log.debug("ack for an unknown worker ignored", "channel", channel));
            case Worker.SpareRequested r -> { } // a parked spare cannot ack: not its own line
            case Worker.Spare s -> { }
            case Requested r -> t.workers.put(r.id(), new Requested(r.id(), r.spawnedAt(), t.now));
            case Booting b -> {
                t.workers.put(b.id(), new Ready(b.id(), b.pid(), b.spawnedAt(), t.now, false, t.watchdogFrom(t.now),
                        b.status()));
                t.log(Log.info("worker acked", "worker_id", b.id(), "pid", b.pid(), "channel", channel,
                        "ack_ms", Duration.between(b.spawnedAt(), t.now).toMillis()));
            }
            case Ready r -> { } // the first ack counts; later ones on other channels are expected
            case Leaving l -> { }
        }
    }

    static void notified(Turn t, Notified n) {
        if (!(t.byPid(n.pid()) instanceof Worker.Running w)) return;
        if (n.status() != null) {
            t.log(Log.info("worker status", "worker_id", w.id(), "pid", w.pid(), "status", n.status()));
            switch (w) {
                case Worker.Spare s -> { }
                case Booting b -> t.workers.put(b.id(), new Booting(b.id(), b.pid(), b.spawnedAt(), n.status()));
                case Ready r -> t.workers.put(r.id(), new Ready(r.id(), r.pid(), r.spawnedAt(), r.ackedAt(),
                        r.established(), r.watchdogAt(), n.status()));
                case Leaving l -> { }
            }
            w = (Worker.Running) t.workers.get(w.id());
        }
        if (n.watchdog() && w instanceof Ready r && r.watchdogAt() != null) {
            t.workers.put(r.id(), new Ready(r.id(), r.pid(), r.spawnedAt(), r.ackedAt(), r.established(),
                    t.watchdogFrom(t.now), r.status()));
        }
        if (n.stopping() && (w instanceof Ready || w instanceof Booting)) {
            t.log(Log.info("worker is stopping", "worker_id", w.id(), "pid", w.pid()));
            // It said it is leaving; if it has not left by stop_timeout, it is made to.
            t.workers.put(w.id(), new Leaving(w.id(), w.pid(), w.spawnedAt(), w.ackedAt(),
                    t.now.plus(t.cfg.stopTimeout()), Why.STOPPING));
        }
    }

    /** waitpid returned {@code pid}: the loader, a worker, or a process we do not know (yet). */
    static void reaped(Turn t, int pid, ExitStatus status) {
        if (t.loader instanceof Loader.Running l && l.pid() == pid) {
            LoaderRules.died(t, l, status);
            return;
        }
        if (t.byPid(pid) instanceof Worker.Running w) {
            died(t, w, status);
            return;
        }
        // An orphan re-parented to us, or a loader's worker whose launch report is in flight.
        Unclaimed u = t.unclaimed.remove(pid);
        remember(t, pid, new Unclaimed(status, u != null && u.acked(), u == null ? t.now : u.at()));
        t.log(Log.debug("reaped a process that is not a worker", "pid", pid, "status", status.describe()));
        StopRules.strayReaped(t);
    }

    static void died(Turn t, Worker.Running w, ExitStatus status) {
        t.workers.remove(w.id());
        t.fx.add(new PoolEffect.Forget(w.id()));
        if (w instanceof Leaving l && l.why() == Why.RECYCLED) {
            // Asked to leave after its replacement became ready: not a death, never a fault.
            t.log(Log.info("recycled worker exited", "worker_id", w.id(), "pid", w.pid(), Exits.key(status),
                    Exits.value(status)));
            return;
        }
        t.counters = t.counters.died(status);
        if (t.stopping()) {
            t.log(Log.info("worker exited", "worker_id", w.id(), "pid", w.pid(), Exits.key(status), Exits.value(status)));
            return;
        }
        boolean failed = switch (w) {
            case Worker.Spare s -> true; // it never got to run: a failed start, replaced in the background
            case Booting b -> true;
            case Ready r -> !r.established();
            // Broken ones were counted when marked; STOPPING=1 does not excuse a failed start.
            case Leaving l -> l.why() == Why.STOPPING && !lasted(t, l.ackedAt());
        };
        t.budget = t.budget.died(t.now, failed);
        if (failed) t.counters = t.counters.failedStart();
        // What the line says: a broken worker's failed start was counted when it was marked
        // (never acked, or not yet established), and is still one.
        boolean failedStart = failed || countedWhenBroken(t, w);
        t.log(Log.warn(w instanceof Worker.Spare ? "spare died" : "worker died", "worker_id", w.id(), "pid", w.pid(), Exits.key(status), Exits.value(status),
                "uptime_ms", Duration.between(w.spawnedAt(), t.now).toMillis(), "failed_start", failedStart,
                "failed_streak", t.budget.failedStreak(),
                "restart_in_ms", Math.max(0, Duration.between(t.now, t.budget.notBefore()).toMillis())));
    }

    /**
     * A worker marked broken by its ack timeout never acked: always a failed start. One broken
     * by its watchdog was one if it had not yet stayed ready for min_uptime; Leaving keeps no
     * "established" flag, so that is judged from its ack time, which can only err when the
     * watchdog fired before min_uptime and the death came after it.
     */
    private static boolean countedWhenBroken(Turn t, Worker.Running w) {
        return w instanceof Leaving l && l.why() == Why.BROKEN && !lasted(t, l.ackedAt());
    }

    /** Whether something that acked at {@code ackedAt} (null: never) has stayed up for min_uptime. */
    static boolean lasted(Turn t, Instant ackedAt) {
        return ackedAt != null && !t.now.isBefore(ackedAt.plus(t.cfg.minUptime()));
    }
}
