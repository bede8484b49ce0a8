package kleinhirn.app;

import java.io.IOException;
import java.security.SecureRandom;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
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
import kleinhirn.linux.ErrnoException;
import kleinhirn.linux.Libc;
import kleinhirn.linux.PosixSpawner;
import kleinhirn.linux.Reaper;
import kleinhirn.linux.Signals;
import kleinhirn.runtime.EventLoop;
import kleinhirn.runtime.MonotonicClock;
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
                "workers", cfg.worker().count(), "type", cfg.worker().type().name().toLowerCase(java.util.Locale.ROOT));
        try {
            Libc.setChildSubreaper();
        } catch (ErrnoException e) {
            log.error("cannot become a child subreaper", "error", e.getMessage());
            return 1;
        }

        PoolMachine machine = new PoolMachine(cfg.pool());
        AtomicReference<PoolState> snapshot = new AtomicReference<>();
        Consumer<PoolState> publish = ((Consumer<PoolState>) snapshot::set).andThen(UpwardNotify.from(System.getenv(), junk));
        EventLoop<PoolState, PoolEvent, PoolEffect> loop = new EventLoop<>(machine::step,
                cfg.worker().type() == Config.Type.RUBY
                        ? PoolState.initialPreloaded(new SecureRandom().nextLong(), clock.instant())
                        : PoolState.initial(new SecureRandom().nextLong(), clock.instant()),
                now -> new PoolEvent.Woke(),
                clock, publish);

        HttpEndpoints http = null;
        if (cfg.health().listen() != null) {
            try {
                http = HttpEndpoints.start(cfg.health().listen(), routes(cfg, snapshot, loop));
                log.info("health endpoint listening", "addr", cfg.health().listen().toString(),
                        "endpoint", cfg.health().endpoint());
            } catch (IOException e) {
                log.error("cannot listen for health checks", "addr", cfg.health().listen().toString(),
                        "error", String.valueOf(e.getMessage()));
                return 1;
            }
        }

        ChannelPairs pairs;
        try {
            pairs = ChannelPairs.create();
        } catch (IOException e) {
            log.error("cannot create the ack socket directory", "error", String.valueOf(e.getMessage()));
            if (http != null) http.close();
            return 1;
        }
        Signals.handle(sig -> loop.post(switch (sig) {
            case Sig.TERM, Sig.INT -> new PoolEvent.StopRequested(false, "SIG" + Sig.name(sig));
            default -> new PoolEvent.Forward(sig);
        }), Sig.TERM, Sig.INT, Sig.HUP, Sig.USR1, Sig.USR2, Sig.WINCH);
        Reaper reaper = new Reaper(new Reaper.Sink() {
            @Override public void reaped(int pid, ExitStatus status) { loop.post(new PoolEvent.Reaped(pid, status)); }
            @Override public void noChildren() { loop.post(new PoolEvent.NoChildren()); }
        });
        reaper.start();
        PoolProcesses processes = new PoolProcesses(cfg, new PosixSpawner(reaper::childAdded), pairs, loop, log, junk,
                System.getenv());
        loop.interpreter(processes);
        Readiness readiness = Readiness.open(cfg, self, loop, log, junk, snapshot::get);
        if (readiness == null) {
            pairs.close();
            if (http != null) http.close();
            return 1;
        }
        processes.protocols(readiness.protocols());
        try {
            loop.handle(new PoolEvent.Started());
            loop.run();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            log.error("supervisor failed", "error", e.toString());
            return 1;
        } finally {
            processes.closeAll();
            readiness.close();
            pairs.close();
            if (http != null) http.close();
        }
        return processes.exitCode() < 0 ? 1 : processes.exitCode();
    }

    private static Map<String, Supplier<Response>> routes(Config cfg, AtomicReference<PoolState> snapshot,
                                                          EventLoop<?, ?, ?> loop) {
        Map<String, Supplier<Response>> routes = new LinkedHashMap<>();
        routes.put(cfg.health().endpoint(), () -> answer(HealthView.readiness(snapshot.get())));
        routes.put(cfg.health().liveEndpoint(), () ->
                answer(HealthView.liveness(snapshot.get(), loop.responsive(TimeUnit.SECONDS.toNanos(5)))));
        return routes;
    }

    private static Response answer(HealthView.Answer a) {
        return Response.text(a.status(), a.body());
    }
}
