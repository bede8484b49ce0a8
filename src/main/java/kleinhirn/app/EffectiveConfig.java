package kleinhirn.app;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import kleinhirn.core.Sig;
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
        Config.Worker worker = c.worker();
        Config.Supervision w = worker.supervision();
        e.table("worker");
        e.kv("type", worker.type());
        e.kv("count", w.count());
        e.kv("ack_timeout", w.ackTimeout());
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
        e.kv("death_period", w.deathPeriod());
        e.kv("max_failed_starts", w.maxFailedStarts());
        e.kv("min_uptime", w.minUptime());
        e.kv("restart_delay", w.restartDelay());
        e.kv("max_restart_delay", w.maxRestartDelay());
        e.kv("stop_signal", Sig.name(w.stopSignal()));
        e.kv("stop_timeout", w.stopTimeout());
        if (w.watchdog() != null) e.kv("watchdog", w.watchdog());
        e.kv("env", worker.env());
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
