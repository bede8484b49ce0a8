package kleinhirn.e2e;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every client of kleinhirn's control socket gets the final state (stopping, no workers left)
 * before EOF, on every way out the built program has: the {@code exit} command, SIGTERM, and a
 * second SIGTERM that kills workers ignoring the first. A failed start and a failed supervisor
 * publish it from PoolWatch.finish (FinalStateTest: no client can be sure to connect in time).
 */
class ControlFinalStateIT {
    /** A worker that acks and ignores SIGTERM: only the second signal's SIGKILL ends it. */
    static final String STUBBORN = PoolTests.ACK + "trap '' TERM\nwhile :; do sleep 1; done\n";

    @TempDir
    Path dir;
    final List<Supervisor> started = new ArrayList<>();

    @AfterEach
    void stop() throws InterruptedException {
        for (Supervisor s : started) s.close();
    }

    Supervisor start(String worker, String script) throws Exception {
        int port = Supervisor.freePort();
        Path cfg = Supervisor.programConfig(dir, worker, script, port);
        Supervisor.withControlSocket(cfg, dir.resolve("control"));
        Supervisor s = Supervisor.start(cfg, false, port, Map.of());
        started.add(s);
        s.awaitHttp("/healthz", 200);
        return s;
    }

    static void assertFinal(Supervisor s, Observe.Control watcher) {
        s.await("the control stream to end", () -> watcher.eof);
        Map<String, Object> last = watcher.latestParsed();
        assertEquals("stopping", last.get("state"), watcher.latest());
        assertEquals(List.of(), last.get("workers"), "the final state came before EOF: " + watcher.latest());
    }

    @Test
    void exitCommand() throws Exception {
        Supervisor s = start("count = 2\nack_workers = true", PoolTests.ACK + PoolTests.SERVE);
        try (var watcher = new Observe.Control(dir.resolve("control")); var commander = new Observe.Control(dir.resolve("control"))) {
            s.await("the first state", () -> watcher.latest() != null);
            commander.send("exit");
            assertEquals(0, s.awaitExit());
            assertFinal(s, watcher);
            assertFinal(s, commander);
        }
    }

    @Test
    void sigterm() throws Exception {
        Supervisor s = start("count = 2\nack_workers = true", PoolTests.ACK + PoolTests.SERVE);
        try (var watcher = new Observe.Control(dir.resolve("control"))) {
            s.await("the first state", () -> watcher.latest() != null);
            s.signal("TERM");
            assertEquals(0, s.awaitExit());
            assertFinal(s, watcher);
        }
    }

    @Test
    void secondSignal() throws Exception {
        Supervisor s = start("count = 2\nack_workers = true\nstop_timeout = \"60s\"", STUBBORN);
        try (var watcher = new Observe.Control(dir.resolve("control"))) {
            s.await("the first state", () -> watcher.latest() != null);
            s.signal("TERM");
            s.await("stopping", () -> "stopping".equals(watcher.latestParsed().get("state")));
            s.signal("TERM");
            s.awaitExit();
            assertFinal(s, watcher);
        }
    }
}
