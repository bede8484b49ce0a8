package kleinhirn.e2e;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** type = "ruby": a real Ruby app preloaded by our shipped loader, workers forked from it. */
class RubyPreloadIT {
    @TempDir
    Path dir;
    final List<Supervisor> started = new ArrayList<>();

    @AfterEach
    void stopAll() throws InterruptedException {
        for (Supervisor s : started) s.close();
    }

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
        Supervisor s = Supervisor.start(cfg, false, port, Map.of());
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
        // Each worker is its own process group, a child of the supervisor (re-parented to us).
        for (var m : s.logs("worker spawned")) {
            String stat = Files.readString(Path.of("/proc/" + pid(m) + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            assertEquals(String.valueOf(s.hostPid()), f[1], "ppid");
            assertEquals(String.valueOf(pid(m)), f[2], "pgid");
        }
    }

    @Test
    void killedWorkerIsReplacedByANewFork() throws Exception {
        Supervisor s = start(2, null, 1, "min_uptime = \"0s\"", "");
        s.awaitHttp("/healthz", 200);
        int victim = pid(s.awaitLogs("worker spawned", 2).getFirst());
        Supervisor.kill("KILL", victim);
        s.awaitLog("worker died", m -> pid(m) == victim);
        var third = s.awaitLogs("worker spawned", 3).get(2);
        assertNotEquals(victim, pid(third), "a new pid");
        var logs = s.logs();
        assertTrue(indexOf(logs, "worker died", victim) < indexOf(logs, "worker spawned", pid(third)),
                "the replacement comes after the reap");
        s.awaitHttp("/healthz", 200);
    }

    @Test
    void killedLoaderIsReplacedAndWorkersKeepRunning() throws Exception {
        Supervisor s = start(2, null, 1, "min_uptime = \"0s\"", "");
        s.awaitHttp("/healthz", 200);
        List<Integer> workers = s.logs("worker spawned").stream().map(RubyPreloadIT::pid).toList();
        int loader = pid(s.awaitLog("loader started"));
        Supervisor.kill("KILL", loader);
        s.awaitLog("loader died", m -> pid(m) == loader);
        s.awaitLogs("loader ready", 2);
        for (int w : workers) assertTrue(ProcessHandle.of(w).map(ProcessHandle::isAlive).orElse(false), "worker " + w + " kept running");
        assertEquals(200, s.http("/healthz").status());
        // A later replacement comes from the new loader.
        Supervisor.kill("KILL", workers.getFirst());
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
            Map<String, Long> r = smapsRollup(pid(m));
            long shared = r.get("Shared_Clean") + r.get("Shared_Dirty");
            assertTrue(shared * 2 > r.get("Rss"), "shared " + shared + " kB of rss " + r.get("Rss") + " kB");
        }
    }

    @Test
    void shutdownStopsTheLoaderAndExitsZero() throws Exception {
        Supervisor s = start(2, null, 1, "", "");
        s.awaitHttp("/healthz", 200);
        int loader = pid(s.awaitLog("loader started"));
        s.signal("TERM");
        assertEquals(0, s.awaitExit());
        s.awaitLog("loader exited", m -> pid(m) == loader);
        assertFalse(ProcessHandle.of(loader).map(ProcessHandle::isAlive).orElse(false));
    }

    static Map<String, Long> smapsRollup(int pid) throws IOException {
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
}
