package kleinhirn.core.pool;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import kleinhirn.core.ExitStatus;

/**
 * Everything the pool knows, as an immutable value: the loop publishes it to readers after every
 * step. {@code workers} is insertion-ordered; {@code deaths} holds the worker deaths inside
 * death_period, oldest first, never more than max_deaths + 1 entries; {@code unclaimed} holds
 * exits of pids not (yet) known as workers, bounded in size and age.
 */
public record PoolState(Phase phase, String reason, Map<String, Worker> workers, List<Instant> deaths,
                        int failedStreak, Instant spawnNotBefore, boolean everRan, long spawnsTotal,
                        Counters counters, Map<Integer, Unclaimed> unclaimed, boolean childrenGone,
                        Shutdown shutdown, long seed, Instant startedAt, Loader loader) {

    /** Without a loader (fork/exec pools). */
    public PoolState(Phase phase, String reason, Map<String, Worker> workers, List<Instant> deaths,
                     int failedStreak, Instant spawnNotBefore, boolean everRan, long spawnsTotal,
                     Counters counters, Map<Integer, Unclaimed> unclaimed, boolean childrenGone,
                     Shutdown shutdown, long seed, Instant startedAt) {
        this(phase, reason, workers, deaths, failedStreak, spawnNotBefore, everRan, spawnsTotal, counters,
                unclaimed, childrenGone, shutdown, seed, startedAt, null);
    }

    /** Monotonic totals for metrics and /status. */
    public record Counters(long restarts, long deathsByExit, long deathsBySignal, long brokenAckTimeout,
                           long brokenWatchdog, long failedStarts) {
        public static final Counters ZERO = new Counters(0, 0, 0, 0, 0, 0);
    }

    /**
     * What happened to a pid before it was known as a worker (a loader's launch report still in
     * flight): it acked (sd_notify, einhorn), and/or it exited ({@code exit} non-null).
     */
    public record Unclaimed(ExitStatus exit, boolean acked, Instant at) {}

    /** Present once stopping: when to SIGKILL, whether that was done, and why we stop. */
    public record Shutdown(Instant killAt, boolean killed, boolean straysSignaled, String cause) {}

    public static PoolState initial(long seed, Instant now) {
        return new PoolState(Phase.STARTING, "still starting up", Map.of(), List.of(), 0, now, false, 0,
                Counters.ZERO, Map.of(), false, null, seed, now, null);
    }

    /** The initial state of a preloaded pool: the loader is started first. */
    public static PoolState initialPreloaded(long seed, Instant now) {
        return new PoolState(Phase.STARTING, "still starting up", Map.of(), List.of(), 0, now, false, 0,
                Counters.ZERO, Map.of(), false, null, seed, now, Loader.down(0, now));
    }

    public int ready() {
        int n = 0;
        for (Worker w : workers.values()) if (w instanceof Worker.Ready) n++;
        return n;
    }

    public Worker byPid(int pid) {
        if (pid <= 0) return null;
        for (Worker w : workers.values()) if (w.pid() == pid) return w;
        return null;
    }
}
