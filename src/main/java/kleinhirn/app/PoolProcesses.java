package kleinhirn.app;

import java.io.IOException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import kleinhirn.core.Sig;
import kleinhirn.core.codec.LoaderMessage;
import kleinhirn.core.codec.LoaderWire;
import kleinhirn.core.config.Config;
import kleinhirn.core.pool.PoolEffect;
import kleinhirn.core.pool.PoolEvent;
import kleinhirn.core.pool.PoolState;
import kleinhirn.linux.ChannelPairs;
import kleinhirn.linux.Children;
import kleinhirn.linux.ErrnoException;
import kleinhirn.linux.Libc;
import kleinhirn.linux.SpawnSpec;
import kleinhirn.linux.Spawner;
import kleinhirn.runtime.EventLoop;
import kleinhirn.runtime.log.Logger;
import kleinhirn.runtime.log.Throttle;
import kleinhirn.runtime.pool.AckChannel;
import kleinhirn.runtime.pool.LoaderChannel;

/**
 * Performs the pool machine's effects for fork/exec workers, on the loop thread. Spawning
 * happens here, synchronously, and the outcome is fed back before any other event, so a pid is
 * always known before its exit can be seen.
 */
final class PoolProcesses implements EventLoop.Interpreter<PoolEffect> {
    private final Config cfg;
    private final Spawner spawner;
    private final ChannelPairs pairs;
    private final EventLoop<PoolState, PoolEvent, PoolEffect> loop;
    private final Logger log;
    private final Throttle junk;
    private final Map<String, String> baseEnv;
    private WorkerProtocols protocols = WorkerProtocols.NONE;
    private final int self = Libc.getpid();
    private final Map<String, AckChannel> channels = new HashMap<>();
    private final java.nio.file.Path loaderScript;
    private LoaderChannel loader;
    private int exitCode = -1;

    PoolProcesses(Config cfg, Spawner spawner, ChannelPairs pairs, EventLoop<PoolState, PoolEvent, PoolEffect> loop,
                  Logger log, Throttle junk, Map<String, String> environment) {
        this.cfg = cfg;
        this.spawner = spawner;
        this.pairs = pairs;
        this.loop = loop;
        this.log = log;
        this.junk = junk;
        this.baseEnv = WorkerEnv.base(environment);
        this.loaderScript = Home.path().resolve("loaders/ruby/bin/kleinhirn_loader");
    }

    /** Set once before the first spawn: NOTIFY_SOCKET, EINHORN_*, inherited listen sockets. */
    void protocols(WorkerProtocols protocols) {
        this.protocols = protocols;
    }

    int exitCode() {
        return exitCode;
    }

    @Override
    public void perform(PoolEffect effect) {
        switch (effect) {
            case PoolEffect.Spawn(String id) -> {
                switch (cfg.worker()) {
                    case Config.Worker.Program p -> spawn(p, id);
                    case Config.Worker.Ruby r -> requestFromLoader(new LoaderMessage.Spawn(id));
                }
            }
            case PoolEffect.SpawnSpare(String id) -> requestFromLoader(new LoaderMessage.Spare(id));
            case PoolEffect.StartLoader(int generation) -> {
                // Only a preloaded pool starts a loader.
                if (cfg.worker() instanceof Config.Worker.Ruby r) startLoader(r, generation);
            }
            case PoolEffect.Signal(int pid, int signal, boolean group) -> signal(group ? -pid : pid, signal);
            case PoolEffect.SignalStrays(int signal) -> {
                // A stray may lead a group of its own (setsid): its group first, then itself.
                for (int child : Children.of(self)) {
                    signal(-child, signal);
                    signal(child, signal);
                }
            }
            case PoolEffect.Forget(String id) -> {
                AckChannel ch = channels.remove(id);
                if (ch != null) ch.close();
            }
            case PoolEffect.Emit(var rec) -> log.log(rec);
            case PoolEffect.Exit(int code) -> {
                exitCode = code;
                loop.stop();
            }
        }
    }

    private void spawn(Config.Worker.Program w, String id) {
        Map<String, String> ours = new LinkedHashMap<>();
        ours.put("KLEINHIRN_WORKER_ID", id);
        ours.put("KLEINHIRN_NAME", cfg.name());
        ours.put("KLEINHIRN_VERSION", Version.VERSION);
        ours.putAll(protocols.env());
        ChannelPairs.Pair pair = null;
        try {
            if (w.acks()) {
                pair = pairs.open();
                ours.put("KLEINHIRN_STATUS_FD", Integer.toString(protocols.statusFdNumber()));
            }
            List<Integer> fds = protocols.fds(pair == null ? -1 : pair.theirs());
            SpawnSpec spec = new SpawnSpec(protocols.argv(w.cmdline()), WorkerEnv.build(baseEnv, w.env(), ours), w.cwd(),
                    fds, true);
            int pid = spawner.spawn(spec);
            if (pair != null) channels.put(id, AckChannel.start(pair.ours(), id, pid, loop::post, junk));
            loop.feed(new PoolEvent.Spawned(id, pid));
        } catch (ErrnoException | IOException e) {
            if (pair != null) close(pair);
            loop.feed(new PoolEvent.SpawnFailed(id, e.getMessage()));
        } finally {
            if (pair != null) Libc.closeQuietly(pair.theirs());
        }
    }

    /** Preloaded: the current loader forks the worker (or spare); its pid comes back as a Launched event. */
    private void requestFromLoader(LoaderMessage.Request request) {
        if (loader == null || !loader.request(request)) {
            // No loader to ask: the machine drops the request when it sees the loader's death,
            // or gives up on it after ack_timeout.
            log.debug("spawn request not sent: no loader", "request", LoaderWire.encode(request));
        }
    }

    /**
     * Starts our shipped loader with plain ruby, never a loader the app's bundle might bring:
     * {@code ruby [-rbundler/setup] loaders/ruby/bin/kleinhirn_loader --status-fd N -n NAME -e EXPR -r LOAD}.
     * The previous generation's channel stays open: its workers may still ack on it.
     */
    private void startLoader(Config.Worker.Ruby w, int generation) {
        ChannelPairs.Pair pair = null;
        try {
            pair = pairs.open();
            List<String> argv = new java.util.ArrayList<>(List.of(w.ruby()));
            if (w.gemfile() != null) argv.add("-rbundler/setup");
            // Inherited listen sockets keep their numbers (3..3+n-1) in the loader and every
            // fork; the gem sets LISTEN_PID to each worker's own pid after the fork.
            argv.addAll(List.of(loaderScript.toString(), "--status-fd", Integer.toString(protocols.statusFdNumber()),
                    "-n", cfg.name(), "-e", w.startExpression(), "-r", w.load().toString()));
            Map<String, String> extra = new LinkedHashMap<>();
            if (w.gemfile() != null) extra.put("BUNDLE_GEMFILE", w.gemfile().toString());
            extra.putAll(protocols.env());
            SpawnSpec spec = new SpawnSpec(argv, WorkerEnv.build(baseEnv, w.env(), extra), null,
                    protocols.fds(pair.theirs()), true);
            int pid = spawner.spawn(spec);
            loader = LoaderChannel.start(pair.ours(), generation, loop::post, log, junk);
            log.debug("running loader", "cmd", String.join(" ", argv));
            loop.feed(new PoolEvent.LoaderStarted(generation, pid));
        } catch (ErrnoException | IOException e) {
            if (pair != null) close(pair);
            loop.feed(new PoolEvent.LoaderStartFailed(generation, e.getMessage()));
        } finally {
            if (pair != null) Libc.closeQuietly(pair.theirs());
        }
    }

    private void signal(int target, int signal) {
        try {
            if (!Libc.kill(target, signal)) {
                log.debug("signal target already gone", "target", target, "signal", Sig.name(signal));
            }
        } catch (ErrnoException e) {
            log.warn("could not send signal", "target", target, "signal", Sig.name(signal), "error", e.getMessage());
        }
    }

    private static void close(ChannelPairs.Pair pair) {
        try {
            pair.ours().close();
        } catch (IOException ignored) {
            // nothing to release beyond the fd
        }
    }

    void closeAll() {
        if (loader != null) loader.close();
        channels.values().forEach(AckChannel::close);
        channels.clear();
    }
}
