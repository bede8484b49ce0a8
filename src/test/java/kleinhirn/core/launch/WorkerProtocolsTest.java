package kleinhirn.core.launch;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WorkerProtocolsTest {
    @Test
    void listenFdsOnlyWhenMeantForUs() {
        assertEquals(2, WorkerProtocols.inheritedListenFds(Map.of("LISTEN_FDS", "2", "LISTEN_PID", "77"), 77));
        assertEquals(0, WorkerProtocols.inheritedListenFds(Map.of("LISTEN_FDS", "2", "LISTEN_PID", "78"), 77));
        assertEquals(0, WorkerProtocols.inheritedListenFds(Map.of("LISTEN_FDS", "2"), 77));
        assertEquals(0, WorkerProtocols.inheritedListenFds(Map.of("LISTEN_FDS", "x", "LISTEN_PID", "77"), 77));
    }

    @Test
    void listenSocketsFirstThenTheStatusFdAndATrampoline() {
        var p = WorkerProtocols.of(Map.of("LISTEN_FDS", "2", "LISTEN_PID", "77", "LISTEN_FDNAMES", "a:b"), 77,
                "@n", Duration.ofMillis(1500), "/tmp/e.sock");
        assertEquals(List.of(3, 4, 19), p.fds(19));
        assertEquals(5, p.statusFdNumber());
        assertEquals(Map.of("NOTIFY_SOCKET", "@n", "WATCHDOG_USEC", "1500000", "EINHORN_SOCK_PATH", "/tmp/e.sock",
                "EINHORN_MASTER_PID", "77", "LISTEN_FDS", "2", "LISTEN_FDNAMES", "a:b"), p.env());
        assertEquals(List.of("/bin/sh", "-c", WorkerProtocols.TRAMPOLINE.get(2), "app", "--x"), p.argv(List.of("app", "--x")));
    }

    @Test
    void nothingInheritedNothingChanged() {
        var p = WorkerProtocols.of(Map.of(), 77, null, Duration.ofSeconds(1), null);
        assertEquals(Map.of(), p.env());
        assertEquals(List.of(9), p.fds(9));
        assertEquals(List.of("app"), p.argv(List.of("app")));
    }
}
