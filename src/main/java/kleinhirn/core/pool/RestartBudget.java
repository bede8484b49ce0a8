package kleinhirn.core.pool;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import kleinhirn.core.Deadlines;

/**
 * The restart budget (pool.md §Restart policy), the one place that decides whether the set is
 * faulted and when the next start may happen. It knows three things: the deaths inside
 * death_period (oldest first), the failed-start streak, and the earliest time of the next start
 * ({@code notBefore}, the backoff). The step reports facts to it (a death, a failed start, a
 * streak broken by a worker that stayed up); it never looks at workers itself.
 *
 * <p>{@code faulted} is the one remembered verdict: a set faults when it has more than
 * max_deaths deaths in the window or max_failed_starts failed starts in a row, and stays faulted
 * (hysteresis) until both have cleared and every worker is ready again; see {@link #judged}.
 */
public record RestartBudget(Policy policy, List<Instant> deaths, int failedStreak, Instant notBefore, boolean faulted) {
    /** Deaths remembered inside death_period (beyond max_deaths + 1, only for reporting). */
    static final int MAX_DEATHS_KEPT = 4096;

    /** The knobs of the budget, from the config. */
    public record Policy(int maxDeaths, Duration deathPeriod, int maxFailedStarts, Duration restartDelay,
                         Duration maxRestartDelay) {
        /** Backoff before the replacement after the n-th consecutive failed start (n >= 1). */
        public Duration backoff(int streak) {
            if (streak <= 0) return Duration.ZERO;
            Duration d = restartDelay;
            for (int i = 1; i < streak && d.compareTo(maxRestartDelay) < 0; i++) d = d.multipliedBy(2);
            return d.compareTo(maxRestartDelay) > 0 ? maxRestartDelay : d;
        }
    }

    public RestartBudget {
        deaths = List.copyOf(deaths);
    }

    /** Nothing spent: the first start may happen at {@code now}. */
    public static RestartBudget fresh(Policy policy, Instant now) {
        return new RestartBudget(policy, List.of(), 0, now, false);
    }

    /** A start that did not last: the streak grows and the next start waits its backoff. */
    public RestartBudget failedStart(Instant now) {
        int streak = failedStreak + 1;
        return new RestartBudget(policy, deaths, streak, later(notBefore, now.plus(policy.backoff(streak))), faulted);
    }

    /**
     * A worker died at {@code now} (not while stopping). A failed start also grows the streak;
     * any other death is replaced at once, unless the set is faulted or over its death budget,
     * where even an established worker waits a backoff.
     */
    public RestartBudget died(Instant now, boolean failedStart) {
        List<Instant> more = new ArrayList<>(deaths);
        more.add(now);
        RestartBudget b = new RestartBudget(policy, more, failedStreak, notBefore, faulted);
        if (failedStart) return b.failedStart(now);
        if (faulted || b.deathsWithin(now) > policy.maxDeaths()) {
            return b.notBefore(now.plus(policy.backoff(Math.max(failedStreak, 1))));
        }
        return b;
    }

    /** No start before {@code t} (kept if the backoff already ends later). */
    public RestartBudget notBefore(Instant t) {
        return new RestartBudget(policy, deaths, failedStreak, later(notBefore, t), faulted);
    }

    /** Something stayed up for min_uptime: the streak is over. */
    public RestartBudget streakBroken() {
        return new RestartBudget(policy, deaths, 0, notBefore, faulted);
    }

    /** Whether the backoff allows a start at {@code now}. */
    public boolean mayStart(Instant now) {
        return !now.isBefore(notBefore);
    }

    /**
     * The budget at the end of a step: deaths that left the window are forgotten (the rest kept
     * exact for /status, but bounded, so a storm cannot grow memory), and the verdict is renewed.
     * Once faulted, the set stays so until the window and the streak have cleared and
     * {@code ready >= count}.
     */
    public RestartBudget judged(Instant now, int ready, int count) {
        Instant horizon = now.minus(policy.deathPeriod());
        List<Instant> kept = new ArrayList<>(deaths);
        kept.removeIf(d -> !d.isAfter(horizon));
        while (kept.size() > Math.max(policy.maxDeaths() + 1, MAX_DEATHS_KEPT)) kept.removeFirst();
        boolean over = kept.size() > policy.maxDeaths() || failedStreak >= policy.maxFailedStarts();
        boolean stillFaulted = over || (faulted && (ready < count || failedStreak > 0));
        return new RestartBudget(policy, kept, failedStreak, notBefore, stillFaulted);
    }

    /** Why the set is faulted (as /status and the health endpoint say it), or null if it is not. */
    public String fault(int ready, int count) {
        if (!faulted) return null;
        if (deaths.size() > policy.maxDeaths()) {
            return "faulted: " + deaths.size() + " deaths in " + PoolMachine.human(policy.deathPeriod());
        }
        if (failedStreak > 0) return "faulted: " + failedStreak + " failed starts in a row";
        return "faulted: recovering, " + ready + "/" + count + " ready";
    }

    /**
     * When the budget itself wants a look: the end of a future backoff if a start is wanted, and,
     * while faulted, when the oldest death leaves the window. Never at or before {@code now}
     * for a budget judged at {@code now}.
     */
    public Instant wakeAt(Instant now, boolean startWanted) {
        Instant wake = startWanted && notBefore.isAfter(now) ? notBefore : null;
        if (faulted && !deaths.isEmpty()) wake = Deadlines.earliest(wake, deaths.getFirst().plus(policy.deathPeriod()));
        return wake;
    }

    long deathsWithin(Instant now) {
        Instant horizon = now.minus(policy.deathPeriod());
        return deaths.stream().filter(d -> d.isAfter(horizon)).count();
    }

    private static Instant later(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }
}
