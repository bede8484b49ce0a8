package kleinhirn.e2e;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.*;

import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import kleinhirn.core.codec.ExpositionParser;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * /status, /metrics and the control socket of the built program: they tell the same story
 * through startup, running, a crash loop and shutdown; they survive a hostile crowd; and
 * connections leave nothing behind.
 */
class StatusIT {
    static final String SERVE = "while :; do sleep 1 & wait $!; done\n";

    @TempDir
    Path dir;
    final List<AutoCloseable> cleanup = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : cleanup.reversed()) {
            try {
                c.close();
            } catch (Exception ignored) {
                // best effort: the supervisor's close kills what is left
            }
        }
    }

    Path sock() {
        return dir.resolve("ctl.sock");
    }

    Supervisor start(String worker, String script) throws IOException {
        Path s = dir.resolve("worker.sh");
        Files.writeString(s, "#!/bin/sh\n" + script);
        int port = Supervisor.freePort();
        Path cfg = dir.resolve("kleinhirn.toml");
        Files.writeString(cfg, """
                [supervisor]
                name = "obs"
                socket = "%s"
                [health_check]
                listen_addr = "127.0.0.1:%d"
                [worker]
                type = "program"
                cmdline = ["/bin/sh", "%s"]
                %s
                """.formatted(sock(), port, s, worker));
        Supervisor sup = Supervisor.start(cfg, false, port, Map.of());
        cleanup.add(sup);
        return sup;
    }

    Observe.Control control(Supervisor s) throws IOException {
        s.await("the control socket", () -> Files.exists(sock()));
        Observe.Control c = new Observe.Control(sock());
        cleanup.add(c);
        return c;
    }

    /** /status, then /metrics, then /status again until both /status agree: one consistent picture. */
    record View(Map<String, Object> status, String raw, Map<String, ExpositionParser.Family> metrics) {}

    static View view(Supervisor s) {
        View[] v = {null};
        s.await("a consistent /status and /metrics", () -> {
            try {
                String a = Observe.get(s.port, "/status").body();
                var m = Observe.metrics(s.port);
                String b = Observe.get(s.port, "/status").body();
                if (!a.equals(b)) return false;
                v[0] = new View(kleinhirn.core.codec.Json.parseObject(a), a.strip(), m);
                return true;
            } catch (IOException e) {
                return false;
            }
        });
        return v[0];
    }

    /** Asserts that /metrics says what /status says. */
    static void sameStory(View v) {
        Map<String, Object> st = v.status();
        var m = v.metrics();
        assertEquals(1, Observe.value(m, "kleinhirn_pool_state", "state", (String) st.get("state")), v.raw());
        for (String ws : List.of("booting", "ready", "broken", "stopping")) {
            long n = workers(st).stream().filter(w -> ws.equals(w.get("state"))).count();
            assertEquals(n, Observe.value(m, "kleinhirn_workers", "state", ws), ws + " in " + v.raw());
        }
        assertEquals(((Number) st.get("restarts_total")).doubleValue(), Observe.value(m, "kleinhirn_restarts_total"));
        assertEquals(((Number) st.get("failed_starts")).doubleValue(), Observe.value(m, "kleinhirn_failed_start_streak"));
        assertEquals(((Number) st.get("deaths_in_period")).doubleValue(), Observe.value(m, "kleinhirn_deaths_in_period"));
        assertEquals(((Number) st.get("count")).doubleValue(), Observe.value(m, "kleinhirn_workers_desired"));
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> workers(Map<String, Object> status) {
        return (List<Map<String, Object>>) status.get("workers");
    }

    /** Waits until the control stream's latest event is exactly the /status document. */
    static void streamAgrees(Supervisor s, Observe.Control c) {
        String[] last = {null};
        s.await("the control stream to match /status (last /status: " + last[0] + ")", () -> {
            try {
                last[0] = Observe.get(s.port, "/status").body().strip();
                return last[0].equals(c.latest());
            } catch (IOException e) {
                return false;
            }
        });
    }

    @Test
    void statusMetricsAndControlTellTheSameStory() throws Exception {
        Path go = dir.resolve("go"), crash = dir.resolve("crash"), release = dir.resolve("release");
        Supervisor s = start("""
                count = 2
                ack_workers = true
                max_failed_starts = 3
                min_uptime = "100ms"
                restart_delay = "50ms"
                max_restart_delay = "200ms"
                stop_timeout = "30s"
                """, "trap 'while [ ! -e " + release + " ]; do sleep 0.02; done; exit 0' TERM\n"
                + "[ -e " + crash + " ] && exit 1\n"
                + "while [ ! -e " + go + " ]; do sleep 0.02; done\n"
                + PoolTests.ACK + SERVE);
        Observe.Control c = control(s);
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(sock())));

        // startup: two workers booting, nobody ready
        s.await("two booting workers on the stream", () -> c.latestParsed().get("workers") instanceof List<?> l && l.size() == 2);
        View v = view(s);
        assertEquals("starting", v.status().get("state"));
        assertEquals(List.of("booting", "booting"), workers(v.status()).stream().map(w -> w.get("state")).toList());
        for (var w : workers(v.status())) assertNull(w.get("acked_at"));
        sameStory(v);
        streamAgrees(s, c);
        assertEquals("application/json", Observe.get(s.port, "/status").contentType());
        assertEquals("text/plain; version=0.0.4; charset=utf-8", Observe.get(s.port, "/metrics").contentType());

        // running
        Files.createFile(go);
        s.awaitHttp("/healthz", 200);
        v = view(s);
        assertEquals("running", v.status().get("state"));
        assertEquals(2L, v.status().get("ready"));
        for (var w : workers(v.status())) assertNotNull(w.get("acked_at"));
        assertEquals(2, Observe.value(v.metrics(), "kleinhirn_ack_latency_seconds_count"));
        sameStory(v);
        streamAgrees(s, c);

        // a crash loop: a worker dies and its replacements fail until the set is faulted
        Files.createFile(crash);
        long victim = (Long) workers(v.status()).getFirst().get("pid");
        Supervisor.kill("KILL", victim);
        s.await("faulted", () -> "faulted".equals(c.latestParsed().get("state")));
        v = view(s);
        assertEquals("faulted", v.status().get("state"));
        assertTrue(((Number) v.status().get("failed_starts")).intValue() >= 3, v.raw());
        assertEquals(1, Observe.value(v.metrics(), "kleinhirn_worker_deaths_total", "cause", "signal"));
        assertTrue(Observe.value(v.metrics(), "kleinhirn_worker_deaths_total", "cause", "exit") >= 3);
        sameStory(v);

        // recovery
        Files.delete(crash);
        s.awaitHttp("/healthz", 200);
        v = view(s);
        assertEquals("running", v.status().get("state"));
        assertEquals(0L, v.status().get("failed_starts"));
        assertEquals(3, Observe.value(v.metrics(), "kleinhirn_ack_latency_seconds_count"));
        sameStory(v);
        streamAgrees(s, c);

        // shutdown through the control socket, by a client that half-closes like socat
        try (SocketChannel stopper = SocketChannel.open(UnixDomainSocketAddress.of(sock()))) {
            stopper.write(ByteBuffer.wrap("event: stop\n\n".getBytes(UTF_8)));
            stopper.shutdownOutput();
            s.await("stopping", () -> "stopping".equals(c.latestParsed().get("state")));
        }
        v = view(s);
        assertEquals("stopping", v.status().get("state"));
        assertEquals(503, Observe.get(s.port, "/healthz").status());
        assertEquals(List.of("stopping", "stopping"), workers(v.status()).stream().map(w -> w.get("state")).toList());
        sameStory(v);
        streamAgrees(s, c);
        Files.createFile(release);
        assertEquals(0, s.awaitExit());
        s.await("the control stream to end", () -> c.eof);
        var last = c.latestParsed();
        assertEquals("stopping", last.get("state"));
        assertEquals(List.of(), last.get("workers"), "the last state reached the client before the socket closed");
        assertFalse(Files.exists(sock()), "control socket removed on exit");

        // the stream told the whole story, in order (underprovisioned may show between running and faulted)
        List<String> phases = new ArrayList<>();
        for (String st : c.states) {
            String p = (String) kleinhirn.core.codec.Json.parseObject(st).get("state");
            if (!p.equals("underprovisioned") && (phases.isEmpty() || !phases.getLast().equals(p))) phases.add(p);
        }
        assertEquals(List.of("starting", "running", "faulted", "running", "stopping"), phases);
    }
}
