package kleinhirn.runtime.pool;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import kleinhirn.core.Sig;
import kleinhirn.core.codec.LoaderMessage;
import kleinhirn.core.codec.LoaderWire;
import kleinhirn.core.config.Config;
import kleinhirn.core.launch.RubyGcDefaults;
import kleinhirn.core.launch.WorkerEnv;
import kleinhirn.core.launch.WorkerProtocols;
import kleinhirn.core.pool.PoolEffect;
import kleinhirn.core.pool.PoolEvent;
import kleinhirn.core.pool.PoolState;
import kleinhirn.core.port.Descriptors;
import kleinhirn.core.port.ErrnoException;
import kleinhirn.core.port.Processes;
import kleinhirn.core.port.SocketPairs;
import kleinhirn.core.port.SpawnSpec;
import kleinhirn.core.port.Spawner;
import kleinhirn.runtime.EventLoop;
import kleinhirn.runtime.log.Logger;
import kleinhirn.runtime.log.Throttle;

/**
 * Performs the pool machine's effects for fork/exec workers, on the loop thread. Spawning
 * happens here, synchronously, and the outcome is fed back before any other event, so a pid is
 * always known before its exit can be seen.
 */
public final class PoolProcesses implements EventLoop.Interpreter<PoolEffect> {
    /**
     * Descriptors a spawn must leave free (docs/reliability.md): enough for a burst of health
     * probes, control clients, a /status or /metrics read of /proc and the JDK's own needs.
     */
    public static final int RESERVED_FDS = 16;
    /** A spawn with an ack channel opens a socket pair; we keep one end for the worker's life. */
    private static final int FDS_PER_CHANNEL = 2;

    /** What it asks of the operating system; tests pass fakes. */
    public record Ports(Spawner spawner, SocketPairs pairs, Processes processes, Descriptors descriptors) {}

    private final Config cfg;
    private final Spawner spawner;
    private final SocketPairs pairs;
    private final Processes processes;
    private final Descriptors descriptors;
    private final EventLoop<PoolState, PoolEvent, PoolEffect> loop;
    private final Logger log;
    private final Throttle junk;
    private final Map<String, String> baseEnv;
    private WorkerProtocols protocols = WorkerProtocols.NONE;
    private WorkerOutput output = WorkerOutput.inherit();
    private final int self;
    private final String version;
    private final Map<String, AckChannel> channels = new HashMap<>();
    private final Path loaderScript;
    private LoaderChannel loader;
    private ReforkSocket reforks;
    private int exitCode = -1;

    /**
     * {@code self} is our pid (strays are our children), {@code environment} ours (the workers'
     * base), {@code loaderScript} the shipped Ruby loader.
     */
    public PoolProcesses(Config cfg, Ports ports, int self, String version, Path loaderScript,
                         Map<String, String> environment, EventLoop<PoolState, PoolEvent, PoolEffect> loop,
                         Logger log, Throttle junk) {
        this.cfg = cfg;
        this.spawner = ports.spawner();
        this.pairs = ports.pairs();
        this.processes = ports.processes();
        this.descriptors = ports.descriptors();
        this.self = self;
        this.version = version;
        this.loop = loop;
        this.log = log;
        this.junk = junk;
        this.baseEnv = WorkerEnv.base(environment);
        this.loaderScript = loaderScript;
    }

    /** Set once before the first spawn: NOTIFY_SOCKET, EINHORN_*, inherited listen sockets. */
    public void protocols(WorkerProtocols protocols) {
        this.protocols = protocols;
    }

    /** Set once before the first spawn: log.worker_output. */
    public void output(WorkerOutput output) {
        this.output = output;
    }

    /** Set once before the first spawn when refork_after is configured: where new loaders connect. */
    public void reforks(ReforkSocket reforks) {
        this.reforks = reforks;
    }

    /** The code of the Exit effect performed; -1 while none was. */
    public int exitCode() {
        return exitCode;
    }

    @Override
    public void perform(PoolEffect effect) {
        switch (effect) {
            case PoolEffect.Spawn(String id) -> {
                switch (cfg.worker()) {
                    case Config.Worker.Program p -> spawn(p, id);
                    case Config.Worker.Ruby r -> requestFromLoader(id, false);
                }
            }
            case PoolEffect.SpawnSpare(String id) -> requestFromLoader(id, true);
            case PoolEffect.StartLoader(int generation) -> {
                // Only a preloaded pool starts a loader.
                if (cfg.worker() instanceof Config.Worker.Ruby r) startLoader(r, generation);
            }
            case PoolEffect.Refork(int generation, String id, int pid) -> refork(generation, id, pid);
            case PoolEffect.UseLoader(int generation) -> {
                LoaderChannel next = reforks == null ? null : reforks.take(generation);
                if (next != null) loader = next;
                else log.error("no channel for the new loader; spawn requests stay with the previous one",
                        "generation", generation);
            }
            case PoolEffect.Signal(int pid, int signal, boolean group) -> signal(group ? -pid : pid, signal);
            case PoolEffect.SignalStrays(int signal) -> {
                // A stray may lead a group of its own (setsid): its group first, then itself.
                for (int child : processes.childrenOf(self)) {
                    signal(-child, signal);
                    signal(child, signal);
                }
            }
            case PoolEffect.Forget(String id) -> {
                AckChannel ch = channels.remove(id);
                if (ch != null) ch.close();
                output.forget(id);
            }
            case PoolEffect.Emit(var rec) -> log.log(rec);
            case PoolEffect.Exit(int code) -> {
                exitCode = code;
                loop.stop();
            }
        }
    }

    private void spawn(Config.Worker.Program w, String id) {
        int needed = (w.acks() ? FDS_PER_CHANNEL : 0) + output.descriptorsPerChild();
        if (needed > 0 && refusedForDescriptors(id, needed)) return;
        Map<String, String> ours = new LinkedHashMap<>();
        ours.put("KLEINHIRN_WORKER_ID", id);
        ours.put("KLEINHIRN_NAME", cfg.name());
        ours.put("KLEINHIRN_VERSION", version);
        ours.putAll(protocols.env());
        SocketPairs.Pair pair = null;
        try {
            if (w.acks()) {
            pair = pairs.open();
                ours.put("KLEINHIRN_STATUS_FD", Integer.toString(protocols.statusFdNumber()));
            }
            List<Integer> fds = protocols.fds(pair == null ? -1 : pair.theirs());
            WorkerOutput.Streams out = output.open(id);
            SpawnSpec spec = new SpawnSpec(protocols.argv(w.cmdline()), WorkerEnv.build(baseEnv, w.env(), ours), w.cwd(),
                    fds, true, out.stdout(), out.stderr());
            int pid = spawner.spawn(spec);
            if (pair != null) channels.put(id, AckChannel.start(pair.ours(), id, pid, loop::post, junk));
            loop.feed(new PoolEvent.Spawned(id, pid));
            output.started(id, pid); // after the "worker spawned" line: its output follows it
        } catch (ErrnoException | IOException e) {
            if (pair != null) close(pair);
            output.forget(id);
            loop.feed(new PoolEvent.SpawnFailed(id, e.getMessage()));
        } finally {
            if (pair != null) pairs.release(pair.theirs());
        }
    }

    /** A spawn that would eat into the descriptor reserve fails as a spawn failure instead. */
    private boolean refusedForDescriptors(String id, int needed) {
        var shortage = descriptors.shortage(needed, RESERVED_FDS);
        shortage.ifPresent(why -> loop.feed(new PoolEvent.SpawnFailed(id, why)));
        return shortage.isPresent();
    }

    /**
     * Preloaded: the current loader forks the worker (or a spare, which parks until promoted);
     * its pid comes back as a Launched event.
     */
    private void requestFromLoader(String id, boolean spare) {
        WorkerOutput.Streams out = capturedForLoaderFork(id);
        LoaderMessage.Request request = spare
                ? new LoaderMessage.Spare(id, out.stdoutPath(), out.stderrPath())
                : new LoaderMessage.Spawn(id, out.stdoutPath(), out.stderrPath());
        if (loader == null || !loader.request(request)) {
            // No loader to ask: the machine drops the request when it sees the loader's death,
            // or gives up on it after ack_timeout.
            log.debug("spawn request not sent: no loader", "request", LoaderWire.encode(request));
        }
    }

    /**
     * A preloaded worker's captured streams, or the loader's own when capturing would eat into
     * the descriptor reserve (its read ends stay open for the worker's life) or fails.
     */
    private WorkerOutput.Streams capturedForLoaderFork(String id) {
        String why;
        try {
            var shortage = output.descriptorsPerChild() == 0 ? Optional.<String>empty()
                    : descriptors.shortage(output.descriptorsPerChild(), RESERVED_FDS);
            if (shortage.isEmpty()) return output.open(id);
            why = shortage.get();
        } catch (ErrnoException e) {
            why = e.getMessage();
        }
        log.warn("cannot capture a worker's output; it shares the loader's", "worker_id", id, "error", why);
        return WorkerOutput.Streams.INHERITED;
    }

    /**
     * Starts our shipped loader with plain ruby, never a loader the app's bundle might bring:
     * {@code ruby [-rbundler/setup] loaders/ruby/bin/kleinhirn_loader --status-fd N -n NAME -e EXPR -r LOAD}.
     * The previous generation's channel stays open: its workers may still ack on it.
     */
    private void startLoader(Config.Worker.Ruby w, int generation) {
        var shortage = descriptors.shortage(FDS_PER_CHANNEL + output.descriptorsPerChild(), RESERVED_FDS);
        if (shortage.isPresent()) {
            loop.feed(new PoolEvent.LoaderStartFailed(generation, shortage.get()));
            return;
        }
        SocketPairs.StreamPair pair = null;
        try {
            pair = pairs.openStream();
            List<String> argv = new ArrayList<>(List.of(w.ruby()));
            if (w.gemfile() != null) argv.add("-rbundler/setup");
            // Inherited listen sockets keep their numbers (3..3+n-1) in the loader and every
            // fork; the gem sets LISTEN_PID to each worker's own pid after the fork.
            argv.addAll(List.of(loaderScript.toString(), "--status-fd", Integer.toString(protocols.statusFdNumber()),
                    "-n", cfg.name(), "-e", w.startExpression(), "-r", w.load().toString()));
            if (reforks != null) argv.addAll(List.of("--refork-socket", reforks.path().toString()));
            // A child forked ahead while the loader is idle takes the next spawn request: a
            // replacement then skips the fork of the heap. Not with spares (they are that already)
            // nor with captured output (opened before `launched`, which a standby cannot).
            if (w.spares() == 0 && !cfg.log().captureOutput()) argv.add("--standby");
            Map<String, String> extra = new LinkedHashMap<>();
            if (w.gemfile() != null) extra.put("BUNDLE_GEMFILE", w.gemfile().toString());
            extra.putAll(protocols.env());
            WorkerOutput.Streams out = output.openLoader(generation);
            SpawnSpec spec = new SpawnSpec(argv, WorkerEnv.build(RubyGcDefaults.under(baseEnv), w.env(), extra), null,
                    protocols.fds(pair.theirs()), true, out.stdout(), out.stderr());
            int pid = spawner.spawn(spec);
            output.startedLoader(generation, pid);
            loader = LoaderChannel.start(pair.ours(), generation, loop::post, log, junk);
            log.debug("running loader", "cmd", String.join(" ", argv));
            loop.feed(new PoolEvent.LoaderStarted(generation, pid));
        } catch (ErrnoException | IOException e) {
            if (pair != null) closeQuietly(pair.ours());
            output.forgetLoader(generation);
            loop.feed(new PoolEvent.LoaderStartFailed(generation, e.getMessage()));
        } finally {
            if (pair != null) pairs.release(pair.theirs());
        }
    }

    /**
     * SIGURG to the worker alone (not its group: its own children are not asked); the gem's
     * refork thread in it forks the new loader, which connects to the refork socket.
     */
    private void refork(int generation, String id, int pid) {
        if (reforks == null) {
            log.error("refork asked for without a refork socket", "worker_id", id);
            return;
        }
        reforks.expect(generation, id);
        signal(pid, Sig.URG);
    }

    private void signal(int target, int signal) {
        try {
            if (!processes.kill(target, signal)) {
                log.debug("signal target already gone", "target", target, "signal", Sig.name(signal));
            }
        } catch (ErrnoException e) {
            log.warn("could not send signal", "target", target, "signal", Sig.name(signal), "error", e.getMessage());
        }
    }

    private static void close(SocketPairs.Pair pair) {
        closeQuietly(pair.ours());
    }

    private static void closeQuietly(java.nio.channels.Channel ours) {
        try {
            ours.close();
        } catch (IOException ignored) {
            // nothing to release beyond the fd
        }
    }

    public void closeAll() {
        if (loader != null) loader.close();
        channels.values().forEach(AckChannel::close);
        channels.clear();
    }
}
