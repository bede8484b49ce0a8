package kleinhirn.core.listen;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ListenFdsTest {
    @Test
    void oursOnlyWhenListenPidIsOurPid() {
        assertEquals(new ListenFds.Passed(2, "web:admin"),
                ListenFds.of(Map.of("LISTEN_FDS", "2", "LISTEN_PID", "77", "LISTEN_FDNAMES", "web:admin"), 77));
        assertEquals(new ListenFds.Passed(1, null), ListenFds.of(Map.of("LISTEN_FDS", "1", "LISTEN_PID", "77"), 77));
        assertEquals(new ListenFds.Absent(), ListenFds.of(Map.of(), 77));
        assertEquals(new ListenFds.Absent(), ListenFds.of(Map.of("LISTEN_FDS", "0", "LISTEN_PID", "77"), 77));
    }

    @Test
    void anotherPidIsIgnoredAndSaysExactlyThat() {
        var r = assertInstanceOf(ListenFds.Ignored.class, ListenFds.of(Map.of("LISTEN_FDS", "2", "LISTEN_PID", "78"), 77));
        assertTrue(r.reason().startsWith("LISTEN_FDS=2 is for LISTEN_PID=78, not for us (pid 77)"), r.reason());
        assertTrue(r.reason().contains("unshare --fork, sudo"), r.reason());
    }

    @Test
    void missingPidOrBadCountIsIgnored() {
        var noPid = assertInstanceOf(ListenFds.Ignored.class, ListenFds.of(Map.of("LISTEN_FDS", "2"), 77));
        assertTrue(noPid.reason().contains("without LISTEN_PID"), noPid.reason());
        var bad = assertInstanceOf(ListenFds.Ignored.class, ListenFds.of(Map.of("LISTEN_FDS", "x", "LISTEN_PID", "77"), 77));
        assertTrue(bad.reason().contains("not a number"), bad.reason());
        assertInstanceOf(ListenFds.Ignored.class, ListenFds.of(Map.of("LISTEN_FDS", "5000", "LISTEN_PID", "77"), 77));
    }
}
