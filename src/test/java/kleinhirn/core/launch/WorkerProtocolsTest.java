package kleinhirn.core.launch;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import kleinhirn.core.listen.ListenFds;
import org.junit.jupiter.api.Test;

class WorkerProtocolsTest {
    @Test
    void listenSocketsFirstThenTheStatusFdAndATrampoline() {
        var p = WorkerProtocols.of(new ListenFds.Passed(2, "a:b"), List.of(3, 4), 77, "@n", Duration.ofMillis(1500),
                "/tmp/e.sock");
        assertEquals(List.of(3, 4, 19), p.fds(19));
        assertEquals(5, p.statusFdNumber());
        assertEquals(Map.of("NOTIFY_SOCKET", "@n", "WATCHDOG_USEC", "1500000", "EINHORN_SOCK_PATH", "/tmp/e.sock",
                "EINHORN_MASTER_PID", "77", "LISTEN_FDS", "2", "LISTEN_FDNAMES", "a:b"), p.env());
        assertEquals(List.of("/bin/sh", "-c", WorkerProtocols.TRAMPOLINE.get(2), "app", "--x"), p.argv(List.of("app", "--x")));
    }

    @Test
    void socketsBoundInThisProcessGoWhereverTheyAre() {
        var p = WorkerProtocols.of(new ListenFds.Passed(1, null), List.of(17), 77, null, null, null);
        assertEquals(List.of(17, 9), p.fds(9));
        assertEquals(4, p.statusFdNumber());
        assertEquals(Map.of("LISTEN_FDS", "1"), p.env());
    }

    @Test
    void ignoredSocketsAreNotPassed() {
        var p = WorkerProtocols.of(new ListenFds.Ignored("not ours"), List.of(), 77, null, Duration.ofSeconds(1), null);
        assertEquals(Map.of(), p.env());
        assertEquals(List.of(9), p.fds(9));
        assertEquals(List.of("app"), p.argv(List.of("app")));
    }
}
