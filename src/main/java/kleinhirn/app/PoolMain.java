package kleinhirn.app;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import kleinhirn.core.ExitStatus;
import kleinhirn.core.Sig;
import kleinhirn.core.config.Config;
import kleinhirn.core.pool.HealthView;
import kleinhirn.core.pool.PoolEffect;
import kleinhirn.core.pool.PoolEvent;
import kleinhirn.core.pool.PoolMachine;
import kleinhirn.core.pool.PoolState;
import kleinhirn.linux.ChannelPairs;
import kleinhirn.linux.Children;
import kleinhirn.linux.ErrnoException;
import kleinhirn.linux.Libc;
import kleinhirn.linux.PosixSpawner;
import kleinhirn.linux.Reaper;
import kleinhirn.linux.SelfStats;
import kleinhirn.linux.Signals;
import kleinhirn.runtime.EventLoop;
import kleinhirn.runtime.MonotonicClock;
import kleinhirn.runtime.control.ControlServer;
import kleinhirn.runtime.http.HttpEndpoints;
import kleinhirn.runtime.http.Response;
import kleinhirn.runtime.log.Logger;
import kleinhirn.runtime.log.Throttle;

/** Wires the pool supervisor together and runs its loop on the calling (main) thread. */
final class PoolMain {
    private PoolMain() {}

    static int run(Config cfg, List<String> warnings) {
        MonotonicClock clock = new MonotonicClock();
        Logger log = new Logger(cfg.log().stdout() ? Logger.stdout() : Logger.stderr(), cfg.log().format(),
                cfg.log().level(), clock, List.of("logger", "kleinhirn", "service", cfg.name()));
        Throttle junk = new Throttle(log);
        for (String w : warnings) log.warn("configuration warning", "detail", w);
        int self = Libc.getpid();
        log.info("startup", "version", Version.VERSION, "pid", self, "config", cfg.file().toString(),
                "workers", cfg.worker().count(), "type", cfg.worker().type());
        try {
            Libc.setChildSubreaper();
        } catch (ErrnoException e) {
            log.error("cannot become a child subreaper", "error", e.getMessage());
            return 1;
        }

        PoolMachine machine = new PoolMachine(cfg.pool());
        PoolWatch watch = new PoolWatch(cfg.name(), cfg.worker().count(), clock);
        Consumer<PoolState> publish = watch.andThen(UpwardNotify.from(System.getenv(), junk));
        EventLoop<PoolState, PoolEvent, PoolEffect> loop = new EventLoop<>(machine::step,
                PoolState.initial(machine.config(), new SecureRandom().nextLong(), clock.instant()),
                now -> new PoolEvent.Woke(),
                clock, publish);

        // Everything opened from here on is closed in reverse order on every way out.
        Deque<AutoCloseable> opened = new ArrayDeque<>();
        try {
            ChannelPairs pairs;
            try {
                pairs = ChannelPairs.create();
            } catch (IOException e) {
                log.error("cannot create the ack socket directory", "error", String.valueOf(e.getMessage()));
                return 1;
            }
            opened.push(pairs);

            Signals.handle(sig -> loop.post(switch (sig) {
                case Sig.TERM, Sig.INT -> new PoolEvent.StopRequested(false, "SIG" + Sig.name(sig));
                default -> new PoolEvent.Forward(sig);
            }), Sig.TERM, Sig.INT, Sig.HUP, Sig.USR1, Sig.USR2, Sig.WINCH);
            Reaper reaper = new Reaper(new Reaper.Sink() {
                @Override public void reaped(int pid, ExitStatus status) { loop.post(new PoolEvent.Reaped(pid, status)); }
                @Override public void noChildren() { loop.post(new PoolEvent.NoChildren()); }
            });
            reaper.start();
            PoolProcesses processes = new PoolProcesses(cfg, new PosixSpawner(reaper::childAdded), pairs, loop, log,
                    junk, System.getenv());
            loop.interpreter(processes);
            Readiness.Plan plan = Readiness.plan(cfg, self, log);
            if (plan == null) return 1;
            opened.push(plan);
            processes.protocols(plan.protocols());
            opened.push(processes::closeAll);
            // The critical path first: the first spawn (the loader, or the workers) happens as soon
            // as what it needs exists; health, control and (for a loader) the ack sockets are set
            // up while it starts. Fork/exec workers may ack at once, so their sockets come first;
            // a loader's workers are only requested once the loop runs, after all of this.
            boolean preloaded = cfg.worker() instanceof Config.Worker.Ruby;
            if (!preloaded && !openReadiness(plan, self, loop, log, junk, watch, opened)) return 1;
            boolean setUp;
            try {
                loop.handle(new PoolEvent.Started());
                setUp = (!preloaded || openReadiness(plan, self, loop, log, junk, watch, opened))
                        && openViews(cfg, watch, loop, log, opened);
                // A setup failure after the first spawn stops what was spawned, the ordinary way.
                if (!setUp) loop.handle(new PoolEvent.StopRequested(false, "setup failed"));
                loop.run();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return 1;
            } catch (RuntimeException | Error e) {
                // A broken invariant: never leave live workers behind us.
                log.error("supervisor failed; killing every child", "error", e.toString());
                killEveryChild(self);
                return 1;
            }
            if (!setUp) return 1;
            return processes.exitCode() < 0 ? 1 : processes.exitCode();
        } finally {
            for (AutoCloseable c : opened) {
                try {
                    c.close();
                } catch (Exception e) {
                    log.warn("cleanup failed", "error", e.toString());
                }
            }
        }
    }

    private static boolean openReadiness(Readiness.Plan plan, int self, EventLoop<PoolState, PoolEvent, PoolEffect> loop,
                                         Logger log, Throttle junk, PoolWatch watch, Deque<AutoCloseable> opened) {
        Readiness readiness = plan.open(self, loop, log, junk, watch::state);
        if (readiness == null) return false;
        opened.push(readiness);
        return true;
    }

    /** The health HTTP server and the control socket; false (logged) if either cannot listen. */
    private static boolean openViews(Config cfg, PoolWatch watch, EventLoop<PoolState, PoolEvent, PoolEffect> loop,
                                     Logger log, Deque<AutoCloseable> opened) {
        if (cfg.health().listen() != null) {
            HttpEndpoints http;
            try {
                http = HttpEndpoints.start(cfg.health().listen(), routes(cfg, watch, loop));
            } catch (IOException e) {
                log.error("cannot listen for health checks", "addr", cfg.health().listen().toString(),
                        "error", String.valueOf(e.getMessage()));
                return false;
            }
            opened.push(http);
            int port = http.address().getPort();
            watch.httpConnections(() -> SelfStats.tcpConnections(port));
            log.info("health endpoint listening", "addr", cfg.health().listen().toString(),
                    "endpoint", cfg.health().endpoint());
        }
        if (cfg.socket() != null) {
            ControlServer control;
            try {
                control = ControlSocket.bind(Path.of(cfg.socket()), loop, log);
            } catch (IOException e) {
                log.error("cannot listen on the control socket", "path", cfg.socket(),
                        "error", String.valueOf(e.getMessage()));
                return false;
            }
            opened.push(() -> control.close(ControlSocket.DRAIN_MILLIS));
            watch.control(control);
            log.info("control socket listening", "path", cfg.socket());
        }
        return true;
    }

    /** SIGKILL each child's process group (workers lead their own) and the child itself. */
    private static void killEveryChild(int self) {
        for (int child : Children.of(self)) {
            try {
                Libc.kill(-child, Sig.KILL);
                Libc.kill(child, Sig.KILL);
            } catch (ErrnoException ignored) {
                // nothing more we can do on the way out
            }
        }
    }

    private static Map<String, Supplier<Response>> routes(Config cfg, PoolWatch watch, EventLoop<?, ?, ?> loop) {
        Map<String, Supplier<Response>> routes = new LinkedHashMap<>();
        routes.put(cfg.health().endpoint(), () -> answer(HealthView.readiness(watch.state())));
        routes.put(cfg.health().liveEndpoint(), () ->
                answer(HealthView.liveness(watch.state(), loop.responsive(TimeUnit.SECONDS.toNanos(5)))));
        routes.put(cfg.health().statusEndpoint(), watch::statusResponse);
        routes.put(cfg.health().metricsEndpoint(), watch::metricsResponse);
        return routes;
    }

    private static Response answer(HealthView.Answer a) {
        return Response.text(a.status(), a.body());
    }
}
