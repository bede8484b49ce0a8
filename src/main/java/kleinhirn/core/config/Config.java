package kleinhirn.core.config;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import kleinhirn.core.log.Level;
import kleinhirn.core.log.LogFormat;
import kleinhirn.core.pool.PoolConfig;
import kleinhirn.core.pool.Recycling;

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

    /**
     * How the pool is supervised, whatever the workers are: how many, the ack deadline, the
     * restart budget, how they are stopped, when they are recycled. {@code watchdog} is null when
     * not configured.
     */
    public record Supervision(int count, Duration ackTimeout, int maxDeaths, Duration deathPeriod, int maxFailedStarts,
                              Duration minUptime, Duration restartDelay, Duration maxRestartDelay, int stopSignal,
                              Duration stopTimeout, Duration watchdog, Recycling recycling) {
        /** Without recycling. */
        public Supervision(int count, Duration ackTimeout, int maxDeaths, Duration deathPeriod, int maxFailedStarts,
                           Duration minUptime, Duration restartDelay, Duration maxRestartDelay, int stopSignal,
                           Duration stopTimeout, Duration watchdog) {
            this(count, ackTimeout, maxDeaths, deathPeriod, maxFailedStarts, minUptime, restartDelay, maxRestartDelay,
                    stopSignal, stopTimeout, watchdog, Recycling.NONE);
        }
    }

    /** What the workers are: a program we fork/exec, or Ruby workers forked by a preloading loader. */
    public sealed interface Worker {
        Supervision supervision();

        /** Extra environment for each worker (and the loader). */
        Map<String, String> env();

        /** {@code cmdline} is never empty; {@code cwd} is null to inherit ours. */
        record Program(Supervision supervision, List<String> cmdline, Map<String, String> env, String cwd,
                       boolean ackWorkers) implements Worker {}

        /**
         * Paths are absolute (resolved against the config file's directory); {@code gemfile} may be
         * null; {@code spares} parked spares are kept besides the workers (0: none).
         */
        record Ruby(Supervision supervision, Path gemfile, Path load, String startExpression, String ruby,
                    Map<String, String> env, int spares) implements Worker {}

        /** As the config says it: "program" or "ruby". */
        default String type() {
            return switch (this) {
                case Program p -> "program";
                case Ruby r -> "ruby";
            };
        }

        default int count() {
            return supervision().count();
        }

        /** Preloaded workers always ack; program workers only with ack_workers. */
        default boolean acks() {
            return switch (this) {
                case Program p -> p.ackWorkers();
                case Ruby r -> true;
            };
        }
    }

    public PoolConfig pool() {
        Supervision s = worker.supervision();
        return new PoolConfig(s.count(), worker.acks(), s.ackTimeout(), s.maxDeaths(), s.deathPeriod(),
                s.maxFailedStarts(), s.minUptime(), s.restartDelay(), s.maxRestartDelay(), s.stopSignal(),
                s.stopTimeout(), s.watchdog(), worker instanceof Worker.Ruby, s.recycling(),
                worker instanceof Worker.Ruby r ? r.spares() : 0);
    }
}
