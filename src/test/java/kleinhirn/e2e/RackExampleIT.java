package kleinhirn.e2e;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import kleinhirn.core.codec.Json;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * examples/rack (Debian's puma) started with the exact container command of the README's
 * Kubernetes Deployment and the example's own config, in a network namespace of its own (the
 * example's fixed ports 8080 and 9090 cannot clash with anything on this machine), probed the
 * way a kubelet does: HTTP GET from outside the process, then SIGTERM.
 */
class RackExampleIT {
    static final Path README = Supervisor.HOME.resolve("README.md");
    static final Path CONFIG = Supervisor.HOME.resolve("examples/rack/kleinhirn.toml");
    final List<Supervisor> started = new ArrayList<>();
    @TempDir
    Path dir;
    final List<Process> clients = new ArrayList<>();

    @AfterEach
    void stopAll() throws InterruptedException {
        for (Process p : clients) p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        for (Supervisor s : started) s.close();
    }

    /** The README's Deployment, as far as the test needs it. */
    record Deployment(List<String> command, int gracePeriod, String readinessPath, String livenessPath,
                      int httpPort, int healthPort) {}

    static Deployment deployment() throws IOException {
        String readme = Files.readString(README);
        int k8s = readme.indexOf("### Kubernetes");
        String yaml = readme.substring(readme.indexOf("```yaml", k8s), readme.indexOf("```\n", readme.indexOf("```yaml", k8s) + 7));
        List<String> command = new ArrayList<>();
        for (Object o : (List<?>) Json.parse(find(yaml, "command: (\\[.*\\])"))) command.add((String) o);
        return new Deployment(command, Integer.parseInt(find(yaml, "terminationGracePeriodSeconds: (\\d+)")),
                find(yaml, "readinessProbe:\\s+httpGet: \\{path: (\\S+), port: health\\}"),
                find(yaml, "livenessProbe:\\s+httpGet: \\{path: (\\S+), port: health\\}"),
                Integer.parseInt(find(yaml, "name: http, containerPort: (\\d+)")),
                Integer.parseInt(find(yaml, "name: health, containerPort: (\\d+)")));
    }

    static String find(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        assertTrue(m.find(), "the README's Deployment has no match for " + regex);
        return m.group(1);
    }

    /**
     * The Deployment's command with the image's /app/kleinhirn.toml mapped to examples/rack, run
     * in a new network namespace (loopback up; unshare and sh exec, so kleinhirn keeps the pid).
     */
    Supervisor startAsInThePod(Deployment d) throws IOException {
        return startAsInThePod(d, CONFIG);
    }

    Supervisor startAsInThePod(Deployment d, Path config) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("unshare", "--net", "sh", "-c", "ip link set lo up && exec \"$@\"", "sh"));
        for (String arg : d.command()) cmd.add(arg.equals("/app/kleinhirn.toml") ? config.toString() : arg);
        Supervisor s = Supervisor.startCommand(cmd, Supervisor.HOME, d.healthPort(),
                Map.of("PATH", Supervisor.HOME.resolve("bin") + ":" + System.getenv("PATH")));
        started.add(s);
        return s;
    }

    record Answer(int status, String body) {}

    /** An HTTP GET in the pod's network namespace, from a process outside kleinhirn (curl). */
    static Answer get(Supervisor s, int port, String path) {
        try {
            Process p = new ProcessBuilder("nsenter", "--target", Long.toString(s.proc.pid()), "--net", "curl", "-sS",
                    "--max-time", "2", "-w", "\n%{http_code}", "http://127.0.0.1:" + port + path).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.SECONDS)) p.destroyForcibly();
            int nl = out.lastIndexOf('\n');
            String code = out.substring(nl + 1).strip();
            return new Answer(code.matches("[0-9]{3}") ? Integer.parseInt(code) : -1, nl < 0 ? out : out.substring(0, nl));
        } catch (IOException e) {
            return new Answer(-1, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Answer(-1, "interrupted");
        }
    }

    static Answer awaitGet(Supervisor s, int port, String path, int status) {
        Answer[] last = {null};
        s.await("HTTP " + status + " on :" + port + path, () -> (last[0] = get(s, port, path)).status() == status);
        return last[0];
    }

    static int seconds(String duration) {
        Matcher m = Pattern.compile("\"(\\d+)s\"").matcher(duration);
        assertTrue(m.find(), duration);
        return Integer.parseInt(m.group(1));
    }

    @Test
    void theKubernetesExampleRunsAsWrittenAndAnswersTheKubeletsProbes() throws Exception {
        Deployment d = deployment();
        assertEquals(List.of("kleinhirn", "listen"), d.command().subList(0, 2), "kleinhirn listen is the command");
        String stopTimeout = find(Files.readString(CONFIG), "(?m)^stop_timeout = (\"[^\"]+\")");
        assertTrue(d.gracePeriod() > seconds(stopTimeout),
                "terminationGracePeriodSeconds " + d.gracePeriod() + " must exceed stop_timeout " + stopTimeout);

        Supervisor s = startAsInThePod(d);
        awaitGet(s, d.healthPort(), d.readinessPath(), 200);
        assertEquals(200, get(s, d.healthPort(), d.livenessPath()).status());
        Answer app = get(s, d.httpPort(), "/");
        assertEquals(200, app.status(), app.body());
        assertTrue(app.body().strip().matches("hello from worker (\\d+), store connection opened by pid \\1"),
                "each worker reconnected after the fork: " + app.body());
        String cmdline = Files.readString(Path.of("/proc/" + s.proc.pid() + "/cmdline")).replace('\0', ' ');
        assertTrue(cmdline.contains("kleinhirn.app.Main listen tcp://0.0.0.0:8080 -- kleinhirn"), cmdline);

        s.signal("TERM");
        assertEquals(0, s.awaitExit());
    }

    static final Pattern WORKER = Pattern.compile("\"pid\":(\\d+),\"state\":\"(\\w+)\"");

    /** The pids of the ready workers, from /status. */
    static List<Long> readyWorkers(Supervisor s, int healthPort) {
        String status = get(s, healthPort, "/status").body();
        int from = status.indexOf("\"workers\":["), to = status.indexOf("],\"deaths_in_period\"");
        List<Long> pids = new ArrayList<>();
        if (from < 0 || to < from) return pids;
        Matcher m = WORKER.matcher(status.substring(from, to));
        while (m.find()) if (m.group(2).equals("ready")) pids.add(Long.parseLong(m.group(1)));
        return pids;
    }

    @Test
    void theRackExampleKeepsServingUnderLoadWhileWorkersAreKilled() throws Exception {
        Deployment d = deployment();
        Supervisor s = startAsInThePod(d);
        awaitGet(s, d.healthPort(), d.readinessPath(), 200);
        Path report = Files.createTempFile("wrk", ".txt");
        try {
            Process wrk = new ProcessBuilder("nsenter", "--target", Long.toString(s.proc.pid()), "--net", "wrk", "-t2",
                    "-c8", "-d300s", "http://127.0.0.1:" + d.httpPort() + "/").redirectErrorStream(true)
                    .redirectOutput(report.toFile()).start();
            clients.add(wrk);
            for (int round = 0; round < 3; round++) {
                List<Long> before = new ArrayList<>();
                s.await("4 ready workers", () -> {
                    before.clear();
                    before.addAll(readyWorkers(s, d.healthPort()));
                    return before.size() == 4;
                });
                long victim = before.get(round % before.size());
                Supervisor.kill("KILL", victim);
                // min_ready = "75%" of 4: one worker down or booting keeps the pod ready.
                assertEquals(200, get(s, d.healthPort(), d.readinessPath()).status(), "readiness with 3 of 4 workers");
                s.await("worker " + victim + " replaced", () -> {
                    List<Long> now = readyWorkers(s, d.healthPort());
                    return now.size() == 4 && !now.contains(victim);
                });
                assertTrue(wrk.isAlive(), "wrk still running");
                Answer a = get(s, d.httpPort(), "/");
                assertEquals(200, a.status(), "serving after worker " + victim + " was killed: " + a.body());
            }
            awaitGet(s, d.healthPort(), d.readinessPath(), 200);
            Supervisor.kill("INT", wrk.pid());   // wrk prints its summary on SIGINT
            assertTrue(wrk.waitFor(30, TimeUnit.SECONDS), "wrk exits on SIGINT");
            String summary = Files.readString(report);
            System.out.println("RackExampleIT wrk while killing workers:\n" + summary);
            Matcher served = Pattern.compile("(\\d+) requests in").matcher(summary);
            assertTrue(served.find(), summary);
            assertTrue(Long.parseLong(served.group(1)) > 0, summary);
            Matcher non2xx = Pattern.compile("Non-2xx or 3xx responses: (\\d+)").matcher(summary);
            if (non2xx.find()) assertTrue(Long.parseLong(non2xx.group(1)) < Long.parseLong(served.group(1)), summary);
        } finally {
            Files.deleteIfExists(report);
        }
        s.signal("TERM");
        assertEquals(0, s.awaitExit());
    }

    /**
     * Reforking the example: the warm worker's puma objects wrap the inherited listener and are
     * garbage in the new loader. Collected there or in a next-generation worker, they closed
     * that worker's listener (puma: "Exception handling servers: EBADF", exit 1; under load
     * every worker of generation 2 died so). Here every worker runs full GCs after its start,
     * so a listener closed by a collected object shows at once.
     */
    @Test
    void theRackExampleReforksAndTheNextGenerationKeepsItsListenerThroughGarbageCollections() throws Exception {
        Deployment d = deployment();
        // TOML basic strings around Ruby code with single-quoted paths (temp paths need no escaping).
        String expression = "Thread.new { 5.times { sleep 0.1; GC.start }; File.write(File.join('" + dir
                + "', %(gc.#{Process.pid})), '') }; RackExample.serve";
        String config = Files.readString(CONFIG)
                .replace("load = \"app.rb\"", "load = \"" + CONFIG.resolveSibling("app.rb") + "\"")
                .replace("start_expression = \"RackExample.serve\"", "start_expression = \"" + expression + "\"")
                + "min_uptime = \"500ms\"\nrefork_after = [\"1s\"]\n";
        Path cfg = dir.resolve("kleinhirn.toml");
        Files.writeString(cfg, config);
        Supervisor s = startAsInThePod(d, cfg);
        awaitGet(s, d.healthPort(), d.readinessPath(), 200);
        assertEquals("2", s.awaitLog("loader reforked").get("generation"));
        List<Long> nextGeneration = new ArrayList<>();
        for (var m : s.awaitLogs("worker recycled", 4)) nextGeneration.add(Long.parseLong(m.get("replacement_pid")));
        s.await("generation 2 ran its GCs", () -> nextGeneration.stream().allMatch(pid -> Files.exists(dir.resolve("gc." + pid))));
        // Each of them still accepts on its listener after its GCs: all four answer.
        Set<Long> answered = new HashSet<>();
        Pattern from = Pattern.compile("hello from worker (\\d+)");
        s.await("every worker of generation 2 answers", () -> {
            Matcher m = from.matcher(get(s, d.httpPort(), "/").body());
            if (m.find()) answered.add(Long.parseLong(m.group(1)));
            return answered.containsAll(nextGeneration);
        });
        assertTrue(s.logs("worker died").isEmpty(), "no worker of generation 2 lost its listener: " + s.logs("worker died"));
        assertEquals(nextGeneration.stream().sorted().toList(), readyWorkers(s, d.healthPort()).stream().sorted().toList());
        s.signal("TERM");
        assertEquals(0, s.awaitExit());
    }
}
