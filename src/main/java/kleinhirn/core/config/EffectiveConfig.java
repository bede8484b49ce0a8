package kleinhirn.core.config;

import java.time.Duration;
import kleinhirn.core.Sig;
import kleinhirn.core.codec.TomlWriter;

/** The config with every default filled in, as TOML that kleinhirn itself accepts. */
public final class EffectiveConfig {
    private EffectiveConfig() {}

    public static String toml(Config c) {
        TomlWriter e = new TomlWriter();
        e.table("log");
        e.kv("output", c.log().stdout() ? "stdout" : "stderr");
        e.kv("level", c.log().level().configName());
        e.raw("format", switch (c.log().format()) {
            case JSON -> "{ format = \"json\" }";
            case LOGFMT -> "{ format = \"logfmt\", print_prefix = false }";
            case LOGFMT_PREFIX -> "{ format = \"logfmt\", print_prefix = true }";
        });
        e.kv("worker_output", c.log().captureOutput() ? "capture" : "inherit");
        e.table("supervisor");
        e.kv("name", c.name());
        if (c.socket() != null) e.kv("socket", c.socket());
        e.table("health_check");
        if (c.health().listen() != null) {
            var a = c.health().listen();
            String host = a.getAddress().getHostAddress();
            e.kv("listen_addr", (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort());
        }
        e.kv("endpoint", c.health().endpoint());
        e.kv("live_endpoint", c.health().liveEndpoint());
        e.kv("status_endpoint", c.health().statusEndpoint());
        e.kv("metrics_endpoint", c.health().metricsEndpoint());
        e.kv("min_ready", c.health().minReady());
        e.kv("live_grace", text(c.health().liveGrace()));
        Config.Worker worker = c.worker();
        Config.Supervision w = worker.supervision();
        e.table("worker");
        e.kv("type", worker.type());
        e.kv("count", w.count());
        e.kv("ack_timeout", text(w.ackTimeout()));
        switch (worker) {
            case Config.Worker.Program p -> {
                e.kv("cmdline", p.cmdline());
                if (p.cwd() != null) e.kv("cwd", p.cwd());
                e.kv("ack_workers", p.ackWorkers());
            }
            case Config.Worker.Ruby r -> {
                if (r.gemfile() != null) e.kv("gemfile", r.gemfile().toString());
                e.kv("load", r.load().toString());
                e.kv("start_expression", r.startExpression());
                e.kv("ruby", r.ruby());
                e.kv("spares", r.spares());
            }
        }
        e.kv("max_deaths", w.maxDeaths());
        e.kv("death_period", text(w.deathPeriod()));
        e.kv("max_failed_starts", w.maxFailedStarts());
        e.kv("min_uptime", text(w.minUptime()));
        e.kv("restart_delay", text(w.restartDelay()));
        e.kv("max_restart_delay", text(w.maxRestartDelay()));
        e.kv("stop_signal", Sig.name(w.stopSignal()));
        e.kv("stop_timeout", text(w.stopTimeout()));
        if (w.watchdog() != null) e.kv("watchdog", text(w.watchdog()));
        var r = w.recycling();
        if (r.maxMemory() != null) e.kv("max_memory", Sizes.format(r.maxMemory()));
        e.kv("memory_check_interval", text(r.memoryCheckInterval()));
        if (r.maxLifetime() != null) e.kv("max_lifetime", text(r.maxLifetime()));
        e.kv("lifetime_jitter", text(r.lifetimeJitter()));
        e.kv("max_recycling", r.maxRecycling());
        e.kv("recycle_spacing", text(r.spacing()));
        if (!r.reforkAfter().isEmpty()) e.kv("refork_after", r.reforkAfter().stream().map(EffectiveConfig::text).toList());
        e.kv("env", worker.env());
        return e.text();
    }

    private static String text(Duration d) {
        return Durations.format(d);
    }
}
