package kleinhirn.core.config;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import kleinhirn.core.log.Level;
import kleinhirn.core.log.LogFormat;
import kleinhirn.core.pool.PoolConfig;

/** A validated configuration with every default filled in. Frozen after start. */
public record Config(Path file, Log log, String name, String socket, Health health, Worker worker) {

    /** {@code captureOutput}: log.worker_output = "capture" (workers' stdout/stderr become log lines). */
    public record Log(boolean stdout, Level level, LogFormat format, boolean captureOutput) {}

    /**
     * {@code listen} is null when no HTTP server is configured; {@code minReady} is resolved
     * against worker.count (see MinReady); {@code liveGrace} is how long a faulted set below
     * minReady may stay so before liveness fails.
     */
    public record Health(InetSocketAddress listen, String endpoint, String liveEndpoint, String statusEndpoint,
                         String metricsEndpoint, int minReady, Duration liveGrace) {}

    public enum Type { PROGRAM, RUBY }

    public record Worker(Type type, int count, Duration ackTimeout, List<String> cmdline, Map<String, String> env,
                         String cwd, boolean ackWorkers, Path gemfile, Path load, String startExpression, String ruby,
                         int maxDeaths, Duration deathPeriod, int maxFailedStarts, Duration minUptime,
                         Duration restartDelay, Duration maxRestartDelay, int stopSignal, Duration stopTimeout,
                         Duration watchdog) {
        /** Preloaded workers always ack; program workers only with ack_workers. */
        public boolean acks() {
            return type == Type.RUBY || ackWorkers;
        }
    }

    public PoolConfig pool() {
        Worker w = worker;
        return new PoolConfig(w.count(), w.acks(), w.ackTimeout(), w.maxDeaths(), w.deathPeriod(), w.maxFailedStarts(),
                w.minUptime(), w.restartDelay(), w.maxRestartDelay(), w.stopSignal(), w.stopTimeout(), w.watchdog(),
                w.type() == Type.RUBY);
    }
}
