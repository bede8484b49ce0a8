package kleinhirn.core.pool;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import kleinhirn.core.ExitStatus;

/**
 * Everything the pool knows, as an immutable value: the loop publishes it to readers after every
 * step. {@code workers} is insertion-ordered; {@code count} is the configured number of workers;
 * {@code unclaimed} holds exits of pids not (yet) known as workers, bounded in size and age;
 * {@code shutdown} is null until a stop is requested; {@code loader} is null for program pools.
 * {@code recycles} is what make-before-break recycling knows, {@code reforks} what reforking knows.
 * The phase and its reason are not stored: {@link #phase()} and {@link #reason()} derive them.
 */
public record PoolState(int count, Map<String, Worker> workers, RestartBudget budget, boolean everRan,
                        long spawnsTotal, Counters counters, Map<Integer, Unclaimed> unclaimed,
                        boolean childrenGone, Shutdown shutdown, long seed, Instant startedAt, Loader loader,
                        Recycles recycles, Reforks reforks) {

    /** Without recycling and refork state (nothing recycled or reforked yet). */
    public PoolState(int count, Map<String, Worker> workers, RestartBudget budget, boolean everRan,
                     long spawnsTotal, Counters counters, Map<Integer, Unclaimed> unclaimed,
                     boolean childrenGone, Shutdown shutdown, long seed, Instant startedAt, Loader loader) {
        this(count, workers, budget, everRan, spawnsTotal, counters, unclaimed, childrenGone, shutdown, seed, startedAt,
                loader, Recycles.NONE, Reforks.NONE);
    }

    /** Monotonic totals for metrics and /status. */
    public record Counters(long restarts, long deathsByExit, long deathsBySignal, long brokenAckTimeout,
                           long brokenWatchdog, long failedStarts, long sparesForked) {
        public static final Counters ZERO = new Counters(0, 0, 0, 0, 0, 0, 0);

        Counters spareForked() {
            return new Counters(restarts, deathsByExit, deathsBySignal, brokenAckTimeout, brokenWatchdog, failedStarts,
                    sparesForked + 1);
        }

        Counters restarted() {
            return new Counters(restarts + 1, deathsByExit, deathsBySignal, brokenAckTimeout, brokenWatchdog, failedStarts, sparesForked);
        }

        Counters died(ExitStatus how) {
            return switch (how) {
                case ExitStatus.Exited e -> new Counters(restarts, deathsByExit + 1, deathsBySignal, brokenAckTimeout,
                        brokenWatchdog, failedStarts, sparesForked);
                case ExitStatus.Signaled s -> new Counters(restarts, deathsByExit, deathsBySignal + 1, brokenAckTimeout,
                        brokenWatchdog, failedStarts, sparesForked);
            };
        }

        Counters ackTimedOut() {
            return new Counters(restarts, deathsByExit, deathsBySignal, brokenAckTimeout + 1, brokenWatchdog, failedStarts, sparesForked);
        }

        Counters watchdogMissed() {
            return new Counters(restarts, deathsByExit, deathsBySignal, brokenAckTimeout, brokenWatchdog + 1, failedStarts, sparesForked);
        }

        Counters failedStart() {
            return new Counters(restarts, deathsByExit, deathsBySignal, brokenAckTimeout, brokenWatchdog, failedStarts + 1, sparesForked);
        }
    }

    /**
     * What happened to a pid before it was known as a worker (a loader's launch report still in
     * flight): it acked (sd_notify, einhorn), and/or it exited ({@code exit} non-null).
     */
    public record Unclaimed(ExitStatus exit, boolean acked, Instant at) {}

    /** Before the first step: nothing spawned; a preloaded pool's loader is down (generation 0). */
    public static PoolState initial(PoolConfig cfg, long seed, Instant now) {
        return new PoolState(cfg.count(), Map.of(), RestartBudget.fresh(cfg.budget(), now), false, 0, Counters.ZERO,
                Map.of(), false, null, seed, now, cfg.preloaded() ? new Loader.Down(0, now) : null);
    }

    /** The set's supervision state, derived: stopping, else the budget's verdict, else by readiness. */
    public Phase phase() {
        if (shutdown != null) return Phase.STOPPING;
        if (budget.faulted()) return Phase.FAULTED;
        if (ready() >= count) return Phase.RUNNING;
        return everRan ? Phase.UNDERPROVISIONED : Phase.STARTING;
    }

    /** Why the set is in its phase, as /status and the health endpoint say it; "" when running. */
    public String reason() {
        return switch (phase()) {
            case STOPPING -> "stopping";
            case FAULTED -> budget.fault(ready(), count);
            case RUNNING -> "";
            case UNDERPROVISIONED -> "underprovisioned: " + ready() + "/" + count + " ready";
            case STARTING -> "still starting up";
        };
    }

    /** The worker deaths inside death_period, oldest first. */
    public List<Instant> deaths() {
        return budget.deaths();
    }

    /** Failed starts in a row right now. */
    public int failedStreak() {
        return budget.failedStreak();
    }

    public int ready() {
        int n = 0;
        for (Worker w : workers.values()) if (w instanceof Worker.Ready) n++;
        return n;
    }

    /** The worker with this pid, or null (also for pid <= 0). */
    public Worker byPid(int pid) {
        if (pid <= 0) return null;
        for (Worker w : workers.values()) if (w instanceof Worker.Running r && r.pid() == pid) return w;
        return null;
    }

    public PoolState withWorkers(Map<String, Worker> w) {
        return new PoolState(count, w, budget, everRan, spawnsTotal, counters, unclaimed, childrenGone, shutdown, seed,
                startedAt, loader, recycles, reforks);
    }

    public PoolState withBudget(RestartBudget b) {
        return new PoolState(count, workers, b, everRan, spawnsTotal, counters, unclaimed, childrenGone, shutdown, seed,
                startedAt, loader, recycles, reforks);
    }

    public PoolState withEverRan(boolean ran) {
        return new PoolState(count, workers, budget, ran, spawnsTotal, counters, unclaimed, childrenGone, shutdown, seed,
                startedAt, loader, recycles, reforks);
    }

    public PoolState withCounters(Counters c) {
        return new PoolState(count, workers, budget, everRan, spawnsTotal, c, unclaimed, childrenGone, shutdown, seed,
                startedAt, loader, recycles, reforks);
    }

    public PoolState withShutdown(Shutdown s) {
        return new PoolState(count, workers, budget, everRan, spawnsTotal, counters, unclaimed, childrenGone, s, seed,
                startedAt, loader, recycles, reforks);
    }

    public PoolState withReforks(Reforks r) {
        return new PoolState(count, workers, budget, everRan, spawnsTotal, counters, unclaimed, childrenGone, shutdown,
                seed, startedAt, loader, recycles, r);
    }

    public PoolState withLoader(Loader l) {
        return new PoolState(count, workers, budget, everRan, spawnsTotal, counters, unclaimed, childrenGone, shutdown,
                seed, startedAt, l, recycles, reforks);
    }
}
