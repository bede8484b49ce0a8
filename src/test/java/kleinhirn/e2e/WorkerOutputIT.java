package kleinhirn.e2e;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import kleinhirn.core.codec.Json;
import kleinhirn.core.codec.JsonException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * log.worker_output = "capture" and uniform JSON logs, against the built program: every line of
 * a run is JSON (configuration warnings, the preloader's lines, the workers' own output), a pid
 * is a number everywhere, and a worker that floods its stdout leaves our memory bounded.
 */
class WorkerOutputIT {
    static final String JSON_LOG = "format = { format = \"json\" }\nworker_output = \"capture\"\ncolour = \"blue\"";
    static final Set<String> LEVELS = Set.of("critical", "error", "warning", "info", "debug", "trace");

    @TempDir
    Path dir;
    @RegisterExtension
    final Supervisors started = new Supervisors();

    /** Every line of the run, parsed; fails on the first line that is not a JSON object. */
    static List<Map<String, Object>> json(Supervisor s) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (String l : s.lines) {
            try {
                out.add(Json.parseObject(l));
            } catch (JsonException e) {
                fail("not a JSON line: " + l + " (" + e.getMessage() + ")\nall output:\n" + String.join("\n", s.lines));
            }
        }
        return out;
    }

    static Map<String, Object> awaitJson(Supervisor s, String what, Predicate<Map<String, Object>> match) {
        s.await(what, () -> json(s).stream().anyMatch(match));
        return json(s).stream().filter(match).findFirst().orElseThrow();
    }

    /** The properties every JSON line must have: ts, one level spelling, a numeric pid wherever there is one. */
    static void assertUniform(List<Map<String, Object>> lines) {
        for (Map<String, Object> m : lines) {
            assertInstanceOf(String.class, m.get("ts"), m.toString());
            assertTrue(LEVELS.contains(m.get("level")), "level spelled as configured: " + m);
            if (m.containsKey("pid")) assertInstanceOf(Long.class, m.get("pid"), "pid is a number: " + m);
            if (m.containsKey("addr")) assertFalse(((String) m.get("addr")).startsWith("/"), m.toString());
        }
    }

    static Predicate<Map<String, Object>> output(String stream, String text) {
        return m -> stream.equals(m.get("stream")) && text.equals(m.get("msg"));
    }

    @Test
    void programWorkersOutputBecomesJsonLinesWithWorkerIdPidAndStream() throws Exception {
        int port = Supervisor.freePort();
        // A 40,000-byte line is split into 16 KiB pieces, marked split on all but the last.
        Path cfg = Supervisor.programConfig(dir, JSON_LOG, "", "count = 2",
                "echo \"out $$\"; echo \"err $$\" >&2; head -c 40000 /dev/zero | tr '\\0' x; echo\n"
                        + "printf 'no newline at the end'\n" + PoolTests.SERVE, port);
        Supervisor s = Supervisor.start(cfg, false, port, Map.of());
        started.add(s);
        s.awaitHttp("/healthz", 200);
        List<Map<String, Object>> spawned = new ArrayList<>();
        s.await("2 workers spawned", () -> {
            spawned.clear();
            json(s).stream().filter(m -> "worker spawned".equals(m.get("msg"))).forEach(spawned::add);
            return spawned.size() == 2;
        });
        for (Map<String, Object> w : spawned) {
            long pid = (Long) w.get("pid");
            Map<String, Object> out = awaitJson(s, "stdout of " + pid, output("stdout", "out " + pid));
            assertEquals(w.get("worker_id"), out.get("worker_id"));
            assertEquals(pid, out.get("pid"));
            assertEquals("info", out.get("level"));
            Map<String, Object> err = awaitJson(s, "stderr of " + pid, output("stderr", "err " + pid));
            assertEquals(w.get("worker_id"), err.get("worker_id"));
            s.await("the long line of " + pid, () -> json(s).stream()
                    .filter(m -> Long.valueOf(pid).equals(m.get("pid")) && "stdout".equals(m.get("stream"))
                            && ((String) m.get("msg")).startsWith("xxx")).count() == 3);
            List<Map<String, Object>> pieces = json(s).stream()
                    .filter(m -> Long.valueOf(pid).equals(m.get("pid")) && ((String) m.get("msg")).startsWith("xxx")).toList();
            assertEquals(List.of(16384, 16384, 40000 - 2 * 16384),
                    pieces.stream().map(m -> ((String) m.get("msg")).length()).toList());
            assertEquals(Boolean.TRUE, pieces.get(0).get("split"));
            assertEquals(Boolean.TRUE, pieces.get(1).get("split"));
            assertFalse(pieces.get(2).containsKey("split"), "the last piece ends the line");
        }
        s.signal("TERM");
        assertEquals(0, s.awaitExit());
        // A last line without its newline is logged when the worker's pipe closes.
        assertEquals(2, json(s).stream().filter(output("stdout", "no newline at the end")).count());
        List<Map<String, Object>> all = json(s);
        assertUniform(all);
        assertTrue(all.stream().anyMatch(m -> "configuration warning".equals(m.get("msg"))
                && String.valueOf(m.get("detail")).contains("log.colour: unknown key")), "the config warning is JSON too");
        assertTrue(all.stream().anyMatch(m -> "127.0.0.1:%d".formatted(port).equals(m.get("addr"))), "host:port");
    }

    @Test
    void preloadedWorkersAndTheLoaderAreCapturedAndEveryLineIsJson() throws Exception {
        Files.writeString(dir.resolve("app.rb"), """
                require "kleinhirn_loader"
                $stderr.puts "loader says hello"
                module App
                  def self.start
                    Signal.trap("TERM") { exit 0 }
                    $stdout.sync = true
                    puts "worker #{Process.pid} on stdout"
                    warn "worker #{Process.pid} on stderr"
                    KleinhirnLoader::Worker.new.done
                    loop { sleep 1 }
                  end
                end
                """);
        int port = Supervisor.freePort();
        Path cfg = Supervisor.rubyConfig(dir, JSON_LOG, port, 2, "App.start", "");
        Supervisor s = Supervisor.start(cfg, false, port, Map.of());
        started.add(s);
        s.awaitHttp("/healthz", 200);
        Map<String, Object> loader = awaitJson(s, "the loader's stderr", output("stderr", "loader says hello"));
        assertEquals("preloader", loader.get("tag"));
        long loaderPid = (Long) awaitJson(s, "loader started", m -> "loader started".equals(m.get("msg"))).get("pid");
        assertEquals(loaderPid, loader.get("pid"));
        Set<Long> workers = new HashSet<>();
        s.await("2 workers spawned", () -> {
            json(s).stream().filter(m -> "worker spawned".equals(m.get("msg"))).forEach(m -> workers.add((Long) m.get("pid")));
            return workers.size() == 2;
        });
        for (long pid : workers) {
            Map<String, Object> out = awaitJson(s, "stdout of " + pid, output("stdout", "worker " + pid + " on stdout"));
            assertEquals(pid, out.get("pid"));
            assertInstanceOf(String.class, out.get("worker_id"));
            assertNull(out.get("tag"), "a worker's own line, not the loader's");
            awaitJson(s, "stderr of " + pid, output("stderr", "worker " + pid + " on stderr"));
            Map<String, Object> starting = awaitJson(s, "the preloader's worker starting",
                    m -> "worker starting".equals(m.get("msg")) && Long.valueOf(pid).equals(m.get("pid")));
            assertEquals("preloader", starting.get("tag"));
        }
        s.signal("TERM");
        assertEquals(0, s.awaitExit());
        assertUniform(json(s));
    }

    @Test
    void aWorkerFlooding100MegabytesLeavesOurMemoryBounded() throws Exception {
        Path go = dir.resolve("go"), done = dir.resolve("done");
        int port = Supervisor.freePort();
        Path cfg = Supervisor.programConfig(dir, "worker_output = \"capture\"", "", "count = 1",
                "while [ ! -e " + go + " ]; do sleep 0.05; done\n"
                        + "line=$(head -c 999 /dev/zero | tr '\\0' x)\n"
                        + "yes \"$line\" | head -c 100000000\n"
                        + "touch " + done + "\n" + PoolTests.SERVE, port);
        Supervisor s = Supervisor.startDiscardingOutput(cfg, port);
        started.add(s);
        s.awaitHttp("/healthz", 200);
        long before = rssKib(s.proc.pid());
        Files.createFile(go);
        s.await("the worker wrote 100 MB", () -> Files.exists(done));
        long after = rssKib(s.proc.pid());
        assertEquals(200, s.http("/healthz").status());
        System.err.printf("WorkerOutputIT: VmRSS %d KiB before, %d KiB after 100 MB of worker output%n", before, after);
        assertTrue(after - before < 48 * 1024, "VmRSS grew from " + before + " to " + after + " KiB");
    }

    static long rssKib(long pid) throws IOException {
        for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (l.startsWith("VmRSS:")) return Long.parseLong(l.replaceAll("[^0-9]", ""));
        }
        throw new AssertionError("no VmRSS for " + pid);
    }
}
