package kleinhirn.e2e;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * health_check.min_ready and a liveness that never fails a set whose workers serve, against the
 * built program: real workers killed with SIGKILL, real HTTP probes as a kubelet sends them.
 */
class GradedHealthIT {
    @TempDir
    Path dir;
    @RegisterExtension
    final Supervisors started = new Supervisors();

    /** Workers ack at once unless the file "hold" exists; then they wait for it to go. */
    Supervisor start(String health, String worker) throws IOException {
        Path hold = dir.resolve("hold");
        int port = Supervisor.freePort();
        Path cfg = Supervisor.programConfig(dir, "", health, "count = 3\nack_workers = true\n" + worker,
                "while [ -e " + hold + " ]; do sleep 0.05; done\n" + PoolTests.ACK + PoolTests.SERVE, port);
        Supervisor s = Supervisor.start(cfg, false, port, Map.of());
        started.add(s);
        return s;
    }

    Map<String, Object> status(Supervisor s) {
        try {
            return Observe.status(s.port);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** SIGKILLs the n-th spawned worker and waits until its death is seen. */
    static void killSpawned(Supervisor s, int n) {
        int victim = PoolTests.pid(s.awaitLogs("worker spawned", n + 1).get(n));
        Supervisor.kill("KILL", s.hostPidOf(victim));
        s.awaitLog("worker died", m -> PoolTests.pid(m) == victim);
    }

    @Test
    void readinessStays200WhileTwoOfThreeServeWithMinReadyTwo() throws Exception {
        Supervisor s = start("min_ready = 2", "");
        s.awaitHttp("/healthz", 200);
        Files.createFile(dir.resolve("hold"));
        int victim = PoolTests.pid(s.awaitLogs("worker spawned", 3).getFirst());
        Supervisor.kill("KILL", s.hostPidOf(victim));
        // From the kill until the replacement is booting and 2/3 are ready, every probe says 200.
        List<Integer> seen = new ArrayList<>();
        s.await("2/3 ready with a replacement booting", () -> {
            seen.add(s.http("/healthz").status());
            Map<String, Object> st = status(s);
            return "underprovisioned".equals(st.get("state")) && Long.valueOf(2).equals(st.get("ready"))
                    && ((List<?>) st.get("workers")).size() == 3;
        });
        for (int i = 0; i < 20; i++) seen.add(s.http("/healthz").status());
        assertEquals(List.of(200), seen.stream().distinct().toList(), "readiness while 2 of 3 serve");

        killSpawned(s, 1);
        var below = s.awaitHttp("/healthz", 417);
        assertEquals("unhealthy: \"underprovisioned: 1/3 ready\"\n", below.body());
        Files.delete(dir.resolve("hold"));
        s.awaitHttp("/healthz", 200);
        s.await("running again", () -> "running".equals(status(s).get("state")));
    }

    @Test
    void livezIs200ForAFaultedSetWhoseWorkersAreAllReady() throws Exception {
        // Two deaths fault the set for ten minutes; a grace of zero shows that serving alone
        // keeps it alive.
        Supervisor s = start("live_grace = \"0s\"", "min_uptime = \"0s\"\nmax_deaths = 1\ndeath_period = \"10m\"");
        s.awaitHttp("/healthz", 200);
        killSpawned(s, 0);
        killSpawned(s, 1);
        s.await("faulted with 3/3 ready", () -> {
            Map<String, Object> st = status(s);
            return "faulted".equals(st.get("state")) && Long.valueOf(3).equals(st.get("ready"));
        });
        assertEquals(new Supervisor.Http(200, "ok\n"), s.http("/livez"));
        assertEquals(417, s.http("/healthz").status(), "faulted is not ready");

        // Faulted and below min_ready (3) for longer than the grace: now a restart may help.
        Files.createFile(dir.resolve("hold"));
        killSpawned(s, 2);
        var dead = s.awaitHttp("/livez", 503);
        assertTrue(dead.body().startsWith("unhealthy: \"down for "), dead.body());
        assertTrue(dead.body().contains("faulted: 3 deaths in 600s"), dead.body());
        Files.delete(dir.resolve("hold"));
        s.awaitHttp("/livez", 200);
    }
}
