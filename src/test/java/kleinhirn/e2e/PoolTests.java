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
 * The pool supervisor end to end: the built program, real shell workers, real signals, real
 * HTTP. Subclasses run the same suite normally and as PID 1 of a new PID namespace.
 */
abstract class PoolTests extends SupervisorSuite {
    static final String ACK = "printf '{\"action\":\"ack\",\"id\":\"%s\"}\\n' \"$KLEINHIRN_WORKER_ID\" >&3\n";
    static final String SERVE = "trap 'exit 0' TERM\nwhile :; do sleep 1 & wait $!; done\n";

    Path script(String name, String body) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, "#!/bin/sh\n" + body);
        return p;
    }

    /** Starts kleinhirn with a worker section; the script runs as /bin/sh SCRIPT. */
    Supervisor start(String worker, String scriptBody) throws IOException {
        return start("", worker, scriptBody);
    }

    /** The same, with more keys for [health_check]. */
    Supervisor start(String health, String worker, String scriptBody) throws IOException {
        int port = Supervisor.freePort();
        Path cfg = Supervisor.programConfig(dir, "", health, worker, scriptBody, port);
        Supervisor sup = Supervisor.start(cfg, pid1(), port, Map.of());
        started.add(sup);
        return sup;
    }

    static int pid(Map<String, String> line) {
        return Integer.parseInt(line.get("pid"));
    }

    @Test
    void healthIsStartingUntilAllAckThenOk() throws Exception {
        Path go = dir.resolve("go");
        Supervisor s = start("count = 2\nack_workers = true",
                "while [ ! -e " + go + " ]; do sleep 0.02; done\n" + ACK + SERVE);
        s.awaitLogs("worker spawned", 2);
        var h = s.awaitHttp("/healthz", 417);
        assertEquals("unhealthy: \"still starting up\"\n", h.body());
        assertEquals(200, s.http("/livez").status());
        Files.createFile(go);
        assertEquals("ok\n", s.awaitHttp("/healthz", 200).body());
        // The loop publishes a step's state before it writes that step's log lines.
        assertEquals(2, s.awaitLogs("worker acked", 2).size());
        assertEquals(404, s.http("/nope").status());
        assertEquals(405, s.http("POST", "/healthz").status());
        assertEquals(200, s.http("HEAD", "/healthz").status());
    }

    @Test
    void killedWorkerIsReplacedAndHealthReturns() throws Exception {
        Supervisor s = start("count = 2\nack_workers = true\nmin_uptime = \"0s\"", ACK + SERVE);
        s.awaitHttp("/healthz", 200);
        int victim = pid(s.awaitLogs("worker spawned", 2).getFirst());
        Supervisor.kill("KILL", s.hostPidOf(victim));
        var died = s.awaitLog("worker died", m -> pid(m) == victim);
        assertEquals("KILL", died.get("signal"));
        s.awaitLogs("worker spawned", 3);
        s.awaitLogs("worker acked", 3);
        s.awaitHttp("/healthz", 200);
    }

    @Test
    void workerThatNeverAcksIsBrokenAndKilled() throws Exception {
        Supervisor s = start("count = 1\nack_workers = true\nack_timeout = \"300ms\"\nstop_timeout = \"300ms\"",
                "trap '' TERM\nwhile :; do sleep 0.05; done\n");
        int pid = pid(s.awaitLog("worker spawned"));
        s.awaitLog("worker broken: no ack within ack_timeout", m -> pid(m) == pid);
        s.awaitLog("worker did not stop in time; killing it", m -> pid(m) == pid);
        var died = s.awaitLog("worker died", m -> pid(m) == pid);
        assertEquals("KILL", died.get("signal"));
        s.awaitLogs("worker spawned", 2); // replaced
    }

    @Test
    void aWorkerThatCannotStartFaultsTheSetAndBacksOff() throws Exception {
        // Faulted with no worker ready: liveness fails once live_grace (here none) has passed.
        Supervisor s = start("live_grace = \"0s\"", "count = 1\ncmdline = [\"/bin/false\"]", "");
        s.awaitLog("state changed", m -> "faulted".equals(m.get("to")));
        var deaths = s.awaitLogs("worker died", 6);
        List<Integer> delays = deaths.stream().map(m -> Integer.parseInt(m.get("restart_in_ms"))).toList();
        for (int i = 1; i < 6; i++) {
            assertTrue(delays.get(i) > delays.get(i - 1), "the spawn rate falls off: " + delays);
        }
        assertEquals(List.of(1, 2, 3, 4, 5, 6), deaths.stream().map(m -> Integer.parseInt(m.get("failed_streak"))).toList());
        var h = s.awaitHttp("/healthz", 417);
        assertTrue(h.body().startsWith("unhealthy: \"faulted: "), h.body());
        assertEquals(503, s.http("/livez").status());
    }

    @Test
    void maxLifetimeRecyclesWorkersWhileStatusNeverShowsFewerThanCountReady() throws Exception {
        // Each worker takes 300 ms to ack, so a swap lasts that long: 20 ms polls must see its mark.
        Supervisor s = start("count = 2\nack_workers = true\nmin_uptime = \"100ms\"\nmax_lifetime = \"2s\"\n"
                + "stop_timeout = \"2s\"", "sleep 0.3\n" + ACK + SERVE);
        s.awaitHttp("/healthz", 200);
        java.util.regex.Pattern ready = java.util.regex.Pattern.compile("\"ready\":(\\d+)");
        long deadline = System.nanoTime() + Supervisor.WAIT.toNanos();
        int polls = 0;
        boolean sawMarked = false;
        while (s.logs("recycled worker exited").size() < 3) {
            assertTrue(System.nanoTime() < deadline, "three recycles within " + Supervisor.WAIT);
            String status = s.http("/status").body();
            var m = ready.matcher(status);
            assertTrue(m.find(), status);
            assertTrue(Integer.parseInt(m.group(1)) >= 2, "fewer than count ready during a recycle: " + status);
            sawMarked |= status.contains("\"recycling\":true");
            polls++;
            Thread.sleep(20); // the polling period, not a wait for an outcome
        }
        assertTrue(polls > 10, "polled " + polls + " times");
        assertTrue(sawMarked, "/status marks a worker being recycled");
        var recycling = s.logs("worker recycling");
        assertTrue(recycling.stream().allMatch(l -> "lifetime".equals(l.get("cause"))), recycling.toString());
        assertTrue(s.logs("worker died").isEmpty(), "recycles are not deaths");
        assertTrue(s.http("/metrics").body().contains("kleinhirn_worker_recycles_total{cause=\"lifetime\"}"));
    }

    @Test
    void aWorkerAllocatingPastMaxMemoryIsReplaced() throws Exception {
        Path big = dir.resolve("big");
        Supervisor s = start("count = 1\nack_workers = true\nmin_uptime = \"100ms\"\nmax_memory = \"30MiB\"\n"
                + "memory_check_interval = \"200ms\"",
                ACK + "if [ ! -e " + big + " ]; then touch " + big + "; exec python3 -c "
                        + "'import time; x = b\"1\" * (60 << 20); time.sleep(1000)'; fi\n" + SERVE);
        var recycling = s.awaitLog("worker recycling");
        assertEquals("memory", recycling.get("cause"));
        assertTrue(Long.parseLong(recycling.get("unique_bytes")) > 30L << 20, recycling.toString());
        int old = pid(recycling);
        s.awaitLog("worker recycled", m -> pid(m) == old);
        s.awaitLog("recycled worker exited", m -> pid(m) == old);
        s.awaitHttp("/healthz", 200);
        assertTrue(s.logs("worker died").isEmpty(), "a recycle is not a death");
    }

    @Test
    void orphansOfAWorkerAreReapedAndNoZombieRemains() throws Exception {
        Path orphan = dir.resolve("orphan.pid");
        Supervisor s = start("count = 1",
                "( sleep 0.2 & echo $! > " + orphan + ".tmp; mv " + orphan + ".tmp " + orphan + " )\n" + SERVE);
        s.await("the orphan's pid", () -> Files.exists(orphan));
        int orphanPid = Integer.parseInt(Files.readString(orphan).trim());
        s.awaitLog("reaped a process that is not a worker", m -> pid(m) == orphanPid);
        long sup = s.hostPid();
        s.await("no zombie children", () -> zombieChildren(sup).isEmpty());
    }

    static List<Long> zombieChildren(long parent) {
        List<Long> out = new ArrayList<>();
        try (var procs = Files.list(Path.of("/proc"))) {
            for (Path p : (Iterable<Path>) procs::iterator) {
                try {
                    String stat = Files.readString(p.resolve("stat"));
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    if (f[0].equals("Z") && Long.parseLong(f[1]) == parent) out.add(Long.parseLong(p.getFileName().toString()));
                } catch (IOException | RuntimeException notAProcess) {
                    // not a pid dir, or gone
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out;
    }

    @Test
    void workerThatIgnoresTermIsKilledAfterStopTimeoutAndWeExitZero() throws Exception {
        Supervisor s = start("count = 1\nack_workers = true\nstop_timeout = \"500ms\"",
                "trap '' TERM\n" + ACK + "while :; do sleep 0.05; done\n");
        s.awaitHttp("/healthz", 200);
        s.signal("TERM");
        assertEquals(503, s.awaitHttp("/healthz", 503).status());
        s.awaitLog("stop_timeout passed; killing what is left");
        assertEquals(0, s.awaitExit());
        assertEquals("KILL", s.awaitLog("worker exited").get("signal"));
    }

    @Test
    void grandchildrenOfAShellWorkerAreGoneAfterShutdown() throws Exception {
        Path pids = dir.resolve("gc.pids");
        Supervisor s = start("count = 1\nack_workers = true",
                "sleep 1000 &\necho $! >> " + pids + "\nsleep 1000 &\necho $! >> " + pids + "\n" + ACK
                        + "trap 'exit 0' TERM\nwait\n");
        s.awaitHttp("/healthz", 200);
        List<Long> host = new ArrayList<>();
        for (String l : Files.readAllLines(pids)) host.add(s.hostPidOf(Long.parseLong(l.trim())));
        assertEquals(2, host.size());
        s.signal("TERM");
        assertEquals(0, s.awaitExit());
        for (long p : host) assertFalse(ProcessHandle.of(p).map(ProcessHandle::isAlive).orElse(false), "grandchild " + p + " alive");
    }

    @Test
    void aWorkerHoldsOnlyStdioAndItsAckFdAndACleanEnvironment() throws Exception {
        Supervisor s = start("count = 1\nack_workers = true", ACK + "exec sleep 1000\n");
        s.awaitHttp("/healthz", 200);
        long pid = s.hostPidOf(pid(s.awaitLog("worker spawned")));
        List<String> fds;
        try (var l = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            fds = l.map(p -> p.getFileName().toString()).sorted().toList();
        }
        assertEquals(List.of("0", "1", "2", "3"), fds);
        assertTrue(Files.readSymbolicLink(Path.of("/proc/" + pid + "/fd/3")).toString().startsWith("socket:"));
        String env = Files.readString(Path.of("/proc/" + pid + "/environ")).replace('\0', '\n');
        assertTrue(env.contains("\nKLEINHIRN_STATUS_FD=3\n") || env.startsWith("KLEINHIRN_STATUS_FD=3\n"), env);
        assertTrue(env.contains("KLEINHIRN_NAME=e2e\n"), env);
        assertTrue(env.contains("KLEINHIRN_VERSION="), env);
        assertTrue(env.matches("(?s).*KLEINHIRN_WORKER_ID=[0-9a-f-]{36}\n.*"), env);
    }

    @Test
    void garbageOnTheAckFdIsLoggedAndIgnored() throws Exception {
        Supervisor s = start("count = 1\nack_workers = true",
                "echo 'this is not json' >&3\n"
                        + "echo '{\"action\":\"ack\",\"id\":\"someone-else\"}' >&3\n"
                        + "head -c 20000 /dev/zero | tr '\\0' x >&3; echo >&3\n"
                        + "printf '\\377\\376\\n' >&3\n"
                        + ACK + SERVE);
        s.awaitHttp("/healthz", 200);
        var junk = s.awaitLog("ignored a line on a worker's status fd");
        assertEquals("warning", junk.get("level"));
        assertTrue(junk.get("reason").startsWith("not JSON"), junk.toString());
        assertEquals(1, s.logs("worker acked").size());
    }

    @Test
    void forwardsHupToWorkers() throws Exception {
        Path got = dir.resolve("hup");
        Supervisor s = start("count = 1\nack_workers = true",
                "trap 'touch " + got + "' HUP\n" + ACK + SERVE);
        s.awaitHttp("/healthz", 200);
        s.signal("HUP");
        s.await("the worker to see SIGHUP", () -> Files.exists(got));
        assertTrue(s.proc.isAlive());
    }

    @Test
    void secondTermKillsAtOnce() throws Exception {
        Supervisor s = start("count = 1\nack_workers = true\nstop_timeout = \"1h\"",
                "trap '' TERM\n" + ACK + "while :; do sleep 0.05; done\n");
        s.awaitHttp("/healthz", 200);
        s.signal("TERM");
        s.awaitLog("stopping");
        s.signal("TERM");
        s.awaitLog("killing everything");
        assertEquals(0, s.awaitExit());
    }

    @Test
    void orphansThatEscapedTheGroupAndIgnoreTermAreKilledBeforeWeExit() throws Exception {
        Path p1 = dir.resolve("p1"), p2 = dir.resolve("p2");
        script("orphan.sh", "trap '' TERM\necho $$ > " + p1 + ".tmp; mv " + p1 + ".tmp " + p1 + "\n"
                + "sh -c 'trap \"\" TERM; echo $$ > " + p2 + ".tmp; mv " + p2 + ".tmp " + p2 + "; while :; do sleep 0.05; done'\n");
        Supervisor s = start("count = 1\nack_workers = true\nstop_timeout = \"500ms\"",
                "setsid sh " + dir.resolve("orphan.sh") + " &\n" + ACK + "exec sleep 1000\n");
        s.awaitHttp("/healthz", 200);
        s.await("the orphan chain", () -> Files.exists(p1) && Files.exists(p2));
        long h1 = s.hostPidOf(Long.parseLong(Files.readString(p1).trim()));
        long h2 = s.hostPidOf(Long.parseLong(Files.readString(p2).trim()));
        s.signal("TERM");
        assertEquals(0, s.awaitExit());
        s.awaitLog("stop_timeout passed; killing what is left");
        for (long p : List.of(h1, h2)) {
            assertFalse(ProcessHandle.of(p).map(ProcessHandle::isAlive).orElse(false), "orphan " + p + " outlived us");
        }
    }
}
