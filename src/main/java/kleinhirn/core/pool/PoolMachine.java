package kleinhirn.core.pool;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import kleinhirn.core.ExitStatus;
import kleinhirn.core.Sig;
import kleinhirn.core.Step;
import kleinhirn.core.log.Log;
import kleinhirn.core.pool.PoolEffect.Emit;
import kleinhirn.core.pool.PoolEffect.Signal;
import kleinhirn.core.pool.PoolEvent.*;
import kleinhirn.core.pool.PoolState.Counters;
import kleinhirn.core.pool.PoolState.Shutdown;
import kleinhirn.core.pool.PoolState.Unclaimed;
import kleinhirn.core.pool.Worker.Booting;
import kleinhirn.core.pool.Worker.Leaving;
import kleinhirn.core.pool.Worker.Ready;
import kleinhirn.core.pool.Worker.Requested;
import kleinhirn.core.pool.Worker.Why;

/**
 * The worker-pool policy as a pure function: no clock, no threads, no syscalls. The caller
 * passes "now"; the result says what to do next and when to wake us.
 *
 * <p>Each step copies the state into a {@link Turn}, applies the event, then {@code settle}s:
 * expires deadlines, tops the pool up (unless backing off or stopping), recomputes the phase and
 * the next deadline. The input state is never modified.
 */
public final class PoolMachine {
    /** How long an exit of a not-yet-known pid waits to be claimed by a Launched event. */
    static final Duration UNCLAIMED_TTL = Duration.ofSeconds(10);
    static final int UNCLAIMED_MAX = 128;
    /** Deaths remembered inside death_period (beyond max_deaths + 1, only for reporting). */
    static final int MAX_DEATHS_KEPT = 4096;

    private final PoolConfig cfg;

    public PoolMachine(PoolConfig cfg) {
        this.cfg = cfg;
    }

    public PoolConfig config() {
        return cfg;
    }

    public Step<PoolState, PoolEffect> step(PoolState state, PoolEvent event, Instant now) {
        Turn t = new Turn(state, now);
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

    /** A mutable working copy for one step. */
    private final class Turn {
        final PoolState in;
        final Instant now;
        final LinkedHashMap<String, Worker> workers;
        final ArrayList<Instant> deaths;
        final LinkedHashMap<Integer, Unclaimed> unclaimed;
        final List<PoolEffect> fx = new ArrayList<>();
        int streak;
        Instant spawnNotBefore;
        boolean everRan;
        long spawnsTotal;
        Counters c;
        boolean childrenGone;
        Shutdown shutdown;
        Loader loader;

        Turn(PoolState s, Instant now) {
            this.in = s;
            this.now = now;
            workers = new LinkedHashMap<>(s.workers());
            deaths = new ArrayList<>(s.deaths());
            unclaimed = new LinkedHashMap<>(s.unclaimed());
            streak = s.failedStreak();
            spawnNotBefore = s.spawnNotBefore();
            everRan = s.everRan();
            spawnsTotal = s.spawnsTotal();
            c = s.counters();
            childrenGone = s.childrenGone();
            shutdown = s.shutdown();
            loader = s.loader();
        }

        Worker byPid(int pid) {
            if (pid <= 0) return null;
            for (Worker w : workers.values()) if (w.pid() == pid) return w;
            return null;
        }

        void log(Log l) {
            fx.add(new Emit(l));
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
            log(Log.error("failed to spawn worker", "worker_id", id, "error", error));
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

        long deathsWithinPeriod() {
            Instant horizon = now.minus(cfg.deathPeriod());
            return deaths.stream().filter(d -> d.isAfter(horizon)).count();
        }

        void failedStart() {
            streak++;
            c = c.failedStart();
            spawnNotBefore = later(spawnNotBefore, now.plus(cfg.backoff(streak)));
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

        void killAll() {
            for (Worker w : workers.values()) {
                if (w.pid() > 0) fx.add(new Signal(w.pid(), Sig.KILL, true));
            }
            if (loader != null && loader.pid() > 0) fx.add(new Signal(loader.pid(), Sig.KILL, true));
            fx.add(new PoolEffect.SignalStrays(Sig.KILL));
            shutdown = new Shutdown(shutdown.killAt(), true, true, shutdown.cause());
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

        /** A DOWN loader is started again once the backoff allows; returns whether spawning may proceed. */
        boolean loaderReadyForSpawns() {
            if (loader == null) return true;
            if (loader.phase() == Loader.Phase.DOWN && !now.isBefore(spawnNotBefore)) {
                int generation = loader.generation() + 1;
                loader = new Loader(generation, -1, Loader.Phase.STARTING, now);
                fx.add(new PoolEffect.StartLoader(generation));
            }
            return loader.phase() == Loader.Phase.READY;
        }

        // ---- settle: deadlines, top-up, phase, next wake-up ----

        Step<PoolState, PoolEffect> settle() {
            expireDeadlines();
            pruneWindow();
            if (shutdown == null) topUp();
            else drainIfDone();
            Phase phase;
            String reason;
            int ready = 0;
            for (Worker w : workers.values()) if (w instanceof Ready) ready++;
            int deathsInWindow = deaths.size();
            boolean tooManyDeaths = deathsInWindow > cfg.maxDeaths();
            boolean streakTooLong = streak >= cfg.maxFailedStarts();
            if (shutdown != null) {
                phase = Phase.STOPPING;
                reason = "stopping";
            } else if (tooManyDeaths || streakTooLong
                    || (in.phase() == Phase.FAULTED && (ready < cfg.count() || streak > 0))) {
                phase = Phase.FAULTED;
                reason = tooManyDeaths
                        ? "faulted: " + deathsInWindow + " deaths in " + human(cfg.deathPeriod())
                        : streakTooLong || streak > 0
                        ? "faulted: " + streak + " failed starts in a row"
                        : "faulted: recovering, " + ready + "/" + cfg.count() + " ready";
            } else if (ready >= cfg.count()) {
                phase = Phase.RUNNING;
                reason = "";
                everRan = true;
            } else if (everRan) {
                phase = Phase.UNDERPROVISIONED;
                reason = "underprovisioned: " + ready + "/" + cfg.count() + " ready";
            } else {
                phase = Phase.STARTING;
                reason = "still starting up";
            }
            if (phase != in.phase()) {
                Log l = Log.of(phase == Phase.FAULTED ? kleinhirn.core.log.Level.ERROR : kleinhirn.core.log.Level.INFO,
                        "state changed", "from", in.phase().wire(), "to", phase.wire(), "reason", reason.isEmpty() ? null : reason);
                fx.add(new Emit(l));
            }
            PoolState out = new PoolState(phase, reason, java.util.Collections.unmodifiableMap(workers),
                    List.copyOf(deaths), streak, spawnNotBefore, everRan, spawnsTotal, c,
                    java.util.Collections.unmodifiableMap(unclaimed), childrenGone, shutdown, in.seed(), in.startedAt(), loader);
            return new Step<>(out, fx, nextWake(phase));
        }

        void expireDeadlines() {
            for (Worker w : List.copyOf(workers.values())) {
                switch (w) {
                    case Requested r when shutdown == null && !now.isBefore(r.spawnedAt().plus(cfg.ackTimeout())) -> {
                        workers.remove(r.id());
                        fx.add(new PoolEffect.Forget(r.id()));
                        log(Log.warn("worker never launched within ack_timeout", "worker_id", r.id()));
                        failedStart();
                    }
                    case Booting b when shutdown == null && !now.isBefore(b.spawnedAt().plus(cfg.ackTimeout())) -> {
                        log(Log.warn("worker broken: no ack within ack_timeout", "worker_id", b.id(), "pid", b.pid(),
                                "ack_timeout_ms", cfg.ackTimeout().toMillis()));
                        c = c.ackTimedOut();
                        broken(b, null);
                        failedStart();
                    }
                    case Ready r when shutdown == null && r.watchdogAt() != null && !now.isBefore(r.watchdogAt()) -> {
                        log(Log.warn("worker broken: watchdog missed", "worker_id", r.id(), "pid", r.pid(),
                                "watchdog_ms", cfg.watchdog().toMillis()));
                        c = c.watchdogMissed();
                        broken(r, r.ackedAt());
                        if (!r.established()) failedStart();
                    }
                    case Ready r when !r.established() && !now.isBefore(r.ackedAt().plus(cfg.minUptime())) -> {
                        workers.put(r.id(), new Ready(r.id(), r.pid(), r.spawnedAt(), r.ackedAt(), true, r.watchdogAt(), r.status()));
                        if (streak > 0) log(Log.info("failed-start streak broken", "worker_id", r.id(), "streak", streak));
                        streak = 0;
                    }
                    case Leaving l when l.killAt() != null && !now.isBefore(l.killAt()) -> {
                        log(Log.warn("worker did not stop in time; killing it", "worker_id", l.id(), "pid", l.pid()));
                        fx.add(new Signal(l.pid(), Sig.KILL, true));
                        workers.put(l.id(), new Leaving(l.id(), l.pid(), l.spawnedAt(), l.ackedAt(), null, l.why()));
                    }
                    default -> { }
                }
            }
            if (shutdown == null && loader != null && loader.phase() == Loader.Phase.STARTING && loader.pid() > 0
                    && !now.isBefore(loader.since().plus(cfg.ackTimeout()))) {
                log(Log.error("loader not ready within ack_timeout; killing it", "pid", loader.pid(),
                        "ack_timeout_ms", cfg.ackTimeout().toMillis()));
                fx.add(new Signal(loader.pid(), Sig.KILL, true));
                loader = Loader.down(loader.generation(), now);
                failedStart();
            }
            // Failures of the loader alone never reach a worker's min_uptime: once every worker is
            // established and the loader has been ready for min_uptime, the streak is broken.
            if (streak > 0 && shutdown == null && loaderEstablished() && establishedWorkers() >= cfg.count()) {
                log(Log.info("failed-start streak broken", "streak", streak));
                streak = 0;
            }
            if (shutdown != null && !shutdown.killed() && !now.isBefore(shutdown.killAt())) {
                log(Log.warn("stop_timeout passed; killing what is left"));
                killAll();
            }
            Instant horizon = now.minus(UNCLAIMED_TTL);
            unclaimed.values().removeIf(u -> !u.at().isAfter(horizon));
        }

        boolean loaderEstablished() {
            return loader == null
                    || (loader.phase() == Loader.Phase.READY && !now.isBefore(loader.since().plus(cfg.minUptime())));
        }

        int establishedWorkers() {
            int n = 0;
            for (Worker w : workers.values()) if (w instanceof Ready r && r.established()) n++;
            return n;
        }

        void broken(Worker w, Instant ackedAt) {
            fx.add(new Signal(w.pid(), cfg.stopSignal(), true));
            workers.put(w.id(), new Leaving(w.id(), w.pid(), w.spawnedAt(), ackedAt, now.plus(cfg.stopTimeout()), Why.BROKEN));
        }

        void pruneWindow() {
            Instant horizon = now.minus(cfg.deathPeriod());
            deaths.removeIf(d -> !d.isAfter(horizon));
            // Kept exact for /status and the reason, but bounded: a storm cannot grow memory.
            while (deaths.size() > Math.max(cfg.maxDeaths() + 1, MAX_DEATHS_KEPT)) deaths.removeFirst();
        }

        void topUp() {
            int live = 0;
            for (Worker w : workers.values()) if (!(w instanceof Leaving)) live++;
            int missing = cfg.count() - live;
            // The loader is restarted as soon as the backoff allows, even with nothing to spawn.
            boolean loaderReady = loaderReadyForSpawns();
            if (missing <= 0 || now.isBefore(spawnNotBefore) || !loaderReady) return;
            for (int i = 0; i < missing; i++) {
                String id = Ids.uuid(in.seed(), spawnsTotal);
                spawnsTotal++;
                if (spawnsTotal > cfg.count()) {
                    c = c.restarted();
                }
                workers.put(id, new Requested(id, now, null));
                fx.add(new PoolEffect.Spawn(id));
            }
        }

        void drainIfDone() {
            boolean anyWorker = false;
            for (Worker w : workers.values()) if (w.pid() > 0) anyWorker = true;
            if (anyWorker || (loader != null && loader.pid() > 0)) return;
            if (childrenGone) {
                log(Log.info("all processes reaped; exiting", "cause", shutdown.cause()));
                fx.add(new PoolEffect.Exit(0));
            } else if (!shutdown.straysSignaled()) {
                // Workers are gone but children remain: orphans re-parented to us.
                fx.add(new PoolEffect.SignalStrays(cfg.stopSignal()));
                shutdown = new Shutdown(shutdown.killAt(), shutdown.killed(), true, shutdown.cause());
            }
        }

        Instant nextWake(Phase phase) {
            Instant wake = null;
            for (Worker w : workers.values()) {
                Instant d = switch (w) {
                    case Requested r -> shutdown == null ? r.spawnedAt().plus(cfg.ackTimeout()) : null;
                    case Booting b -> shutdown == null ? b.spawnedAt().plus(cfg.ackTimeout()) : null;
                    case Ready r -> earliest(r.established() ? null : r.ackedAt().plus(cfg.minUptime()),
                            shutdown == null ? r.watchdogAt() : null);
                    case Leaving l -> l.killAt();
                };
                wake = earliest(wake, d);
            }
            if (shutdown == null) {
                int live = 0;
                for (Worker w : workers.values()) if (!(w instanceof Leaving)) live++;
                // Only a future backoff is a deadline; a past one waits on the loader, not the clock.
                if ((live < cfg.count() || (loader != null && loader.phase() == Loader.Phase.DOWN))
                        && spawnNotBefore.isAfter(now)) {
                    wake = earliest(wake, spawnNotBefore);
                }
                if (loader != null && loader.phase() == Loader.Phase.STARTING) {
                    wake = earliest(wake, loader.since().plus(cfg.ackTimeout()));
                }
                if (streak > 0 && loader != null && loader.phase() == Loader.Phase.READY && !loaderEstablished()) {
                    wake = earliest(wake, loader.since().plus(cfg.minUptime()));
                }
                // A faulted set re-checks when its oldest death leaves the window.
                if (phase == Phase.FAULTED && !deaths.isEmpty()) wake = earliest(wake, deaths.getFirst().plus(cfg.deathPeriod()));
            } else if (!shutdown.killed()) {
                wake = earliest(wake, shutdown.killAt());
            }
            if (!unclaimed.isEmpty()) {
                for (Unclaimed u : unclaimed.values()) wake = earliest(wake, u.at().plus(UNCLAIMED_TTL));
            }
            return wake;
        }

        Instant watchdogFrom(Instant t) {
            return cfg.watchdog() == null ? null : t.plus(cfg.watchdog());
        }
    }

    private static Instant ackedAt(Worker w) {
        return switch (w) {
            case Ready r -> r.ackedAt();
            case Leaving l -> l.ackedAt();
            case Requested r -> null;
            case Booting b -> null;
        };
    }

    private static Instant earliest(Instant a, Instant b) {
        if (a == null) return b;
        if (b == null) return a;
        return a.isBefore(b) ? a : b;
    }

    private static Instant later(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }

    static String exitKey(ExitStatus s) {
        return s instanceof ExitStatus.Exited ? "exit_code" : "signal";
    }

    static Object exitValue(ExitStatus s) {
        return switch (s) {
            case ExitStatus.Exited(int code) -> code;
            case ExitStatus.Signaled(int sig, boolean core) -> Sig.name(sig);
        };
    }

    static String describe(ExitStatus s) {
        return switch (s) {
            case ExitStatus.Exited(int code) -> "exit " + code;
            case ExitStatus.Signaled(int sig, boolean core) -> "signal " + Sig.name(sig);
        };
    }

    /** "60s" or "250ms", as pool.md writes the reasons. */
    public static String human(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 != 0 ? ms + "ms" : ms / 1000 + "s";
    }
}
