package kleinhirn.e2e;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
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
        // Not the file's existence: a stale file from an earlier run exists before we listen.
        s.awaitLog("control socket listening");
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
                # The crash loop runs until this test has read a consistent view, seconds under
                # load: more than the default 10 deaths in death_period would keep the set faulted
                # for a minute after recovery. Only the failed-start streak is under test here.
                max_deaths = 1000
                min_uptime = "100ms"
                restart_delay = "50ms"
                # /status changes with every failed restart; a view needs two equal reads with a
                # /metrics between them, so the faulted loop must pause longer than a scrape.
                max_restart_delay = "1s"
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
        // Killed within min_uptime of its ack, the victim would be a failed start itself (a
        // death by signal in the streak): the deaths by exit below assume it was established.
        Instant acked = Instant.parse((String) workers(v.status()).getFirst().get("acked_at"));
        s.await("the victim outlived min_uptime", () -> Instant.now().isAfter(acked.plusMillis(200)));
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

    /** /healthz over a fresh connection that is closed afterwards (no keep-alive left behind). */
    static void awaitHealthy(Supervisor s) {
        s.await("/healthz 200", () -> {
            try {
                return Observe.get(s.port, "/healthz").status() == 200;
            } catch (IOException e) {
                return false;
            }
        });
    }

    static void awaitGauges(Supervisor s, int control, int http) {
        double[] last = {-1, -1};
        s.await("control=" + control + " http=" + http + " connections", () -> {
            try {
                var m = Observe.metrics(s.port);
                last[0] = Observe.value(m, "kleinhirn_control_connections");
                last[1] = Observe.value(m, "kleinhirn_http_connections");
                return last[0] == control && last[1] == http;
            } catch (IOException e) {
                return false;
            }
        });
    }

    /** A TCP client that sends {@code prefix} and then, if {@code trickle}, one more header byte every 50 ms. */
    Socket rawHttp(Supervisor s, String prefix, boolean trickle) throws IOException {
        Socket sock = new Socket("127.0.0.1", s.port);
        cleanup.add(sock);
        OutputStream out = sock.getOutputStream();
        out.write(prefix.getBytes(UTF_8));
        out.flush();
        if (trickle) {
            Thread.ofVirtual().start(() -> {
                try {
                    out.write("X-Slow: ".getBytes(UTF_8));
                    while (!sock.isClosed()) {
                        out.write('a');
                        out.flush();
                        Thread.sleep(50); // the client's pace, not a timing assumption of the test
                    }
                } catch (IOException | InterruptedException e) {
                    // closed by the server's request timeout or by us
                }
            });
        }
        return sock;
    }

    @Test
    void aKilledWorkerIsReplacedWhileAHostileCrowdIsConnected() throws Exception {
        Supervisor s = start("count = 2\nack_workers = true", "trap 'exit 0' TERM\n" + PoolTests.ACK + SERVE);
        awaitHealthy(s);
        List<Observe.Control> readers = new ArrayList<>();
        for (int i = 0; i < 100; i++) readers.add(control(s));
        for (int i = 0; i < 100; i++) {
            SocketChannel silent = SocketChannel.open(UnixDomainSocketAddress.of(sock())); // never reads
            cleanup.add(silent);
        }
        for (int i = 0; i < 15; i++) rawHttp(s, "GET /healthz HTTP/1.1\r\nHost: x\r\n", true);
        for (int i = 0; i < 15; i++) rawHttp(s, "\u0000\u00ff\u0016garbage \"request\"\r\n\r\n", false);
        for (int i = 0; i < 20; i++) rawHttp(s, "GET /status HTTP/1.1\r\nHost: x\r\n", false);
        s.await("200 control clients", () -> {
            try {
                return Observe.value(Observe.metrics(s.port), "kleinhirn_control_connections") == 200;
            } catch (IOException e) {
                return false;
            }
        });
        assertTrue(Observe.value(Observe.metrics(s.port), "kleinhirn_http_connections") >= 2,
                "the crowd shows (the server may already have dropped garbage)");

        View before = view(s);
        long victim = (Long) workers(before.status()).getFirst().get("pid");
        Supervisor.kill("KILL", victim);
        s.awaitLog("worker died", m -> Long.parseLong(m.get("pid")) == victim);
        awaitHealthy(s);
        View after = view(s);
        assertEquals("running", after.status().get("state"));
        assertFalse(workers(after.status()).stream().anyMatch(w -> ((Long) w.get("pid")) == victim));
        assertEquals(1, Observe.value(after.metrics(), "kleinhirn_restarts_total"));
        sameStory(after);
        for (Observe.Control c : readers) {
            s.await("every reading client to see the replacement", () -> after.raw().equals(c.latest()));
        }

        for (AutoCloseable c : cleanup.subList(1, cleanup.size())) c.close();
        awaitGauges(s, 0, 1); // the one HTTP connection is the scrape itself
    }

    @Test
    void tenThousandConnectsLeaveNoConnectionAndNoFdOpen() throws Exception {
        Supervisor s = start("count = 1", "trap 'exit 0' TERM\n" + SERVE);
        awaitHealthy(s);
        s.await("the control socket", () -> Files.exists(sock()));
        long pid = s.hostPid();
        try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
            churn(s, pool, 60); // every path once, so lazily opened fds exist before the baseline
            awaitGauges(s, 0, 1);
            int baseline = Observe.fds(pid);
            long t0 = System.nanoTime();
            churn(s, pool, 10_000);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            awaitGauges(s, 0, 1);
            int[] now = {0};
            s.await("the supervisor's fds back to " + baseline, () -> {
                try {
                    return (now[0] = Observe.fds(pid)) <= baseline;
                } catch (IOException e) {
                    return false;
                }
            });
            System.err.println("StatusIT: 10000 connects in " + ms + " ms; supervisor fds " + baseline + " before, "
                    + now[0] + " after");
        }
        awaitHealthy(s);
        assertEquals("running", Observe.status(s.port).get("state"));
    }

    /** n connects, half HTTP, half control, each ended a different way. */
    void churn(Supervisor s, ExecutorService pool, int n) throws Exception {
        List<Future<?>> done = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int k = i;
            done.add(pool.submit(() -> {
                int how = (k / 2) % 3;
                if (k % 2 == 0) {
                    if (how == 0) {
                        assertEquals(200, Observe.get(s.port, "/status").status());
                    } else {
                        try (Socket sock = new Socket("127.0.0.1", s.port)) {
                            if (how == 2) sock.getOutputStream().write("GET /metrics HTTP/1.1\r\nHo".getBytes(UTF_8));
                        }
                    }
                } else {
                    try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(sock()))) {
                        if (how == 0) {
                            ByteBuffer b = ByteBuffer.allocate(1 << 16);
                            String got = "";
                            while (!got.contains("\n\n") && ch.read(b) > 0) got = new String(b.array(), 0, b.position(), UTF_8);
                        } else if (how == 2) {
                            ch.write(ByteBuffer.wrap("event: bogus\n\n".getBytes(UTF_8)));
                            ch.shutdownOutput();
                        }
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : done) f.get();
    }

    @Test
    void aStaleSocketIsReplacedAndALiveOneRefused() throws Exception {
        var dead = java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX);
        dead.bind(UnixDomainSocketAddress.of(sock()));
        dead.close(); // the file stays, as after a SIGKILLed supervisor
        Supervisor s = start("count = 1", "trap 'exit 0' TERM\n" + SERVE);
        s.awaitLog("removing stale control socket");
        Observe.Control c = control(s);
        s.await("the first state", () -> c.latest() != null);

        Path cfg2 = dir.resolve("second.toml");
        Files.writeString(cfg2, Files.readString(dir.resolve("kleinhirn.toml"))
                .replace(":" + s.port, ":" + Supervisor.freePort()));
        Supervisor second = Supervisor.start(cfg2, false, 0, Map.of());
        cleanup.add(second);
        assertEquals(1, second.awaitExit());
        second.awaitLog("cannot listen on the control socket");
        // The first spawn does not wait for the control socket; what it started is stopped first.
        assertEquals(second.logs("worker spawned").size(), second.logs("worker exited").size(),
                String.join("\n", second.lines));
        assertTrue(Files.exists(sock()), "the first supervisor's socket is untouched");

        Supervisor.kill("TERM", s.hostPid());
        assertEquals(0, s.awaitExit());
        assertFalse(Files.exists(sock()));
    }

    @Test
    void theControlSocketsKillSigkillsWorkersThatIgnoreTerm() throws Exception {
        Supervisor s = start("count = 2\nstop_timeout = \"1h\"", "trap '' TERM\n" + SERVE);
        awaitHealthy(s);
        s.await("the control socket", () -> Files.exists(sock()));
        try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(sock()))) {
            ch.write(ByteBuffer.wrap("event: kill\n\n".getBytes(UTF_8)));
            assertEquals(0, s.awaitExit(), "kill means: SIGKILL everything, exit once reaped");
        }
        List<Map<String, String>> exits = s.logs("worker exited");
        assertEquals(2, exits.size());
        for (var m : exits) assertEquals("KILL", m.get("signal"), m.toString());
        assertFalse(Files.exists(sock()), "the socket is removed on exit");
    }
}
