package kleinhirn.app;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import kleinhirn.core.Sig;
import kleinhirn.core.codec.HostPort;
import kleinhirn.core.codec.Json;
import kleinhirn.core.config.Config;
import kleinhirn.core.config.Durations;

/** The config with every default filled in, as TOML that kleinhirn itself accepts. */
final class EffectiveConfig {
    private final StringBuilder b = new StringBuilder();

    static String toml(Config c) {
        EffectiveConfig e = new EffectiveConfig();
        e.table("log");
        e.kv("output", c.log().stdout() ? "stdout" : "stderr");
        e.kv("level", c.log().level().configName());
        String fmt = switch (c.log().format()) {
            case JSON -> "{ format = \"json\" }";
            case LOGFMT -> "{ format = \"logfmt\", print_prefix = false }";
            case LOGFMT_PREFIX -> "{ format = \"logfmt\", print_prefix = true }";
        };
        e.b.append("format = ").append(fmt).append('\n');
        e.kv("worker_output", c.log().captureOutput() ? "capture" : "inherit");
        e.table("supervisor");
        e.kv("name", c.name());
        if (c.socket() != null) e.kv("socket", c.socket());
        e.table("health_check");
        if (c.health().listen() != null) e.kv("listen_addr", HostPort.format(c.health().listen()));
        e.kv("endpoint", c.health().endpoint());
        e.kv("live_endpoint", c.health().liveEndpoint());
        e.kv("status_endpoint", c.health().statusEndpoint());
        e.kv("metrics_endpoint", c.health().metricsEndpoint());
        e.kv("min_ready", c.health().minReady());
        e.kv("live_grace", c.health().liveGrace());
        var w = c.worker();
        e.table("worker");
        e.kv("type", w.type() == Config.Type.RUBY ? "ruby" : "program");
        e.kv("count", w.count());
        e.kv("ack_timeout", w.ackTimeout());
        if (w.type() == Config.Type.PROGRAM) {
            e.kv("cmdline", w.cmdline());
            if (w.cwd() != null) e.kv("cwd", w.cwd());
            e.kv("ack_workers", w.ackWorkers());
        } else {
            if (w.gemfile() != null) e.kv("gemfile", w.gemfile().toString());
            e.kv("load", w.load().toString());
            e.kv("start_expression", w.startExpression());
            e.kv("ruby", w.ruby());
        }
        e.kv("max_deaths", w.maxDeaths());
        e.kv("death_period", w.deathPeriod());
        e.kv("max_failed_starts", w.maxFailedStarts());
        e.kv("min_uptime", w.minUptime());
        e.kv("restart_delay", w.restartDelay());
        e.kv("max_restart_delay", w.maxRestartDelay());
        e.kv("stop_signal", Sig.name(w.stopSignal()));
        e.kv("stop_timeout", w.stopTimeout());
        if (w.watchdog() != null) e.kv("watchdog", w.watchdog());
        e.kv("env", w.env());
        return e.b.toString();
    }

    private void table(String name) {
        if (!b.isEmpty()) b.append('\n');
        b.append('[').append(name).append("]\n");
    }

    private void kv(String k, Object v) {
        b.append(k).append(" = ");
        value(v);
        b.append('\n');
    }

    private void value(Object v) {
        switch (v) {
            case Duration d -> Json.quote(b, Durations.format(d));
            case String s -> Json.quote(b, s); // JSON string escapes are valid TOML basic-string escapes
            case List<?> l -> {
                b.append('[');
                for (int i = 0; i < l.size(); i++) {
                    if (i > 0) b.append(", ");
                    value(l.get(i));
                }
                b.append(']');
            }
            case Map<?, ?> m -> {
                b.append('{');
                int i = 0;
                for (var en : m.entrySet()) {
                    b.append(i++ == 0 ? " " : ", ");
                    Json.quote(b, String.valueOf(en.getKey()));
                    b.append(" = ");
                    value(en.getValue());
                }
                b.append(m.isEmpty() ? "}" : " }");
            }
            default -> b.append(v);
        }
    }
}
