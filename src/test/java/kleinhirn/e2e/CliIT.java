package kleinhirn.e2e;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line of the built program: check, config errors, exit codes. */
class CliIT {
    @TempDir
    Path dir;

    record Run(int code, String out, String err) {}

    Run run(String... args) throws Exception {
        return run(java.util.Map.of(), args);
    }

    Run run(java.util.Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Supervisor.HOME.resolve("bin/kleinhirn").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        var out = Thread.ofVirtual().start(() -> {});
        byte[][] buf = new byte[2][];
        Thread t1 = Thread.ofVirtual().start(() -> buf[0] = readAll(p.getInputStream()));
        Thread t2 = Thread.ofVirtual().start(() -> buf[1] = readAll(p.getErrorStream()));
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("kleinhirn did not exit");
        }
        t1.join();
        t2.join();
        out.join();
        return new Run(p.exitValue(), new String(buf[0], StandardCharsets.UTF_8), new String(buf[1], StandardCharsets.UTF_8));
    }

    static byte[] readAll(java.io.InputStream in) {
        try {
            return in.readAllBytes();
        } catch (IOException e) {
            return new byte[0];
        }
    }

    Path write(String rel, String text) throws IOException {
        Path p = dir.resolve(rel);
        Files.createDirectories(p.getParent());
        Files.writeString(p, text);
        return p;
    }

    @Test
    void checkAcceptsTheOriginalsThreeExampleConfigsUnchanged() throws Exception {
        write("gems/kleinhirn_loader/examples/sleeper_agent/Gemfile", "source 'https://rubygems.org'\n");
        write("gems/kleinhirn_loader/examples/sleeper_agent/sleeper_agent.rb", "def kleinhirn_main; end\n");
        Path ncProgram = write("example_configs/nc_program.toml", """
                [log]
                output = "stderr"
                format = {format = "json"}
                level = "debug"

                [health_check]
                listen_addr = "127.0.0.1:3000"

                [supervisor]
                name = "nc-as-a-program"

                [worker]
                type = "program"
                cmdline = ["nc", "-vvvl", "127.0.0.1", "8000"]
                cwd = "/"
                env = {}
                """);
        Path forkexec = write("example_configs/forkexec_continually_restarting_sleeper.toml", """
                [log]
                output = "stderr"
                level = "debug"
                format = { format = "json" }

                [supervisor]
                name = "continually-restarting-sleeper"

                [health_check]
                listen_addr = "127.0.0.1:3000"

                [worker]
                count = 3
                type = "program"
                cmdline = ["bundle", "exec", "--gemfile", "gems/kleinhirn_loader/examples/sleeper_agent/Gemfile", "--keep-file-descriptors",
                           "ruby", "gems/kleinhirn_loader/examples/sleeper_agent/sleeper_agent.rb"]
                ack_workers = true
                ack_timeout = "400ms"
                env = {}
                """);
        Path preloaded = write("example_configs/preloaded_continually_restarting_sleeper.toml", """
                [log]
                output = "stderr"
                level = "debug"

                [supervisor]
                name = "continually-restarting-sleeper"

                [health_check]
                listen_addr = "127.0.0.1:3000"

                [worker]
                count = 3
                #ack_timeout = "1s"
                type = "ruby"
                gemfile = "../gems/kleinhirn_loader/examples/sleeper_agent/Gemfile"
                load = "../gems/kleinhirn_loader/examples/sleeper_agent/sleeper_agent.rb"
                start_expression = "kleinhirn_main"
                """);
        // The originals' programs (nc, bundle) must be on PATH for check --strict; this machine may lack them.
        for (String program : List.of("nc", "bundle")) {
            Files.setPosixFilePermissions(write("bin/" + program, "#!/bin/sh\n"),
                    java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        var path = java.util.Map.of("PATH", dir.resolve("bin") + ":" + System.getenv("PATH"));
        for (Path p : List.of(ncProgram, forkexec, preloaded)) {
            Run r = run(path, "check", "--strict", "-f", p.toString());
            assertEquals(0, r.code(), p + ": " + r.err());
            assertTrue(r.out().contains("[worker]"), r.out());
        }
        Run r = run("check", "-f", forkexec.toString());
        assertTrue(r.out().contains("ack_timeout = \"400ms\""), r.out());
        assertTrue(r.out().contains("max_deaths = 10"), "defaults filled in: " + r.out());
    }

    /** Each bad config exits 2, names file, key and reason, and spawns nothing. */
    @Test
    void badConfigsExit2NamingFileKeyAndReasonWithNothingSpawned() throws Exception {
        Path marker = dir.resolve("spawned");
        String ok = """
                [supervisor]
                name = "x"
                [worker]
                type = "program"
                cmdline = ["/bin/sh", "-c", "touch %s; sleep 100"]
                """.formatted(marker);
        record Case(String name, String text, String key, String reason) {}
        List<Case> cases = List.of(
                new Case("count0.toml", ok + "count = 0\n", "worker.count", "at least 1"),
                new Case("duration.toml", ok + "ack_timeout = \"soon\"\n", "worker.ack_timeout", "not a duration"),
                new Case("emptycmd.toml", "[supervisor]\nname = \"x\"\n[worker]\ntype = \"program\"\ncmdline = []\n", "worker.cmdline", "must not be empty"),
                new Case("addr.toml", ok + "[health_check]\nlisten_addr = \"localhost:x\"\n", "health_check.listen_addr", "ip:port"),
                new Case("noname.toml", "[supervisor]\n[worker]\ntype = \"program\"\ncmdline = [\"true\"]\n", "supervisor.name", "required"),
                new Case("type.toml", ok.replace("\"program\"", "\"python\""), "worker.type", "\"program\" or \"ruby\""),
                new Case("count.toml", ok + "count = \"many\"\n", "worker.count", "integer"),
                new Case("syntax.toml", ok + "count = = 3\n", "line 6", "expected a value"),
                new Case("ruby.toml", "[supervisor]\nname = \"x\"\n[worker]\ntype = \"ruby\"\nload = \"missing.rb\"\nstart_expression = \"X\"\n", "worker.load", "file not found"),
                new Case("minready0.toml", ok + "[health_check]\nmin_ready = 0\n", "health_check.min_ready", "from 1 to worker.count (1)"),
                new Case("minready2.toml", ok + "[health_check]\nmin_ready = 2\n", "health_check.min_ready", "not 2"),
                new Case("minready0pct.toml", ok + "[health_check]\nmin_ready = \"0%\"\n", "health_check.min_ready", "from 1% to 100%"),
                new Case("minreadyword.toml", ok + "[health_check]\nmin_ready = \"most\"\n", "health_check.min_ready", "percentage"),
                new Case("grace.toml", ok + "[health_check]\nlive_grace = \"a while\"\n", "health_check.live_grace", "not a duration"),
                new Case("output.toml", "[log]\nworker_output = \"tee\"\n" + ok, "log.worker_output", "\"inherit\" or \"capture\""),
                new Case("bad.json", "{\"supervisor\": {\"name\": 5}}", "supervisor.name", "must be a string"),
                new Case("dup.json", "{\"supervisor\": {\"name\": \"x\"}, \"worker\": {\"type\": \"program\", "
                        + "\"cmdline\": [\"true\"], \"count\": 1, \"count\": 2}}", "worker.count", "duplicate key"),
                new Case("notype.toml", "[supervisor]\nname = \"x\"\n[worker]\ncmdline = [\"true\"]\n", "worker.type", "is required"));
        for (Case c : cases) {
            Path f = write(c.name(), c.text());
            Run r = run("-f", f.toString());
            assertEquals(2, r.code(), c.name() + ": " + r.err());
            assertTrue(r.err().contains(f.toString()), c.name() + " names the file: " + r.err());
            assertTrue(r.err().contains(c.key()), c.name() + " names the key: " + r.err());
            assertTrue(r.err().contains(c.reason()), c.name() + " gives the reason: " + r.err());
        }
        assertFalse(Files.exists(marker), "nothing was spawned");
        Path unknown = write("unknown.toml", ok + "colour = \"blue\"\n");
        assertEquals(0, run("check", "-f", unknown.toString()).code(), "unknown keys warn");
        Run strict = run("check", "--strict", "-f", unknown.toString());
        assertEquals(2, strict.code());
        assertTrue(strict.err().contains("worker.colour: unknown key"), strict.err());
        Run noType = run("check", "--strict", "-f", dir.resolve("notype.toml").toString());
        assertFalse(noType.err().contains("unknown key"), "a missing type is reported once: " + noType.err());
        Path stringCount = write("stringcount.toml", ok + "count = \"4\"\n");
        Run lenient = run("check", "-f", stringCount.toString());
        assertEquals(0, lenient.code(), "an integer given as a string is accepted: " + lenient.err());
        assertTrue(lenient.out().contains("count = 4"), lenient.out());
        assertTrue(lenient.err().contains("worker.count: an integer given as a string"), lenient.err());
        assertEquals(2, run("check", "--strict", "-f", stringCount.toString()).code(), "but not under --strict");
        assertEquals(2, run("-f", dir.resolve("missing.toml").toString()).code());
        assertEquals(2, run("--bogus").code());
    }

    /**
     * The first spawn does not wait for the health server (issue 12): a port that is taken is
     * found after the workers (or the loader) started. They are stopped the ordinary way, and
     * only then does kleinhirn exit 1, leaving nothing behind.
     */
    @Test
    void aTakenHealthPortStopsTheWorkersThenExits1() throws Exception {
        assertTakenPortStops("""
                type = "program"
                count = 2
                cmdline = ["/bin/sh", "-c", "exec sleep 100"]
                """, "worker spawned", "worker exited");
    }

    @Test
    void aTakenHealthPortStopsTheLoaderThenExits1() throws Exception {
        Files.writeString(dir.resolve("app.rb"), "module App; def self.start; sleep; end; end\n");
        assertTakenPortStops("""
                type = "ruby"
                load = "app.rb"
                start_expression = "App.start"
                """, "loader started", "loader exited");
    }

    private void assertTakenPortStops(String worker, String started, String exited) throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Path f = write("k.toml", """
                    [supervisor]
                    name = "x"
                    [health_check]
                    listen_addr = "127.0.0.1:%d"
                    [worker]
                    %s
                    """.formatted(taken.getLocalPort(), worker));
            try (Supervisor s = Supervisor.start(f, false, taken.getLocalPort(), java.util.Map.of())) {
                assertEquals(1, s.awaitExit(), String.join("\n", s.lines));
                assertFalse(s.logs("cannot listen for health checks").isEmpty(), String.join("\n", s.lines));
                List<java.util.Map<String, String>> spawned = s.logs(started);
                assertFalse(spawned.isEmpty(), "the first spawn did not wait for the health server");
                assertEquals(spawned.size(), s.logs(exited).size(), String.join("\n", s.lines));
                for (var m : spawned) {
                    long pid = Long.parseLong(m.get("pid"));
                    assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "left running: " + pid);
                }
            }
        }
    }

    @Test
    void helpAndVersion() throws Exception {
        Run v = run("--version");
        assertEquals(0, v.code());
        assertTrue(v.out().matches("kleinhirn \\d+\\.\\d+\\.\\d+\\n"), v.out());
        Run h = run("--help");
        assertEquals(0, h.code());
        assertTrue(h.out().contains("Exit codes"), h.out());
    }

    @Test
    void relativePathsAreRelativeToTheConfigFilesDirectoryNotTheWorkingDirectory() throws Exception {
        Path marker = dir.resolve("worker-ran-in");
        Path app = write("etc/bin/app.sh", "#!/bin/sh\npwd > " + marker + "\nkill -TERM $PPID\nexec sleep 30\n");
        Files.setPosixFilePermissions(app, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.createDirectories(dir.resolve("etc/work"));
        Path cfg = write("etc/kleinhirn.toml", """
                [supervisor]
                name = "relative"
                [worker]
                type = "program"
                cmdline = ["./bin/app.sh"]
                cwd = "work"
                """);
        Run check = run("check", "-f", "etc/kleinhirn.toml");   // run() starts kleinhirn in dir, not dir/etc
        assertEquals(0, check.code(), check.err());
        Path etc = dir.resolve("etc").toRealPath();
        assertTrue(check.out().contains("cmdline = [\"" + etc.resolve("bin/app.sh") + "\"]"), check.out());
        assertTrue(check.out().contains("cwd = \"" + etc.resolve("work") + "\""), check.out());
        Run r = run("-f", cfg.toString());
        assertEquals(0, r.code(), r.err());
        assertEquals(etc.resolve("work").toString(), Files.readString(marker).strip());
    }

    @Test
    void checkWarnsAboutAProgramOrRubyNotOnPathAndStrictMakesItAnError() throws Exception {
        write("program.toml", """
                [supervisor]
                name = "p"
                [worker]
                type = "program"
                cmdline = ["no-such-program-kleinhirn", "x"]
                """);
        Run warn = run("check", "-f", "program.toml");
        assertEquals(0, warn.code(), warn.err());
        assertTrue(warn.err().contains("kleinhirn: warning: program.toml: worker.cmdline[0]: \"no-such-program-kleinhirn\" is not on PATH"),
                warn.err());
        Run strict = run("check", "--strict", "-f", "program.toml");
        assertEquals(2, strict.code(), strict.err());
        assertTrue(strict.err().contains("kleinhirn: error: program.toml: worker.cmdline[0]"), strict.err());
        write("app.rb", "\n");
        write("ruby.toml", """
                [supervisor]
                name = "r"
                [worker]
                type = "ruby"
                load = "app.rb"
                start_expression = "x"
                ruby = "./no/ruby"
                """);
        Run ruby = run("check", "--strict", "-f", "ruby.toml");
        assertEquals(2, ruby.code(), ruby.err());
        assertTrue(ruby.err().contains("worker.ruby: \"" + dir.toRealPath().resolve("no/ruby") + "\" is not an executable file"),
                ruby.err());
        write("ok.toml", "[supervisor]\nname = \"ok\"\n[worker]\ntype = \"program\"\ncmdline = [\"sh\"]\n");
        assertEquals(0, run("check", "--strict", "-f", "ok.toml").code());
    }
}
