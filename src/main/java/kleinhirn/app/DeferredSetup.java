package kleinhirn.app;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import kleinhirn.core.codec.HostPort;
import kleinhirn.core.config.Config;
import kleinhirn.core.pool.PoolEffect;
import kleinhirn.core.pool.PoolEvent;
import kleinhirn.core.pool.PoolState;
import kleinhirn.core.port.Processes;
import kleinhirn.linux.SelfStats;
import kleinhirn.runtime.EventLoop;
import kleinhirn.runtime.control.ControlServer;
import kleinhirn.runtime.http.HttpEndpoints;
import kleinhirn.runtime.http.Response;
import kleinhirn.runtime.log.Logger;
import kleinhirn.runtime.log.Throttle;
import kleinhirn.runtime.pool.PoolWatch;
import kleinhirn.runtime.pool.Probes;

/**
 * What the first spawn does not wait for (issue 12): the health server, the control socket and,
 * for a preloading loader, the workers' ack sockets. Each opened thing goes onto {@code opened}
 * (closed in reverse on every way out); a failure is logged, names itself in {@code leaving[0]}
 * and returns false, and the caller stops what was already spawned.
 */
final class DeferredSetup {
    private final Config cfg;
    private final int self;
    private final Processes kernel;
    private final EventLoop<PoolState, PoolEvent, PoolEffect> loop;
    private final PoolWatch watch;
    private final Probes probes;
    private final Logger log;
    private final Throttle junk;
    private final Deque<AutoCloseable> opened;
    private final String[] leaving;

    DeferredSetup(Config cfg, int self, Processes kernel, EventLoop<PoolState, PoolEvent, PoolEffect> loop,
                  PoolWatch watch, Probes probes, Logger log, Throttle junk, Deque<AutoCloseable> opened,
                  String[] leaving) {
        this.cfg = cfg;
        this.self = self;
        this.kernel = kernel;
        this.loop = loop;
        this.watch = watch;
        this.probes = probes;
        this.log = log;
        this.junk = junk;
        this.opened = opened;
        this.leaving = leaving;
    }

    /** Binds the ack sockets the plan names. */
    boolean readiness(Readiness.Plan plan) {
        Readiness readiness = plan.open(self, kernel, loop, log, junk, watch::state);
        if (readiness == null) {
            leaving[0] = "startup failed: cannot open the workers' ack sockets";
            return false;
        }
        opened.push(readiness);
        return true;
    }

    /** The health HTTP server and the control socket. */
    boolean views() {
        if (cfg.health().listen() != null) {
            HttpEndpoints http;
            try {
                http = HttpEndpoints.start(cfg.health().listen(), routes());
            } catch (IOException e) {
                log.error("cannot listen for health checks", "addr", HostPort.format(cfg.health().listen()),
                        "error", String.valueOf(e.getMessage()));
                leaving[0] = "startup failed: cannot listen for health checks";
                return false;
            }
            opened.push(http);
            int port = http.address().getPort();
            watch.httpConnections(() -> SelfStats.tcpConnections(port));
            log.info("health endpoint listening", "addr", HostPort.format(cfg.health().listen()),
                    "endpoint", cfg.health().endpoint());
        }
        if (cfg.socket() != null) {
            ControlServer control;
            try {
                control = ControlSocket.bind(Path.of(cfg.socket()), loop, log);
            } catch (IOException e) {
                log.error("cannot listen on the control socket", "path", cfg.socket(),
                        "error", String.valueOf(e.getMessage()));
                leaving[0] = "startup failed: cannot listen on the control socket";
                return false;
            }
            opened.push(() -> {
                watch.finish(leaving[0]);
                control.close(ControlSocket.DRAIN_MILLIS);
            });
            watch.control(control);
            log.info("control socket listening", "path", cfg.socket());
        }
        return true;
    }

    private Map<String, Supplier<Response>> routes() {
        Map<String, Supplier<Response>> routes = new LinkedHashMap<>();
        routes.put(cfg.health().endpoint(), probes::readiness);
        routes.put(cfg.health().liveEndpoint(), probes::liveness);
        routes.put(cfg.health().statusEndpoint(), watch::statusResponse);
        routes.put(cfg.health().metricsEndpoint(), watch::metricsResponse);
        return routes;
    }
}
