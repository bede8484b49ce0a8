package kleinhirn.app.harpoon;

import java.io.IOException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;
import kleinhirn.core.ExitStatus;
import kleinhirn.core.codec.Json;
import kleinhirn.core.port.ErrnoException;
import kleinhirn.core.port.SpawnSpec;
import kleinhirn.core.port.Spawner;
import kleinhirn.harpoon.AgentConfig;
import kleinhirn.harpoon.AgentConfigDecoder;
import kleinhirn.harpoon.Event;
import kleinhirn.harpoon.ExitReport;
import kleinhirn.harpoon.OciSpec;
import kleinhirn.runtime.log.Logger;

/**
 * Drives the OCI runtime (runc by default) for one container id in the current directory. Every
 * method blocks and runs on the single "runtime" thread, so a delete always finishes before the
 * next create. Outcomes go back to the loop as events through {@code post}.
 */
final class Runtime {
    private final String runtime, id, hostname;
    private final List<String> command;
    private final Spawner spawner;
    private final Children children;
    private final Logger log;
    private final Consumer<Event> post;
    private volatile Cgroup cgroup; // of the running container; read by the loop for metrics

    Runtime(String runtime, String id, String hostname, List<String> command, Spawner spawner, Children children,
            Logger log, Consumer<Event> post) {
        this.runtime = runtime;
        this.id = id;
        this.hostname = hostname;
        this.command = command;
        this.spawner = spawner;
        this.children = children;
        this.log = log;
        this.post = post;
    }

    Cgroup cgroup() { return cgroup; }

    /** Removes a container of our id left behind by a supervisor that was SIGKILLed. */
    void removeLeftover() {
        boolean maybe = !runtime.equals("runc") || Files.isDirectory(Path.of("/run/runc", id));
        if (!maybe) return;
        log.warn("removing leftover container", "id", id);
        run("delete", "--force", id);
    }

    /** Reads agent.json, writes the bundle, creates and starts; posts Started or StartFailed. */
    void start() {
        String err = startOrError();
        if (err != null) {
            log.error("container start failed", "err", err);
            post.accept(new Event.StartFailed(err));
        }
    }

    private String startOrError() {
        AgentConfig cfg;
        try {
            byte[] raw = Files.readAllBytes(Path.of("agent.json"));
            String text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPLACE)
                    .onUnmappableCharacter(CodingErrorAction.REPLACE).decode(java.nio.ByteBuffer.wrap(raw)).toString();
            cfg = AgentConfigDecoder.decode(text);
        } catch (NoSuchFileException e) {
            return "open ./agent.json: no such file or directory";
        } catch (IOException e) {
            return "open ./agent.json: " + e.getMessage();
        } catch (AgentConfigDecoder.BadConfig e) {
            return e.getMessage();
        }
        Path rootfs = Path.of("rootfs");
        if (!Files.exists(rootfs)) return "unable to stat rootfs \"./rootfs\": stat ./rootfs: no such file or directory";
        if (!Files.isDirectory(rootfs)) return "rootfs \"./rootfs\" invalid: not a directory";
        if (command.isEmpty()) return "no command given for container";
        try {
            String spec = OciSpec.generate(cfg, id, hostname, command, Cgroup.swapAccounted());
            Files.writeString(Path.of("config.json"), spec);
            Files.writeString(Path.of("container.json"), spec);
            Files.deleteIfExists(Path.of("container.pid"));
            Files.deleteIfExists(Path.of("runtime.log")); // its last error must be from this start
        } catch (IOException e) {
            return "cannot write the bundle: " + e.getMessage();
        }
        ExitStatus created = run("--log", "runtime.log", "create", "--bundle", ".", "--pid-file", "container.pid", id);
        if (!ok(created)) return runtimeError("create", created);
        int pid;
        try {
            pid = Integer.parseInt(Files.readString(Path.of("container.pid")).strip());
        } catch (IOException | NumberFormatException e) {
            run("delete", "--force", id);
            return runtime + " create: no pid file: " + e.getMessage();
        }
        // Watch before start: a fast command may exit before `start` returns.
        var exit = children.watch(pid);
        Cgroup cg = Cgroup.of(pid);
        ExitStatus started = run("--log", "runtime.log", "start", id);
        if (!ok(started)) {
            String err = runtimeError("start", started);
            run("delete", "--force", id);
            return err;
        }
        cgroup = cg;
        log.info("container started", "pid", pid, "policy", cfg.restart().name().toLowerCase().replace('_', '-'));
        post.accept(new Event.Started(pid, cfg.restart()));
        exit.thenAccept(status -> {
            boolean oom = cg.oomKilled(); // before delete removes the cgroup
            cgroup = null;
            log.info("container exited", "pid", pid, "status", describe(status), "oom", oom);
            post.accept(new Event.ContainerExited(report(status), oom));
        });
        return null;
    }

    void delete() {
        ExitStatus s = run("delete", "--force", id);
        if (!ok(s)) log.warn("runtime delete failed", "status", describe(s));
    }

    private ExitStatus run(String... args) {
        List<String> argv = new ArrayList<>();
        argv.add(runtime);
        argv.addAll(List.of(args));
        try {
            // The runtime passes its stdio to the container: both go to our stdout.
            int pid = spawner.spawn(new SpawnSpec(argv, env(), null, List.of(), false, 1, 1));
            return children.watch(pid).get();
        } catch (ErrnoException e) {
            return new ExitStatus.Exited(127);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new ExitStatus.Exited(1);
        } catch (ExecutionException e) {
            return new ExitStatus.Exited(1);
        }
    }

    private static List<String> env() {
        List<String> env = new ArrayList<>();
        for (Map.Entry<String, String> e : System.getenv().entrySet()) env.add(e.getKey() + "=" + e.getValue());
        return env;
    }

    /** The runtime's last error message from its JSON log, else its exit status. */
    private String runtimeError(String verb, ExitStatus s) {
        String msg = null;
        try {
            for (String line : Files.readAllLines(Path.of("runtime.log"))) {
                try {
                    Map<String, Object> rec = Json.parseObject(line);
                    if ("error".equals(rec.get("level")) && rec.get("msg") instanceof String m) msg = m;
                } catch (RuntimeException notJson) {
                    if (!line.isBlank()) msg = line.strip();
                }
            }
        } catch (IOException e) {
            // no log: the exit status has to do
        }
        return runtime + " " + verb + ": " + (msg != null ? msg : describe(s));
    }

    private static boolean ok(ExitStatus s) { return s instanceof ExitStatus.Exited(int code) && code == 0; }

    static ExitReport report(ExitStatus s) {
        return switch (s) {
            case ExitStatus.Exited(int code) -> new ExitReport.Exited(code);
            case ExitStatus.Signaled(int sig, boolean core) -> new ExitReport.Signaled(sig);
        };
    }

    static String describe(ExitStatus s) {
        return switch (s) {
            case ExitStatus.Exited(int code) -> "exit status " + code;
            case ExitStatus.Signaled(int sig, boolean core) -> "signal " + kleinhirn.core.Sig.name(sig);
        };
    }
}
