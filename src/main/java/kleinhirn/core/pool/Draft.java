package kleinhirn.core.pool;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
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
 * The mutable working copy of one step, and the rules that settle it: expire deadlines, top the
 * pool up (unless backing off or stopping), judge the phase and pick the next wake-up. {@link Turn}
 * applies the events to it first. Never shared: one step, one copy; the input state is untouched.
 */
abstract class Draft {
    /** How long an exit of a not-yet-known pid waits to be claimed by a Launched event. */
    static final Duration UNCLAIMED_TTL = Duration.ofSeconds(10);
    static final int UNCLAIMED_MAX = 128;
    /** Deaths remembered inside death_period (beyond max_deaths + 1, only for reporting). */
    static final int MAX_DEATHS_KEPT = 4096;

    final PoolConfig cfg;
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

    Draft(PoolConfig cfg, PoolState s, Instant now) {
        this.cfg = cfg;
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

    long deathsWithinPeriod() {
        Instant horizon = now.minus(cfg.deathPeriod());
        return deaths.stream().filter(d -> d.isAfter(horizon)).count();
    }

    void failedStart() {
        streak++;
        c = c.failedStart();
        spawnNotBefore = later(spawnNotBefore, now.plus(cfg.backoff(streak)));
    }

    void killAll() {
        for (Worker w : workers.values()) {
            if (w.pid() > 0) fx.add(new Signal(w.pid(), Sig.KILL, true));
        }
        if (loader != null && loader.pid() > 0) fx.add(new Signal(loader.pid(), Sig.KILL, true));
        fx.add(new PoolEffect.SignalStrays(Sig.KILL));
        shutdown = new Shutdown(shutdown.killAt(), true, true, shutdown.cause());
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
                    ? "faulted: " + deathsInWindow + " deaths in " + PoolMachine.human(cfg.deathPeriod())
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

    static Instant ackedAt(Worker w) {
        return switch (w) {
            case Ready r -> r.ackedAt();
            case Leaving l -> l.ackedAt();
            case Requested r -> null;
            case Booting b -> null;
        };
    }

    static Instant earliest(Instant a, Instant b) {
        if (a == null) return b;
        if (b == null) return a;
        return a.isBefore(b) ? a : b;
    }

    static Instant later(Instant a, Instant b) {
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

}
