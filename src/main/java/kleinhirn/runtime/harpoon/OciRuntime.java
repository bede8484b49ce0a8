package kleinhirn.runtime.harpoon;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import kleinhirn.core.ExitStatus;
import kleinhirn.core.harpoon.AgentConfig;
import kleinhirn.core.harpoon.AgentConfigDecoder;
import kleinhirn.core.harpoon.Cgroups;
import kleinhirn.core.harpoon.Event;
import kleinhirn.core.harpoon.ExitReport;
import kleinhirn.core.harpoon.HostProcesses;
import kleinhirn.core.harpoon.OciSpec;
import kleinhirn.runtime.log.Logger;

/**
 * Drives the OCI runtime (runc by default) for one container id in the current directory. Every
 * method but {@link #abortStart} blocks and runs on the single "runtime" thread, so a delete always
 * finishes before the next create. Outcomes go back to the loop as events through {@code post}.
 * Every call of the runtime has a deadline ({@link RuntimeCalls}); a hung one is killed with its
 * process group and named in {@code err}.
 */
public final class OciRuntime {
    private final String runtime, id, hostname;
    private final List<String> command;
    private final RuntimeCalls calls;
    private final HostProcesses processes;
    private final Cgroups cgroups;
    private final Logger log;
    private final Consumer<Event> post;
    private volatile Running running; // the container's init while up; read by the loop and the fatal path

    /** A started container: its init on the host and its cgroup. */
    public record Running(int pid, Cgroups.ContainerCgroup cgroup) {}

    public OciRuntime(String runtime, String id, String hostname, List<String> command, Duration callTimeout,
                      HostProcesses processes, Cgroups cgroups, Logger log, Consumer<Event> post) {
        this.runtime = runtime;
        this.id = id;
        this.hostname = hostname;
        this.command = command;
        this.calls = new RuntimeCalls(runtime, callTimeout, processes, log);
        this.processes = processes;
        this.cgroups = cgroups;
        this.log = log;
        this.post = post;
    }

    /** The running container, or {@code null} while it is not up. */
    public Running running() { return running; }

    /** Removes a container of our id left behind by a supervisor that was SIGKILLed. */
    public void removeLeftover() {
        boolean maybe = !runtime.equals("runc") || Files.isDirectory(Path.of("/run/runc", id));
        if (!maybe) return;
        log.warn("removing leftover container", "id", id);
        calls.run(RuntimeCalls.Call.DELETE, "delete", "--force", id);
    }

    /** Kills the create/start call in flight, and skips the rest of this start; any thread. */
    public void abortStart() { calls.abort(); }

    /** Reads agent.json, writes the bundle, creates and starts; posts Started or StartFailed. */
    public void start() {
        String err;
        try {
            err = startOrError();
        } finally {
            calls.resetAbort();
        }
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
                    .onUnmappableCharacter(CodingErrorAction.REPLACE).decode(ByteBuffer.wrap(raw)).toString();
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
            String spec = OciSpec.generate(cfg, id, hostname, command, cgroups.swapAccounted());
            Files.writeString(Path.of("config.json"), spec);
            Files.writeString(Path.of("container.json"), spec);
            Files.deleteIfExists(Path.of("container.pid"));
            Files.deleteIfExists(Path.of("runtime.log")); // its last error must be from this start
        } catch (IOException e) {
            return "cannot write the bundle: " + e.getMessage();
        }
        RuntimeCalls.Outcome created = calls.run(RuntimeCalls.Call.CREATE, "--log", "runtime.log", "--log-format", "json",
                "create", "--bundle", ".", "--pid-file", "container.pid", id);
        if (!(created instanceof RuntimeCalls.Outcome.Succeeded(var containerStderr))) return failed("create", created);
        int pid;
        try {
            pid = Integer.parseInt(Files.readString(Path.of("container.pid")).strip());
        } catch (IOException | NumberFormatException e) {
            containerStderr.toStderr();
            calls.run(RuntimeCalls.Call.DELETE, "delete", "--force", id);
            return runtime + " create: no pid file: " + e.getMessage();
        }
        // Watch before start: a fast command may exit before `start` returns.
        var exit = processes.exitOf(pid);
        Cgroups.ContainerCgroup cg = cgroups.of(pid);
        RuntimeCalls.Outcome started = calls.run(RuntimeCalls.Call.START, "--log", "runtime.log", "--log-format", "json", "start", id);
        if (!started.ok()) {
            containerStderr.toStderr(); // the container never ran: anything there is the runtime's
            String err = failed("start", started);
            calls.run(RuntimeCalls.Call.DELETE, "delete", "--force", id);
            return err;
        }
        containerStderr.toStdout(); // from here on the container's own stderr
        running = new Running(pid, cg);
        log.info("container started", "pid", pid, "policy", cfg.restart().name().toLowerCase().replace('_', '-'));
        post.accept(new Event.Started(pid, cfg.restart()));
        exit.thenAccept(status -> {
            boolean oom = cg.oomKilled(); // before delete removes the cgroup
            running = null;
            log.info("container exited", "pid", pid, "status", status.describe(), "oom", oom);
            post.accept(new Event.ContainerExited(report(status), oom));
        }).exceptionally(t -> {
            // A callback's failure would stay inside the future: hand it to the fatal path.
            Thread.getDefaultUncaughtExceptionHandler().uncaughtException(Thread.currentThread(), t);
            return null;
        });
        return null;
    }

    /** After a failed create: whatever the runtime left (state dir, a half-made init) goes too. */
    private String failed(String verb, RuntimeCalls.Outcome o) {
        if (verb.equals("create")) calls.run(RuntimeCalls.Call.DELETE, "delete", "--force", id);
        return switch (o) {
            case RuntimeCalls.Outcome.Succeeded s -> throw new IllegalArgumentException("not a failure");
            case RuntimeCalls.Outcome.Refused r -> RuntimeErrors.of(runtime, verb, Path.of("runtime.log"), r.status());
            case RuntimeCalls.Outcome.Failed f -> runtime + " " + verb + ": " + f.why();
        };
    }

    public void delete() {
        RuntimeCalls.Outcome o = calls.run(RuntimeCalls.Call.DELETE, "delete", "--force", id);
        if (!o.ok()) log.warn("runtime delete failed", "outcome", o.toString());
    }

    static ExitReport report(ExitStatus s) {
        return switch (s) {
            case ExitStatus.Exited(int code) -> new ExitReport.Exited(code);
            case ExitStatus.Signaled(int sig, boolean core) -> new ExitReport.Signaled(sig);
        };
    }
}
