package kleinhirn.core.pool;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The restart budget alone, with a fake clock: max_deaths = 3 in 60s, max_failed_starts = 3. */
class RestartBudgetTest {
    static final Instant T0 = Instant.parse("2026-11-21T12:00:00Z");
    static final RestartBudget.Policy POLICY = new RestartBudget.Policy(3, Duration.ofSeconds(60), 3,
            Duration.ofMillis(100), Duration.ofMillis(350));

    static Instant at(long ms) {
        return T0.plusMillis(ms);
    }

    @Test
    void backoffDoublesUpToTheMaximum() {
        assertEquals(Duration.ZERO, POLICY.backoff(0));
        assertEquals(Duration.ofMillis(100), POLICY.backoff(1));
        assertEquals(Duration.ofMillis(200), POLICY.backoff(2));
        assertEquals(Duration.ofMillis(350), POLICY.backoff(3));
        assertEquals(Duration.ofMillis(350), POLICY.backoff(40));
    }

    @Test
    void aFailedStartWaitsItsBackoffToTheMillisecond() {
        RestartBudget b = RestartBudget.fresh(POLICY, T0);
        assertTrue(b.mayStart(T0));
        b = b.failedStart(T0);
        assertEquals(1, b.failedStreak());
        assertFalse(b.mayStart(at(99)));
        assertTrue(b.mayStart(at(100)));
        assertEquals(at(100), b.wakeAt(T0, true));
        assertNull(b.wakeAt(T0, false), "no start wanted: the backoff is no deadline");
        assertNull(b.wakeAt(at(100), true), "never a wake-up at now");
    }

    @Test
    void aBackoffNeverShrinks() {
        RestartBudget b = RestartBudget.fresh(POLICY, T0).failedStart(T0).failedStart(T0); // until 200ms
        assertEquals(at(200), b.notBefore(at(50)).notBefore());
        assertEquals(at(300), b.notBefore(at(300)).notBefore());
    }

    @Test
    void theStreakFaultsAtMaxFailedStartsAndStaysFaultedUntilBrokenAndAllReady() {
        RestartBudget b = RestartBudget.fresh(POLICY, T0);
        for (int i = 1; i <= 2; i++) {
            b = b.failedStart(T0).judged(T0, 0, 2);
            assertFalse(b.faulted(), "after " + i);
            assertNull(b.fault(0, 2));
        }
        b = b.failedStart(T0).judged(T0, 0, 2);
        assertTrue(b.faulted());
        assertEquals("faulted: 3 failed starts in a row", b.fault(0, 2));
        b = b.streakBroken().judged(at(1), 1, 2);
        assertTrue(b.faulted(), "hysteresis: not all ready yet");
        assertEquals("faulted: recovering, 1/2 ready", b.fault(1, 2));
        b = b.judged(at(2), 2, 2);
        assertFalse(b.faulted());
    }

    @Test
    void moreThanMaxDeathsInTheWindowFaultsUntilTheOldestLeavesIt() {
        RestartBudget b = RestartBudget.fresh(POLICY, T0);
        for (int i = 0; i < 3; i++) b = b.died(at(i), false).judged(at(i), 2, 2);
        assertFalse(b.faulted(), "3 deaths is not more than 3");
        assertTrue(b.mayStart(at(2)), "an established worker is replaced at once");
        b = b.died(at(3), false);
        assertEquals(at(3 + 100), b.notBefore(), "over the budget: even established workers wait a backoff");
        b = b.judged(at(3), 2, 2);
        assertTrue(b.faulted());
        assertEquals("faulted: 4 deaths in 60s", b.fault(2, 2));
        assertEquals(T0.plusSeconds(60), b.wakeAt(at(3), false), "re-checked when the oldest death leaves the window");
        RestartBudget before = b.judged(T0.plusSeconds(60).minusMillis(1), 2, 2);
        assertTrue(before.faulted(), "one tick before the window passes");
        assertEquals(4, before.deaths().size());
        RestartBudget after = b.judged(T0.plusSeconds(60), 2, 2);
        assertEquals(3, after.deaths().size(), "the death at exactly now - death_period has left");
        assertFalse(after.faulted(), "all ready, no streak, window within budget");
    }

    @Test
    void whileFaultedEveryDeathWaitsABackoffOfAtLeastTheFirstStep() {
        RestartBudget b = RestartBudget.fresh(POLICY, T0).failedStart(T0).failedStart(T0).failedStart(T0)
                .judged(T0, 0, 1);
        assertTrue(b.faulted());
        b = b.streakBroken().died(at(1000), false);
        assertEquals(at(1000 + 100), b.notBefore());
    }

    @Test
    void aFailedDeathGrowsTheStreakAndCountsInTheWindow() {
        RestartBudget b = RestartBudget.fresh(POLICY, T0).died(T0, true).died(at(10), true);
        assertEquals(2, b.failedStreak());
        assertEquals(2, b.deaths().size());
        assertEquals(at(10 + 200), b.notBefore());
    }

    @Test
    void theWindowIsBoundedInAStorm() {
        RestartBudget b = RestartBudget.fresh(POLICY, T0);
        for (int i = 0; i < RestartBudget.MAX_DEATHS_KEPT + 10; i++) b = b.died(T0, false);
        b = b.judged(T0, 0, 1);
        assertEquals(RestartBudget.MAX_DEATHS_KEPT, b.deaths().size());
    }
}
