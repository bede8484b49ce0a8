package kleinhirn.core.pool;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import kleinhirn.core.Sig;
import kleinhirn.core.Step;

/**
 * Drives a preloaded pool machine (2 workers, ack_timeout 30 s, min_uptime 1 s, restart_delay
 * 100 ms) with a fake clock, one event at a time, collecting the effects; on every step it
 * checks the loop's invariant that no wake-up is asked for at or before now.
 */
abstract class PreloadedMachineDriver {
    static final Instant T0 = Instant.parse("2026-11-21T12:00:00Z");

    final PoolMachine m;
    PoolState s;
    Instant now = T0;
    Instant wakeAt;
    List<PoolEffect> fx = new ArrayList<>();

    PreloadedMachineDriver(int spares) {
        m = new PoolMachine(new PoolConfig(2, true, Duration.ofSeconds(30), 10, Duration.ofSeconds(60), 5,
                Duration.ofSeconds(1), Duration.ofMillis(100), Duration.ofSeconds(30), Sig.TERM, Duration.ofSeconds(10),
                null, true, spares));
        s = PoolState.initial(m.config(), 7, T0);
    }

    PreloadedMachineDriver on(PoolEvent e) {
        Step<PoolState, PoolEffect> st = m.step(s, e, now);
        s = st.state();
        wakeAt = st.wakeAt();
        // A deadline at or before now would make the loop spin: never ask for one.
        assertTrue(wakeAt == null || wakeAt.isAfter(now), "wake-up " + wakeAt + " is not after now " + now + " after " + e);
        fx.addAll(st.effects());
        return this;
    }

    List<PoolEffect> take() {
        var r = fx;
        fx = new ArrayList<>();
        return r;
    }
}
