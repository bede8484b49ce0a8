package kleinhirn.e2e;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * type = "ruby": a real Ruby app preloaded by our shipped loader, workers forked from it.
 * Subclasses run the same suite normally and as PID 1 of a new PID namespace.
 */
abstract class RubyPreloadTests extends SupervisorSuite {

    /** An app whose load waits for {@code gate} (if given) and allocates {@code mb} MB of shared data. */
    Supervisor start(int count, String gate, int mb, String extraWorker, String appExtra) throws IOException {
        Files.writeString(dir.resolve("app.rb"), """
                require "kleinhirn_loader"
                %s
                %s
                BALLAST = Array.new(%d) { |i| ("x" * (1024 * 1024)).freeze }
                module App
                  def self.start
                    Signal.trap("TERM") { exit 0 }
                    KleinhirnLoader::Worker.new.done
                    loop { sleep 1 }
                  end
                end
                """.formatted(gate == null ? "" : "sleep 0.02 until File.exist?(" + rubyString(gate) + ")", appExtra, mb));
        int port = Supervisor.freePort();
        Path cfg = Supervisor.rubyConfig(dir, "", port, count, "App.start", extraWorker);
        Supervisor s = Supervisor.start(cfg, pid1(), port, Map.of());
        started.add(s);
        return s;
    }

    static String rubyString(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    static int pid(Map<String, String> m) {
        return Integer.parseInt(m.get("pid"));
    }

    @Test
    void workersAckAndHealthIsStartingWhileTheAppLoads() throws Exception {
        Path gate = dir.resolve("go");
        Supervisor s = start(3, gate.toString(), 1, "", "");
        s.awaitLog("loader started");
        assertEquals("unhealthy: \"still starting up\"\n", s.awaitHttp("/healthz", 417).body());
        Files.createFile(gate);
        s.awaitLog("loader ready");
        s.awaitHttp("/healthz", 200);
        // The loop publishes a step's state before it writes that step's log lines.
        assertEquals(3, s.awaitLogs("worker acked", 3).size());
        assertEquals(3, s.logs("worker starting").stream().filter(m -> "preloader".equals(m.get("tag"))).count(),
                "the loader's log lines are re-emitted with tag=preloader");
        // Each worker is its own process group, forked once: a child of the loader.
        long loader = s.hostPidOf(pid(s.awaitLog("loader started")));
        for (var m : s.logs("worker spawned")) {
            long host = s.hostPidOf(pid(m));
            String stat = Files.readString(Path.of("/proc/" + host + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            assertEquals(String.valueOf(loader), f[1], "ppid");
            assertEquals(String.valueOf(host), f[2], "pgid");
        }
    }

    @Test
    void killedWorkerIsReplacedByANewFork() throws Exception {
        Supervisor s = start(2, null, 1, "min_uptime = \"0s\"", "");
        s.awaitHttp("/healthz", 200);
        int victim = pid(s.awaitLogs("worker spawned", 2).getFirst());
        Supervisor.kill("KILL", s.hostPidOf(victim));
        // The loader reaped it and reported the status.
        assertEquals("KILL", s.awaitLog("worker died", m -> pid(m) == victim).get("signal"));
        var third = s.awaitLogs("worker spawned", 3).get(2);
        assertNotEquals(victim, pid(third), "a new pid");
        var logs = s.logs();
        assertTrue(indexOf(logs, "worker died", victim) < indexOf(logs, "worker spawned", pid(third)),
                "the replacement comes after the reap");
        s.awaitHttp("/healthz", 200);
    }

    @Test
    void onceAWorkerDiedTheLoaderKeepsAStandbyThatTheNextReplacementTakes() throws Exception {
        Supervisor s = start(2, null, 1, "min_uptime = \"0s\"", "");
        s.awaitHttp("/healthz", 200);
        List<Integer> first = s.awaitLogs("worker spawned", 2).stream().map(RubyPreloadTests::pid).toList();
        long loader = s.hostPidOf(pid(s.awaitLog("loader started")));
        Supervisor.kill("KILL", s.hostPidOf(first.get(0)));
        s.awaitLogs("worker spawned", 3);
        // A worker of the set has exited: the idle loader forks its standby.
        long[] standby = {0};
        s.await("a standby under the loader", () -> {
            standby[0] = childTitled(loader, "::KleinhirnLoader::Standby");
            return standby[0] != 0;
        });
        Supervisor.kill("KILL", s.hostPidOf(first.get(1)));
        var fourth = s.awaitLogs("worker spawned", 4).get(3);
        assertEquals(standby[0], s.hostPidOf(pid(fourth)), "the replacement is the standby, no new fork");
        s.awaitHttp("/healthz", 200);
        s.signal("TERM");
        assertEquals(0, s.awaitExit());
        assertFalse(ProcessHandle.of(standby[0]).map(ProcessHandle::isAlive).orElse(false));
    }

    /** The host pid of {@code parent}'s child whose command line contains {@code title}, or 0. */
    static long childTitled(long parent, String title) {
        try (var procs = Files.list(Path.of("/proc"))) {
            return procs.filter(d -> d.getFileName().toString().matches("\\d+")).mapToLong(d -> {
                try {
                    String stat = Files.readString(d.resolve("stat"));
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    String cmd = Files.readString(d.resolve("cmdline")).replace('\0', ' ');
                    return f[1].equals(String.valueOf(parent)) && cmd.contains(title) ? Long.parseLong(d.getFileName().toString()) : 0;
                } catch (IOException | RuntimeException e) {
                    return 0; // gone meanwhile
                }
            }).filter(pid -> pid != 0).findFirst().orElse(0);
        } catch (IOException e) {
            return 0;
        }
    }

    @Test
    void killedLoaderIsReplacedAndWorkersKeepRunning() throws Exception {
        Supervisor s = start(2, null, 1, "min_uptime = \"0s\"", "");
        s.awaitHttp("/healthz", 200);
        List<Integer> workers = s.logs("worker spawned").stream().map(RubyPreloadTests::pid).toList();
        int loader = pid(s.awaitLog("loader started"));
        Supervisor.kill("KILL", s.hostPidOf(loader));
        s.awaitLog("loader died", m -> pid(m) == loader);
        s.awaitLogs("loader ready", 2);
        for (int w : workers) {
            assertTrue(ProcessHandle.of(s.hostPidOf(w)).map(ProcessHandle::isAlive).orElse(false), "worker " + w + " kept running");
        }
        assertEquals(200, s.http("/healthz").status());
        // The dead loader's workers are ours now: we reap them and see their status. A later
        // replacement comes from the new loader.
        Supervisor.kill("KILL", s.hostPidOf(workers.getFirst()));
        assertEquals("KILL", s.awaitLog("worker died", m -> pid(m) == workers.getFirst()).get("signal"));
        s.awaitLogs("worker spawned", 3);
        s.awaitLogs("worker acked", 3);
        s.awaitHttp("/healthz", 200);
    }

    @Test
    void anAppThatCannotLoadBacksOffAndFaults() throws Exception {
        Supervisor s = start(1, null, 0, "max_failed_starts = 3\nrestart_delay = \"50ms\"", "raise \"boom: cannot load\"");
        var died = s.awaitLog("loader died before it was ready");
        assertEquals("1", died.get("exit_code"));
        s.awaitLog("state changed", m -> "faulted".equals(m.get("to")));
        assertTrue(s.lines.stream().anyMatch(l -> l.contains("boom: cannot load")), "the app's error is shown");
        assertTrue(s.http("/healthz").body().startsWith("unhealthy: \"faulted: "));
        assertTrue(s.logs("loader started").size() >= 3, "restarted with backoff");
    }

    @Test
    void preloadedWorkersShareTheAppsMemory() throws Exception {
        Supervisor s = start(2, null, 50, "", "");
        s.awaitHttp("/healthz", 200);
        for (var m : s.logs("worker spawned")) {
            Map<String, Long> r = smapsRollup(s.hostPidOf(pid(m)));
            long shared = r.get("Shared_Clean") + r.get("Shared_Dirty");
            assertTrue(shared * 2 > r.get("Rss"), "shared " + shared + " kB of rss " + r.get("Rss") + " kB");
        }
    }

    @Test
    void shutdownStopsTheLoaderAndExitsZero() throws Exception {
        Supervisor s = start(2, null, 1, "", "");
        s.awaitHttp("/healthz", 200);
        int loader = pid(s.awaitLog("loader started"));
        long hostLoader = s.hostPidOf(loader);
        s.signal("TERM");
        assertEquals(0, s.awaitExit());
        s.awaitLog("loader exited", m -> pid(m) == loader);
        assertFalse(ProcessHandle.of(hostLoader).map(ProcessHandle::isAlive).orElse(false));
    }

    static Map<String, Long> smapsRollup(long pid) throws IOException {
        Map<String, Long> m = new java.util.HashMap<>();
        for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/smaps_rollup"))) {
            String[] f = l.split("\\s+");
            if (f.length >= 3 && f[0].endsWith(":")) m.put(f[0].substring(0, f[0].length() - 1), Long.parseLong(f[1]));
        }
        return m;
    }

    static int indexOf(List<Map<String, String>> logs, String msg, int pid) {
        for (int i = 0; i < logs.size(); i++) {
            if (msg.equals(logs.get(i).get("msg")) && String.valueOf(pid).equals(logs.get(i).get("pid"))) return i;
        }
        return fail("no \"" + msg + "\" for pid " + pid);
    }

    @Test
    void aGemfileLoadsTheAppsBundleFirst() throws Exception {
        Files.writeString(dir.resolve("Gemfile"), "# an app bundle without gems\n");
        Supervisor s = start(2, null, 0, "gemfile = \"Gemfile\"",
                "raise \"bundler/setup was not loaded\" unless defined?(Bundler) && ENV[\"BUNDLE_GEMFILE\"].end_with?(\"/Gemfile\")");
        s.awaitHttp("/healthz", 200);
        assertTrue(s.logs("loader died before it was ready").isEmpty(), String.join("\n", s.lines));
    }

    @Test
    void aLoaderStuckLoadingIsKilledAfterAckTimeoutAndRetried() throws Exception {
        Supervisor s = start(1, dir.resolve("never").toString(), 0, "ack_timeout = \"500ms\"", "");
        int first = pid(s.awaitLog("loader started"));
        s.awaitLog("loader not ready within ack_timeout; killing it", m -> pid(m) == first);
        s.awaitLogs("loader started", 2);
        assertEquals(417, s.http("/healthz").status());
    }

    // ---- spares (worker.spares) ----

    /** The /status workers in this state, as (pid, id) pairs in the pool's order. */
    static List<Map<String, Object>> workersIn(Supervisor s, String state) throws IOException {
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> all = (List<Map<String, Object>>) Observe.status(s.port).get("workers");
        return all.stream().filter(w -> state.equals(w.get("state"))).toList();
    }

    static int pidOf(Map<String, Object> worker) {
        return ((Number) worker.get("pid")).intValue();
    }

    @Test
    void aKilledWorkerIsReplacedByPromotingASpareThenANewSpareIsForked() throws Exception {
        Supervisor s = start(2, null, 1, "spares = 1\nmin_uptime = \"0s\"", "");
        s.awaitHttp("/healthz", 200);
        s.await("one spare in /status", () -> uncheck(() -> workersIn(s, "spare").size() == 1));
        int spare = pidOf(workersIn(s, "spare").getFirst());
        assertEquals(2, workersIn(s, "ready").size(), "a spare is not counted as ready");
        double spares = Observe.value(Observe.metrics(s.port), "kleinhirn_workers", "state", "spare");
        assertEquals(1.0, spares);

        int victim = pidOf(workersIn(s, "ready").getFirst());
        Supervisor.kill("KILL", s.hostPidOf(victim));
        s.awaitLog("worker promoted", m -> pid(m) == spare);
        s.await("the former spare is ready", () -> uncheck(() ->
                workersIn(s, "ready").stream().anyMatch(w -> pidOf(w) == spare)));
        s.await("a new spare", () -> uncheck(() ->
                workersIn(s, "spare").stream().anyMatch(w -> pidOf(w) != spare)));
        s.awaitHttp("/healthz", 200);
        assertEquals("KILL", s.awaitLog("worker died", m -> pid(m) == victim).get("signal"));
    }

    @Test
    void shutdownStopsSparesWithTheStopSignalAndLeavesNothing() throws Exception {
        Supervisor s = start(1, null, 1, "spares = 2", "");
        s.awaitHttp("/healthz", 200);
        s.await("two spares", () -> uncheck(() -> workersIn(s, "spare").size() == 2));
        List<Integer> spares = workersIn(s, "spare").stream().map(RubyPreloadTests::pidOf).toList();
        List<Long> all = new ArrayList<>();
        for (int p : spares) all.add(s.hostPidOf(p));
        for (var w : workersIn(s, "ready")) all.add(s.hostPidOf(pidOf(w)));
        all.add(s.hostPidOf(pid(s.awaitLog("loader started"))));
        s.signal("TERM");
        assertEquals(0, s.awaitExit());
        for (long p : all) assertFalse(ProcessHandle.of(p).map(ProcessHandle::isAlive).orElse(false), "left running: " + p);
        // A parked spare has not run the app's start (which traps TERM): TERM ends it.
        for (int p : spares) assertEquals("TERM", s.awaitLog("worker exited", m -> pid(m) == p).get("signal"));
    }

    interface Check {
        boolean get() throws IOException;
    }

    static boolean uncheck(Check c) {
        try {
            return c.get();
        } catch (IOException e) {
            return false;
        }
    }
}
