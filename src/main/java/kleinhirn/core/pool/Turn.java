package kleinhirn.core.pool;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import kleinhirn.core.ExitStatus;
import kleinhirn.core.Sig;
import kleinhirn.core.log.Log;
import kleinhirn.core.pool.PoolEffect.Signal;
import kleinhirn.core.pool.PoolEvent.*;
import kleinhirn.core.pool.PoolState.Shutdown;
import kleinhirn.core.pool.PoolState.Unclaimed;
import kleinhirn.core.pool.Worker.Booting;
import kleinhirn.core.pool.Worker.Leaving;
import kleinhirn.core.pool.Worker.Ready;
import kleinhirn.core.pool.Worker.Requested;
import kleinhirn.core.pool.Worker.Why;

/** The events of one step, applied to a {@link Draft}; see {@link PoolMachine}. */
final class Turn extends Draft {
    Turn(PoolConfig cfg, PoolState s, Instant now) {
        super(cfg, s, now);
    }

    // ---- events ----

    void started(String id, int pid, boolean viaLoader) {
        childrenGone = false;
        if (!(workers.get(id) instanceof Requested r)) {
            // Not ours (a loader answering a request we already gave up on): stop it.
            log(Log.warn("unexpected worker launch; stopping it", "worker_id", id, "pid", pid));
            fx.add(new Signal(pid, Sig.KILL, true));
            return;
        }
        Worker w = !cfg.acks() || r.earlyAck() != null
                ? new Ready(id, pid, r.spawnedAt(), r.earlyAck() != null ? r.earlyAck() : now, false,
                            watchdogFrom(now), null)
                : new Booting(id, pid, r.spawnedAt(), null);
        workers.put(id, w);
        log(Log.info("worker spawned", "worker_id", id, "pid", pid));
        if (shutdown != null) {
            // Raced with the stop: it goes down with the rest.
            fx.add(new Signal(pid, cfg.stopSignal(), true));
            workers.put(id, new Leaving(id, pid, r.spawnedAt(), null, shutdown.killAt(), Why.SHUTDOWN));
        }
        // Only a loader's report can come after the ack or exit: our own spawns are recorded
        // before the reaper's event for them is handled, so for them an entry here is pid reuse.
        Unclaimed early = viaLoader ? unclaimed.remove(pid) : null;
        if (early == null) return;
        if (early.acked()) acked(workers.get(id), "early");
        if (early.exit() != null) died(workers.get(id), early.exit());
    }

    void ackedByPid(int pid, String channel) {
        Worker w = byPid(pid);
        if (w != null || pid <= 0) {
            acked(w, channel);
            return;
        }
        // Possibly a preloaded worker whose launch report has not arrived yet: keep the ack.
        Unclaimed u = unclaimed.remove(pid);
        remember(pid, new Unclaimed(u == null ? null : u.exit(), true, u == null ? now : u.at()));
    }

    void remember(int pid, Unclaimed u) {
        if (unclaimed.size() >= UNCLAIMED_MAX) unclaimed.remove(unclaimed.keySet().iterator().next());
        unclaimed.put(pid, u);
    }

    void spawnFailed(String id, String error) {
        if (!(workers.get(id) instanceof Requested r)) return;
        workers.remove(id);
        fx.add(new PoolEffect.Forget(id));
        // One line per burst: spawns issued together tend to fail together (EMFILE, a missing
        // program). Spawns go out only once spawnNotBefore has passed, and the first failure
        // moves it into the future; failures while that backoff runs are the same burst.
        boolean sameBurst = spawnNotBefore.isAfter(now);
        log(sameBurst ? Log.debug("failed to spawn worker", "worker_id", id, "error", error)
                : Log.error("failed to spawn worker", "worker_id", id, "error", error));
        if (shutdown == null) failedStart();
    }

    void acked(Worker w, String channel) {
        switch (w) {
            case null -> log(Log.debug("ack for an unknown worker ignored", "channel", channel));
            case Requested r -> workers.put(r.id(), new Requested(r.id(), r.spawnedAt(), now));
            case Booting b -> {
                workers.put(b.id(), new Ready(b.id(), b.pid(), b.spawnedAt(), now, false, watchdogFrom(now), b.status()));
                log(Log.info("worker acked", "worker_id", b.id(), "pid", b.pid(), "channel", channel,
                        "ack_ms", Duration.between(b.spawnedAt(), now).toMillis()));
            }
            case Ready r -> { } // the first ack counts; later ones on other channels are expected
            case Leaving l -> { }
        }
    }

    void notified(Notified n) {
        Worker w = byPid(n.pid());
        if (w == null) return;
        if (n.status() != null) {
            log(Log.info("worker status", "worker_id", w.id(), "pid", w.pid(), "status", n.status()));
            switch (w) {
                case Booting b -> workers.put(b.id(), new Booting(b.id(), b.pid(), b.spawnedAt(), n.status()));
                case Ready r -> workers.put(r.id(), new Ready(r.id(), r.pid(), r.spawnedAt(), r.ackedAt(),
                        r.established(), r.watchdogAt(), n.status()));
                case Requested r -> { }
                case Leaving l -> { }
            }
            w = workers.get(w.id());
        }
        if (n.watchdog() && w instanceof Ready r && r.watchdogAt() != null) {
            workers.put(r.id(), new Ready(r.id(), r.pid(), r.spawnedAt(), r.ackedAt(), r.established(),
                    watchdogFrom(now), r.status()));
        }
        if (n.stopping() && (w instanceof Ready || w instanceof Booting)) {
            log(Log.info("worker is stopping", "worker_id", w.id(), "pid", w.pid()));
            // It said it is leaving; if it has not left by stop_timeout, it is made to.
            workers.put(w.id(), new Leaving(w.id(), w.pid(), w.spawnedAt(), ackedAt(w), now.plus(cfg.stopTimeout()),
                    Why.STOPPING));
        }
    }

    void reaped(int pid, ExitStatus status) {
        if (loader != null && loader.pid() == pid) {
            loaderDied(status);
            return;
        }
        Worker w = byPid(pid);
        if (w != null) {
            died(w, status);
            return;
        }
        // An orphan re-parented to us, or a loader's worker whose launch report is in flight.
        Unclaimed u = unclaimed.remove(pid);
        remember(pid, new Unclaimed(status, u != null && u.acked(), u == null ? now : u.at()));
        log(Log.debug("reaped a process that is not a worker", "pid", pid, "status", describe(status)));
        // Its children (if any) were just re-parented to us: while stopping, they get the
        // same treatment as the strays before them.
        if (shutdown != null && shutdown.straysSignaled()) {
            fx.add(new PoolEffect.SignalStrays(shutdown.killed() ? Sig.KILL : cfg.stopSignal()));
        }
    }

    void died(Worker w, ExitStatus status) {
        workers.remove(w.id());
        fx.add(new PoolEffect.Forget(w.id()));
        c = c.died(status);
        if (shutdown != null) {
            log(Log.info("worker exited", "worker_id", w.id(), "pid", w.pid(), exitKey(status), exitValue(status)));
            return;
        }
        deaths.add(now);
        boolean failed = switch (w) {
            case Requested r -> true;
            case Booting b -> true;
            case Ready r -> !r.established();
            // Broken ones were counted when marked; STOPPING=1 does not excuse a failed start.
            case Leaving l -> l.why() == Why.STOPPING
                    && (l.ackedAt() == null || now.isBefore(l.ackedAt().plus(cfg.minUptime())));
        };
        if (failed) {
            failedStart();
        } else if (in.phase() == Phase.FAULTED || deathsWithinPeriod() > cfg.maxDeaths()) {
            spawnNotBefore = later(spawnNotBefore, now.plus(cfg.backoff(Math.max(streak, 1))));
        }
        log(Log.warn("worker died", "worker_id", w.id(), "pid", w.pid(), exitKey(status), exitValue(status),
                "uptime_ms", Duration.between(w.spawnedAt(), now).toMillis(), "failed_start", failed,
                "failed_streak", streak, "restart_in_ms", Math.max(0, Duration.between(now, spawnNotBefore).toMillis())));
    }

    void stop(boolean force, String cause) {
        if (shutdown == null) {
            shutdown = new Shutdown(now.plus(cfg.stopTimeout()), false, false, cause);
            log(Log.info("stopping", "cause", cause, "signal", Sig.name(cfg.stopSignal()),
                    "stop_timeout_ms", cfg.stopTimeout().toMillis()));
            for (Worker w : List.copyOf(workers.values())) {
                switch (w) {
                    case Requested r -> { } // nothing runs yet; a late launch is stopped on arrival
                    case Booting b -> leave(b, cfg.stopSignal());
                    case Ready r -> leave(r, cfg.stopSignal());
                    case Leaving l -> leave(l, cfg.stopSignal());
                }
            }
            if (loader != null && loader.pid() > 0) fx.add(new Signal(loader.pid(), cfg.stopSignal(), true));
            if (!force) return;
        }
        // Every further request kills again: new strays may have appeared since.
        log(Log.warn("killing everything", "cause", cause));
        killAll();
    }

    private void leave(Worker w, int signal) {
        fx.add(new Signal(w.pid(), signal, true));
        // No per-worker kill deadline: the shutdown's own deadline kills everything at once.
        workers.put(w.id(), new Leaving(w.id(), w.pid(), w.spawnedAt(), ackedAt(w), null, Why.SHUTDOWN));
    }

    void forward(int signal) {
        for (Worker w : workers.values()) {
            if (w.pid() > 0) fx.add(new Signal(w.pid(), signal, true));
        }
        log(Log.info("forwarded signal to workers", "signal", Sig.name(signal)));
    }

    // ---- the loader (preloaded pools) ----

    void loaderStarted(int generation, int pid) {
        if (loader == null || loader.generation() != generation) return;
        childrenGone = false;
        loader = new Loader(generation, pid, Loader.Phase.STARTING, loader.since());
        log(Log.info("loader started", "pid", pid, "generation", generation));
        if (shutdown != null) fx.add(new Signal(pid, cfg.stopSignal(), true));
    }

    void loaderStartFailed(int generation, String error) {
        if (loader == null || loader.generation() != generation) return;
        loader = Loader.down(generation, now);
        log(Log.error("cannot start the loader", "error", error));
        if (shutdown == null) failedStart();
    }

    void loaderReady(int generation) {
        if (loader == null || loader.generation() != generation || loader.phase() != Loader.Phase.STARTING) return;
        log(Log.info("loader ready", "pid", loader.pid(), "generation", generation,
                "load_ms", Duration.between(loader.since(), now).toMillis()));
        loader = new Loader(generation, loader.pid(), Loader.Phase.READY, now);
    }

    /**
     * Running workers are ours and keep running; requests still in flight to the dead loader
     * will never be answered, so they are dropped and asked again of the next one. A death
     * before ready, or within min_uptime of it, is a failed start (an app that cannot load
     * faults the set after max_failed_starts).
     */
    void loaderDied(ExitStatus status) {
        Loader old = loader;
        loader = Loader.down(old.generation(), now);
        for (Worker w : List.copyOf(workers.values())) {
            if (w instanceof Requested r) {
                workers.remove(r.id());
                fx.add(new PoolEffect.Forget(r.id()));
            }
        }
        if (shutdown != null) {
            log(Log.info("loader exited", "pid", old.pid(), exitKey(status), exitValue(status)));
            return;
        }
        boolean failed = old.phase() != Loader.Phase.READY || now.isBefore(old.since().plus(cfg.minUptime()));
        log(Log.of(failed ? kleinhirn.core.log.Level.ERROR : kleinhirn.core.log.Level.WARNING,
                old.phase() == Loader.Phase.READY ? "loader died" : "loader died before it was ready",
                "pid", old.pid(), exitKey(status), exitValue(status), "failed_start", failed));
        if (failed) failedStart();
        else spawnNotBefore = later(spawnNotBefore, now.plus(cfg.restartDelay()));
    }
}
