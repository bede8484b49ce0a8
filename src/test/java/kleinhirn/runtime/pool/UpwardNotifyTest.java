package kleinhirn.runtime.pool;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import kleinhirn.core.pool.Phase;
import kleinhirn.core.pool.PoolState;
import kleinhirn.core.pool.PoolStates;
import kleinhirn.core.pool.Shutdown;
import kleinhirn.core.pool.Worker;
import kleinhirn.core.port.Errno;
import kleinhirn.core.port.ErrnoException;
import kleinhirn.runtime.log.Throttle;
import org.junit.jupiter.api.Test;

class UpwardNotifyTest {
    /** A state the machine could hold in this phase; its derived reason must be the one given. */
    static PoolState in(Phase phase, String reason) {
        PoolState s = switch (phase) {
            case STARTING -> PoolStates.initial(1, Instant.EPOCH);
            case RUNNING -> PoolStates.initial(0, Instant.EPOCH);
            case UNDERPROVISIONED -> PoolStates.initial(2, Instant.EPOCH).withEverRan(true).withWorkers(PoolStates.workers(
                    new Worker.Ready("a", 10, Instant.EPOCH, Instant.EPOCH, true, null, null)));
            case STOPPING -> PoolStates.initial(1, Instant.EPOCH).withShutdown(new Shutdown.Draining("test", Instant.EPOCH));
            case FAULTED -> throw new IllegalArgumentException("not used here");
        };
        assertEquals(phase, s.phase());
        assertEquals(reason, s.reason());
        return s;
    }

    @Test
    void readyOnceStatusOnChangesStoppingOnce() {
        var u = (UpwardNotify) UpwardNotify.from(Map.of("NOTIFY_SOCKET", "@x"), (a, t) -> { }, null);
        assertEquals("STATUS=starting: still starting up\n", u.next(in(Phase.STARTING, "still starting up")));
        assertNull(u.next(in(Phase.STARTING, "still starting up")));
        assertEquals("READY=1\nSTATUS=running: 0/0 ready\n", u.next(in(Phase.RUNNING, "")));
        assertEquals("STATUS=underprovisioned: 1/2 ready\n", u.next(in(Phase.UNDERPROVISIONED, "underprovisioned: 1/2 ready")));
        assertEquals("STATUS=running: 0/0 ready\n", u.next(in(Phase.RUNNING, "")));
        assertEquals("STOPPING=1\nSTATUS=stopping\n", u.next(in(Phase.STOPPING, "stopping")));
        assertNull(u.next(in(Phase.STOPPING, "stopping")));
    }

    @Test
    void eachMessageGoesToOurOwnNotifySocketAndAFailureIsOnlyLogged() {
        List<String> sent = new ArrayList<>();
        var logs = new Fakes.Captured();
        UpwardNotify.from(Map.of("NOTIFY_SOCKET", "@up"), (a, t) -> sent.add(a + " " + t), new Throttle(logs.log))
                .accept(in(Phase.RUNNING, ""));
        assertEquals(List.of("@up READY=1\nSTATUS=running: 0/0 ready\n"), sent);
        UpwardNotify.from(Map.of("NOTIFY_SOCKET", "@gone"), (a, t) -> {
            throw new ErrnoException("sendto(" + a + ")", Errno.ECONNREFUSED);
        }, new Throttle(logs.log)).accept(in(Phase.RUNNING, ""));
        assertTrue(logs.text().contains("could not notify our own supervisor"), logs.text());
    }

    @Test
    void noSocketNoObserver() {
        assertFalse(UpwardNotify.from(Map.of(), (a, t) -> { }, null) instanceof UpwardNotify);
        assertFalse(UpwardNotify.from(Map.of("NOTIFY_SOCKET", "vsock:2:1"), (a, t) -> { }, null) instanceof UpwardNotify);
    }
}
