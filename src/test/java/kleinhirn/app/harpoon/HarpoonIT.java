package kleinhirn.app.harpoon;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** End-to-end: bin/harpoon-supervisor with real runc and a busybox rootfs. Needs root. */
@Timeout(120)
class HarpoonIT {
    static final String ENV = "\"env\":{\"PATH\":\"/bin\"}";
    static final String TRAP = "trap 'exit 0' TERM; echo ready; while true; do sleep 0.05; done";

    @Test
    void upOnConnectInsideViewKillThenExit() throws Exception {
        try (Harpoon h = new Harpoon("{" + ENV + ",\"restart\":\"always\"}")) {
            h.start("sh", "-c", "hostname; id -u; id -g; touch /x 2>&1; echo checked; exec sleep 1000");
            Harpoon.Client c = h.connect();
            String first = c.await(s -> true);
            assertTrue(first.startsWith("{\"up\":true,\"restarting\":true,\"container_exit_status\":{}"), first);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!h.stdout().contains("checked") && System.nanoTime() < deadline) Thread.sleep(20);
            List<String> lines = h.stdout().lines().toList();
            assertEquals("hh", lines.get(0));
            assertEquals("1", lines.get(1));
            assertEquals("1", lines.get(2));
            assertTrue(lines.get(3).contains("Read-only file system"), lines.get(3));
            c.send("exit");
            assertEquals("{\"error\":\"container is not down\"}", c.awaitEvent("error", s -> true));
            c.send("kill");
            c.await(s -> s.contains("\"up\":false,\"restarting\":false,\"container_exit_status\":{\"signaled\":true,\"signal\":9}"));
            c.send("exit");
            assertTrue(c.awaitEof());
            assertEquals(0, h.awaitExit());
            assertFalse(Files.exists(h.dir.resolve("control")));
            assertFalse(h.containerExists());
        }
    }

    @Test
    void theContainersStdoutAndStderrBothGoToOurStdout() throws Exception {
        try (Harpoon h = new Harpoon("{" + ENV + "}")) {
            h.start("sh", "-c", "echo to-out; echo to-err >&2");
            Harpoon.Client c = h.connect();
            c.await(s -> s.contains("\"up\":false"));
            awaitStdout(h, "to-out");
            awaitStdout(h, "to-err");
            assertTrue(h.stderr().lines().noneMatch("to-err"::equals), h.stderr());
        }
    }

    @Test
    void memoryLimitOomIsReported() throws Exception {
        try (Harpoon h = new Harpoon("{" + ENV + ",\"resources\":{\"mem\":16}}")) {
            h.start("sh", "-c", "a=xxxxxxxxxxxxxxxx; while true; do a=$a$a; done");
            Harpoon.Client c = h.connect();
            String s = c.await(x -> x.contains("\"up\":false"));
            assertTrue(s.contains("\"container_exit_status\":{\"oomed\":true},\"restarts\":0,\"ooms\":1"), s);
        }
    }

    @Test
    void onFailureRestartsAfterExit3NotAfterExit0() throws Exception {
        try (Harpoon h = new Harpoon(null)) {
            var data = Files.createDirectories(h.dir.resolve("hostdata"));
            Files.setPosixFilePermissions(data, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx")); // uid 1 writes here
            Files.writeString(h.dir.resolve("agent.json"), "{" + ENV + ",\"restart\":\"on-failure\",\"storage\":{\"volumes\":{\"/data\":\""
                    + data + "\"}}}");
            h.start("sh", "-c", "if [ -f /data/ran ]; then sleep 0.2; exit 0; fi; touch /data/ran; sleep 0.2; exit 3");
            Harpoon.Client c = h.connect();
            c.await(s -> s.contains("\"up\":false,\"restarting\":true,\"container_exit_status\":{\"exited\":true,\"exit_status\":3}"));
            c.await(s -> s.contains("\"up\":true") && s.contains("\"restarts\":1"));
            String last = c.await(s -> s.contains("\"up\":false"));
            assertTrue(last.contains("\"restarting\":false,\"container_exit_status\":{\"exited\":true},\"restarts\":1"), last);
        }
    }

    @Test
    void stopExitsTrappingProcessThenExitLeaves() throws Exception {
        try (Harpoon h = new Harpoon("{" + ENV + ",\"restart\":\"always\"}")) {
            h.start("sh", "-c", TRAP);
            Harpoon.Client c = h.connect();
            c.await(s -> s.contains("\"up\":true"));
            c.send("stop");
            c.await(s -> s.contains("\"up\":false,\"restarting\":false,\"container_exit_status\":{\"exited\":true}"));
            c.send("exit");
            assertEquals(0, h.awaitExit());
            assertFalse(Files.exists(h.dir.resolve("control")));
        }
    }

    @Test
    void badAgentJsonReportsErrAndStillAnswers() throws Exception {
        try (Harpoon h = new Harpoon("{\"resources\":{\"mem\":\"64\"}}")) {
            h.start("true");
            String s = h.connect().await(x -> true);
            assertEquals("{\"up\":false,\"restarting\":false,\"err\":\"json: cannot unmarshal string into Go struct field ContainerConfig.resources.mem of type uint64\",\"container_exit_status\":{},\"restarts\":0,\"ooms\":0,\"container_metrics\":{\"cpu_time\":0,\"memory_usage\":0,\"memory_limit\":0}}", s);
            Harpoon.Client again = h.connect();
            assertEquals(s, again.await(x -> true));
            again.send("exit");
            assertEquals(0, h.awaitExit());
        }
    }

    @Test
    void missingAgentJsonErr() throws Exception {
        try (Harpoon h = new Harpoon(null)) {
            h.start("true");
            assertTrue(h.connect().await(x -> true).contains("\"err\":\"open ./agent.json: no such file or directory\""));
        }
    }

    /** The original README's simulation: socat clients that half-close after sending. */
    @Test
    void socatSimulation() throws Exception {
        try (Harpoon h = new Harpoon("{" + ENV + "}")) {
            h.start("sleep", "1000");
            h.connect().await(s -> s.contains("\"up\":true"));
            String stop = socat(h, "event: stop\n\n", "\"up\":true,\"restarting\":false");
            assertTrue(stop.contains("event: state"), stop);
            String kill = socat(h, "event: kill\n\n", "\"signal\":9");
            assertTrue(kill.contains("\"up\":false,\"restarting\":false,\"container_exit_status\":{\"signaled\":true,\"signal\":9}"), kill);
            socat(h, "event: exit\n\n", null);
            assertEquals(0, h.awaitExit());
        }
    }

    /** printf ... | socat - UNIX-CONNECT:./control, reading until {@code until} shows up (or EOF). */
    static String socat(Harpoon h, String input, String until) throws Exception {
        Process p = new ProcessBuilder("socat", "-t", "30", "-", "UNIX-CONNECT:" + h.dir.resolve("control")).redirectErrorStream(true).start();
        p.getOutputStream().write(input.getBytes(UTF_8));
        p.getOutputStream().close(); // the half-close
        StringBuilder out = new StringBuilder();
        var in = p.getInputStream();
        byte[] buf = new byte[4096];
        int n;
        while ((n = in.read(buf)) > 0) {
            out.append(new String(buf, 0, n, UTF_8));
            if (until != null && out.toString().contains(until)) break;
        }
        p.destroy();
        p.waitFor(10, TimeUnit.SECONDS);
        return out.toString();
    }

    @Test
    void hundredClientsOneNeverReadingAllGetTheFinalState() throws Exception {
        try (Harpoon h = new Harpoon("{" + ENV + "}")) {
            h.start("sleep", "1000");
            Harpoon.Client first = h.connect();
            first.await(s -> s.contains("\"up\":true"));
            java.nio.channels.SocketChannel stuck = java.nio.channels.SocketChannel.open(java.net.UnixDomainSocketAddress.of(h.dir.resolve("control")));
            try {
                List<Harpoon.Client> cs = new ArrayList<>();
                for (int i = 0; i < 100; i++) cs.add(h.connect());
                for (Harpoon.Client c : cs) c.await(s -> s.contains("\"up\":true"));
                first.send("kill");
                for (Harpoon.Client c : cs) c.await(s -> s.contains("\"signaled\":true,\"signal\":9"));
            } finally {
                stuck.close();
            }
        }
    }

    @Test
    void sigtermStopsAndDeletesTheContainerThenExitsZero() throws Exception {
        try (Harpoon h = new Harpoon("{" + ENV + ",\"restart\":\"always\"}")) {
            h.start("sh", "-c", TRAP);
            Harpoon.Client c = h.connect();
            c.await(s -> s.contains("\"up\":true"));
            assertTrue(h.containerExists());
            new ProcessBuilder("kill", "-TERM", String.valueOf(h.proc.pid())).start().waitFor();
            assertEquals(0, h.awaitExit());
            assertFalse(h.containerExists(), "container deleted");
            assertFalse(Files.exists(h.dir.resolve("control")));
            assertTrue(h.stdout().contains("ready"));
        }
    }

    @Test
    void leftoverContainerOfTheSameIdIsRemovedAtStart() throws Exception {
        try (Harpoon h = new Harpoon("{" + ENV + "}")) {
            h.start("sleep", "1000");
            h.connect().await(s -> s.contains("\"up\":true"));
            h.proc.destroyForcibly(); // SIGKILL: nothing of ours cleans up
            h.proc.waitFor(10, TimeUnit.SECONDS);
            h.clients.forEach(c -> { try { c.close(); } catch (Exception ignored) { } });
            assertTrue(h.containerExists());
            h.start("sleep", "1000"); // stale control socket and leftover container
            Harpoon.Client c = h.connect();
            c.await(s -> s.contains("\"up\":true"));
            assertTrue(h.stderr().contains("leftover"), h.stderr());
            c.send("kill");
            c.await(s -> s.contains("\"up\":false"));
        }
    }

    @Test
    void cliExitCodes() throws Exception {
        String bin = Harpoon.HOME.resolve("bin/harpoon-supervisor").toString();
        assertEquals(1, new ProcessBuilder(bin, "--id", "x").start().waitFor());
        assertEquals(2, new ProcessBuilder(bin, "--bogus").start().waitFor());
        Process v = new ProcessBuilder(bin, "-version").start();
        assertEquals(0, v.waitFor());
        assertTrue(new String(v.getInputStream().readAllBytes(), UTF_8).startsWith("version "));
    }

    static void awaitStdout(Harpoon h, String text) throws Exception {
        Harpoon.await("\"" + text + "\" on stdout", () -> read(h::stdout).contains(text));
    }

    interface Text { String get() throws java.io.IOException; }

    static String read(Text t) {
        try {
            return t.get();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void hupUsr1Usr2WinchAreForwardedToTheContainersInit() throws Exception {
        try (Harpoon h = new Harpoon("{" + ENV + "}")) {
            h.start("sh", "-c", "for s in HUP USR1 USR2 WINCH; do trap \"echo got-$s\" $s; done; " + TRAP);
            Harpoon.Client c = h.connect();
            c.await(s -> s.contains("\"up\":true"));
            awaitStdout(h, "ready");
            for (String sig : List.of("HUP", "USR1", "USR2", "WINCH")) {
                new ProcessBuilder("kill", "-" + sig, Long.toString(h.proc.pid())).inheritIO().start().waitFor();
                awaitStdout(h, "got-" + sig);
            }
            assertTrue(h.proc.isAlive(), "forwarded, not acted on");
            c.send("stop");
            c.await(s -> s.contains("\"up\":false,\"restarting\":false"));
            c.send("exit");
            assertEquals(0, h.awaitExit());
        }
    }

    @Test
    void stopTimeoutEscalatesAStopToAKill() throws Exception {
        try (Harpoon h = new Harpoon("{" + ENV + "}")) {
            h.startWith(List.of("--stop-timeout", "300ms"), "sh", "-c", "trap '' TERM; echo ready; while true; do sleep 0.05; done");
            Harpoon.Client c = h.connect();
            c.await(s -> s.contains("\"up\":true"));
            awaitStdout(h, "ready");
            c.send("stop");
            c.await(s -> s.contains("\"container_exit_status\":{\"signaled\":true,\"signal\":9}"));
            c.send("exit");
            assertEquals(0, h.awaitExit());
        }
    }
}
