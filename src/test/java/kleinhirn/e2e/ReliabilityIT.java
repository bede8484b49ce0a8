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
 * Issue 11 end to end, against the built program.
 *
 * <p>Out of file descriptors: 60 acked workers under RLIMIT_NOFILE 64. Each holds an ack socket
 * of ours, so without a reserve the workers took the last descriptor and the health server and
 * control socket could no longer accept: alive but deaf. Now spawns that would eat into the
 * reserve fail as spawn failures, and every endpoint keeps answering.
 *
 * <p>Every client of kleinhirn's control socket gets the final state (stopping, no workers left)
 * before EOF, on every way out the built program has: the {@code exit} command, SIGTERM, and a
 * second SIGTERM that kills workers ignoring the first. A failed start and a failed supervisor
 * publish it from PoolWatch.finish (FinalStateTest: no client can be sure to connect in time).
 */
class ReliabilityIT {
    static final int LIMIT = 64;

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

    @Test
    void healthStatusAndControlKeepAnsweringWhenWorkersWouldTakeEveryDescriptor() throws Exception {
        int port = Supervisor.freePort();
        Path sock = dir.resolve("control");
        Path cfg = Supervisor.programConfig(dir, "count = 60\nack_workers = true", PoolTests.ACK + PoolTests.SERVE, port);
        Supervisor.withControlSocket(cfg, sock);
        Supervisor s = Supervisor.startVia(List.of("prlimit", "--nofile=" + LIMIT + ":" + LIMIT), cfg, port, Map.of());
        started.add(s);

        var refused = s.awaitLog("failed to spawn worker", m -> m.get("error").startsWith("too few file descriptors"));
        assertEquals("error", refused.get("level"));
        s.await("some workers acked", () -> !s.logs("worker acked").isEmpty());

        // Many probes, each a fresh connection: every one gets a descriptor and an answer.
        for (int i = 0; i < 40; i++) {
            assertNotEquals(-1, s.http("/livez").status(), "/livez answers");
            var ready = s.http("/healthz");
            assertEquals(417, ready.status(), ready.body());
            assertEquals(200, s.http("/status").status());
            assertEquals(200, s.http("/metrics").status());
        }
        Map<String, Object> status = Observe.status(port);
        assertTrue(((Number) status.get("ready")).intValue() < 60, status.toString());
        assertTrue(Observe.value(Observe.metrics(port), "kleinhirn_failed_starts_total") > 0, "refusals count as failed starts");
        try (Observe.Control c = new Observe.Control(sock)) {
            s.await("a state event on the control socket", () -> c.latest() != null);
        }
        assertTrue(Observe.fds(s.proc.pid()) <= LIMIT - 8, "descriptors stay free");

        // One error line for the burst; the rest of it is at debug level.
        long errors = s.logs("failed to spawn worker").stream().filter(m -> m.get("level").equals("error")).count();
        long all = s.logs("failed to spawn worker").size();
        assertTrue(all > errors, "a burst of " + all + " refusals");
        assertEquals(1, errors, "one error line for the burst");

        s.signal("TERM");
        assertEquals(0, s.awaitExit());
    }
}
