package kleinhirn.e2e;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import kleinhirn.Await;

/**
 * The built program under test: bin/kleinhirn started with ProcessBuilder from this JVM (which
 * never reaps), optionally as PID 1 of a new PID namespace. Collects its log lines; every wait
 * is a condition with a deadline. close() stops it and kills anything it left behind.
 */
final class Supervisor implements AutoCloseable {
    static final Path HOME = Path.of(System.getProperty("kleinhirn.home", ".")).toAbsolutePath();
    static final Duration WAIT = Duration.ofSeconds(30);

    final Process proc;
    final boolean pid1;
    final int port;
    final List<String> lines = new CopyOnWriteArrayList<>();
    private final List<Long> seenHostPids = new CopyOnWriteArrayList<>();

    private Supervisor(Process proc, boolean pid1, int port) {
        this.proc = proc;
        this.pid1 = pid1;
        this.port = port;
        Thread.ofVirtual().start(() -> pump(proc.getInputStream()));
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Runs {@code wrapper} followed by bin/kleinhirn -f config (the wrapper must exec it, keeping its pid). */
    static Supervisor startVia(List<String> wrapper, Path config, int port, Map<String, String> env) throws IOException {
        List<String> cmd = new ArrayList<>(wrapper);
        cmd.addAll(List.of(HOME.resolve("bin/kleinhirn").toString(), "-f", config.toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).directory(config.getParent().toFile());
        pb.environment().putAll(env);
        return new Supervisor(pb.start(), false, port);
    }

    /**
     * Writes {@code dir/worker.sh} and a debug-level program config for it with a health port;
     * {@code worker} is the rest of the [worker] table (its own cmdline, if any, replaces the
     * script's).
     */
    static Path programConfig(Path dir, String worker, String scriptBody, int port) throws IOException {
        return programConfig(dir, "", "", worker, scriptBody, port);
    }

    /** The same, with more keys for the [log] and [health_check] tables. */
    static Path programConfig(Path dir, String log, String health, String worker, String scriptBody, int port)
            throws IOException {
        Path script = dir.resolve("worker.sh");
        Files.writeString(script, "#!/bin/sh\n" + scriptBody);
        Path cfg = dir.resolve("kleinhirn.toml");
        Files.writeString(cfg, header(log, port, health) + """
                [worker]
                type = "program"
                %s
                %s
                """.formatted(worker.contains("cmdline") ? "" : "cmdline = [\"/bin/sh\", \"" + script + "\"]", worker));
        return cfg;
    }

    /** [log] at debug level, [supervisor] named e2e, [health_check] on 127.0.0.1:port; each with more keys. */
    private static String header(String log, int port, String health) {
        return """
                [log]
                level = "debug"
                %s
                [supervisor]
                name = "e2e"
                [health_check]
                listen_addr = "127.0.0.1:%d"
                %s
                """.formatted(log, port, health);
    }

    /** Starts bin/kleinhirn -f config with its output thrown away (floods that must not fill our heap). */
    static Supervisor startDiscardingOutput(Path config, int port) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(HOME.resolve("bin/kleinhirn").toString(), "-f", config.toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .directory(config.getParent().toFile());
        return new Supervisor(pb.start(), false, port);
    }

    /** A debug-level config for {@code count} preloaded workers of {@code dir/app.rb}; {@code log} goes into [log]. */
    static Path rubyConfig(Path dir, String log, int port, int count, String startExpression, String worker)
            throws IOException {
        Path cfg = dir.resolve("kleinhirn.toml");
        Files.writeString(cfg, header(log, port, "") + """
                [worker]
                type = "ruby"
                count = %d
                load = "app.rb"
                start_expression = "%s"
                %s
                """.formatted(count, startExpression, worker));
        return cfg;
    }

    /** Adds {@code supervisor.socket = sock} to a config written by {@link #programConfig}. */
    static void withControlSocket(Path config, Path sock) throws IOException {
        Files.writeString(config, Files.readString(config).replace("name = \"e2e\"", "name = \"e2e\"\nsocket = \"" + sock + "\""));
    }

    static Supervisor start(Path config, boolean pid1, int port, Map<String, String> env, String... extraArgs) throws IOException {
        List<String> cmd = new ArrayList<>();
        if (pid1) cmd.addAll(List.of("unshare", "--pid", "--fork", "--mount-proc"));
        cmd.add(HOME.resolve("bin/kleinhirn").toString());
        cmd.addAll(List.of("-f", config.toString()));
        cmd.addAll(List.of(extraArgs));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).directory(config.getParent().toFile());
        pb.environment().putAll(env);
        return new Supervisor(pb.start(), pid1, port);
    }

    private void pump(InputStream in) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            for (String l; (l = r.readLine()) != null; ) {
                lines.add(l);
                if (Boolean.getBoolean("kleinhirn.e2e.echo")) System.err.println("[sup] " + l);
            }
        } catch (IOException ignored) {
            // process gone
        }
    }

    /** The supervisor's pid on the host: the JVM itself, or unshare's child in PID-1 mode. */
    long hostPid() {
        if (!pid1) return proc.pid();
        await("unshare's child to exist", () -> ProcessHandle.of(proc.pid()).map(p -> p.children().findAny().isPresent()).orElse(false));
        return ProcessHandle.of(proc.pid()).orElseThrow().children().findFirst().orElseThrow().pid();
    }

    /** Maps a pid as logged (namespace pid in PID-1 mode) to the host pid. */
    long hostPidOf(long loggedPid) {
        if (!pid1) {
            seenHostPids.add(loggedPid);
            return loggedPid;
        }
        long sup = hostPid();
        String ns;
        try {
            ns = nsLink(sup);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        try (var procs = Files.list(Path.of("/proc"))) {
            for (Path p : (Iterable<Path>) procs::iterator) {
                String name = p.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) continue;
                try {
                    if (!ns.equals(nsLink(Long.parseLong(name)))) continue;
                    for (String l : Files.readAllLines(p.resolve("status"))) {
                        if (l.startsWith("NSpid:")) {
                            String[] f = l.substring(6).trim().split("\\s+");
                            if (f.length >= 2 && Long.parseLong(f[f.length - 1]) == loggedPid) {
                                long host = Long.parseLong(name);
                                seenHostPids.add(host);
                                return host;
                            }
                        }
                    }
                } catch (IOException | RuntimeException gone) {
                    // raced with an exit
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return fail("no host pid for namespace pid " + loggedPid);
    }

    private static String nsLink(long pid) throws IOException {
        return Files.readSymbolicLink(Path.of("/proc/" + pid + "/ns/pid")).toString();
    }

    List<Map<String, String>> logs() {
        List<Map<String, String>> out = new ArrayList<>();
        for (String l : lines) {
            if (l.startsWith("ts=")) out.add(Logfmt.parse(l));
        }
        return out;
    }

    List<Map<String, String>> logs(String msg) {
        return logs().stream().filter(m -> msg.equals(m.get("msg"))).toList();
    }

    Map<String, String> awaitLog(String msg, Predicate<Map<String, String>> match) {
        return Await.value(WAIT, "log line \"" + msg + "\"", () -> {
            boolean ended = !proc.isAlive() && !lines.isEmpty(); // before the look: then one last look suffices
            for (Map<String, String> m : logs()) if (msg.equals(m.get("msg")) && match.test(m)) return Optional.of(m);
            if (ended) fail("supervisor exited before logging \"" + msg + "\"; output:\n" + String.join("\n", lines));
            return Optional.empty();
        }, () -> "; output:\n" + String.join("\n", lines));
    }

    Map<String, String> awaitLog(String msg) {
        return awaitLog(msg, m -> true);
    }

    /** Waits until at least n lines with this message exist; returns them. */
    List<Map<String, String>> awaitLogs(String msg, int n) {
        await(n + " \"" + msg + "\" lines", () -> logs(msg).size() >= n);
        return logs(msg);
    }

    void await(String what, BooleanSupplier cond) {
        Await.until(WAIT, what, cond, () -> "; output:\n" + String.join("\n", lines));
    }

    record Http(int status, String body) {}

    Http http(String path) {
        return http("GET", path);
    }

    Http http(String method, String path) {
        try {
            var c = (HttpURLConnection) URI.create("http://127.0.0.1:" + port + path).toURL().openConnection();
            c.setRequestMethod(method);
            c.setConnectTimeout(2000);
            c.setReadTimeout(5000);
            int code = c.getResponseCode();
            InputStream in = code >= 400 ? c.getErrorStream() : c.getInputStream();
            String body = in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return new Http(code, body);
        } catch (IOException e) {
            return new Http(-1, e.toString());
        }
    }

    Http awaitHttp(String path, int status) {
        Http[] last = {null};
        await("HTTP " + status + " on " + path + " (last: " + last[0] + ")", () -> (last[0] = http(path)).status() == status);
        return last[0];
    }

    void signal(String sig) {
        kill(sig, hostPid());
    }

    static void kill(String sig, long pid) {
        try {
            new ProcessBuilder("kill", "-" + sig, Long.toString(pid)).inheritIO().start().waitFor();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    int awaitExit() throws InterruptedException {
        if (!proc.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)) fail("supervisor did not exit; output:\n" + String.join("\n", lines));
        return proc.exitValue();
    }

    @Override
    public void close() throws InterruptedException {
        List<ProcessHandle> family = new ArrayList<>();
        ProcessHandle.of(proc.pid()).ifPresent(h -> h.descendants().forEach(family::add));
        for (long p : seenHostPids) ProcessHandle.of(p).ifPresent(family::add);
        if (proc.isAlive()) {
            signal("TERM");
            if (!proc.waitFor(15, TimeUnit.SECONDS)) proc.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        for (ProcessHandle h : family) {
            h.destroyForcibly();
        }
    }
}
