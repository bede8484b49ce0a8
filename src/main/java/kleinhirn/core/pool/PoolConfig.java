package kleinhirn.core.pool;

import java.time.Duration;

/**
 * The policy knobs of pool.md, frozen at start. {@code acks} false means a worker is ready as
 * soon as it is spawned; {@code watchdog} is null when not configured; {@code preloaded} means
 * workers are forked by a loader process that the pool starts and supervises first;
 * {@code recycling} says when workers are replaced make-before-break; {@code spares} (preloaded
 * only) is how many parked spares to keep besides the {@code count} workers.
 */
public record PoolConfig(int count, boolean acks, Duration ackTimeout, int maxDeaths, Duration deathPeriod,
                         int maxFailedStarts, Duration minUptime, Duration restartDelay,
                         Duration maxRestartDelay, int stopSignal, Duration stopTimeout, Duration watchdog,
                         boolean preloaded, Recycling recycling, int spares) {

    /** Without recycling. */
    public PoolConfig(int count, boolean acks, Duration ackTimeout, int maxDeaths, Duration deathPeriod,
                      int maxFailedStarts, Duration minUptime, Duration restartDelay,
                      Duration maxRestartDelay, int stopSignal, Duration stopTimeout, Duration watchdog,
                      boolean preloaded, int spares) {
        this(count, acks, ackTimeout, maxDeaths, deathPeriod, maxFailedStarts, minUptime, restartDelay,
                maxRestartDelay, stopSignal, stopTimeout, watchdog, preloaded, Recycling.NONE, spares);
    }

    /** Without spares. */
    public PoolConfig(int count, boolean acks, Duration ackTimeout, int maxDeaths, Duration deathPeriod,
                      int maxFailedStarts, Duration minUptime, Duration restartDelay,
                      Duration maxRestartDelay, int stopSignal, Duration stopTimeout, Duration watchdog,
                      boolean preloaded, Recycling recycling) {
        this(count, acks, ackTimeout, maxDeaths, deathPeriod, maxFailedStarts, minUptime, restartDelay,
                maxRestartDelay, stopSignal, stopTimeout, watchdog, preloaded, recycling, 0);
    }

    /** Without recycling or spares. */
    public PoolConfig(int count, boolean acks, Duration ackTimeout, int maxDeaths, Duration deathPeriod,
                      int maxFailedStarts, Duration minUptime, Duration restartDelay,
                      Duration maxRestartDelay, int stopSignal, Duration stopTimeout, Duration watchdog,
                      boolean preloaded) {
        this(count, acks, ackTimeout, maxDeaths, deathPeriod, maxFailedStarts, minUptime, restartDelay,
                maxRestartDelay, stopSignal, stopTimeout, watchdog, preloaded, Recycling.NONE, 0);
    }

    /** A fork/exec pool. */
    public PoolConfig(int count, boolean acks, Duration ackTimeout, int maxDeaths, Duration deathPeriod,
                      int maxFailedStarts, Duration minUptime, Duration restartDelay,
                      Duration maxRestartDelay, int stopSignal, Duration stopTimeout, Duration watchdog) {
        this(count, acks, ackTimeout, maxDeaths, deathPeriod, maxFailedStarts, minUptime, restartDelay,
                maxRestartDelay, stopSignal, stopTimeout, watchdog, false, 0);
    }

    public PoolConfig withSpares(int n) {
        return new PoolConfig(count, acks, ackTimeout, maxDeaths, deathPeriod, maxFailedStarts, minUptime, restartDelay,
                maxRestartDelay, stopSignal, stopTimeout, watchdog, preloaded, n);
    }

    public PoolConfig withRecycling(Recycling r) {
        return new PoolConfig(count, acks, ackTimeout, maxDeaths, deathPeriod, maxFailedStarts, minUptime, restartDelay,
                maxRestartDelay, stopSignal, stopTimeout, watchdog, preloaded, r);
    }

    /** The knobs of the restart budget. */
    public RestartBudget.Policy budget() {
        return new RestartBudget.Policy(maxDeaths, deathPeriod, maxFailedStarts, restartDelay, maxRestartDelay);
    }
}
