package kleinhirn.core.config;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import kleinhirn.core.Sig;
import kleinhirn.core.log.Level;
import kleinhirn.core.log.LogFormat;
import kleinhirn.core.pool.Recycling;

/**
 * Turns a parsed document (from TOML or JSON) into a {@link Config}, collecting every problem
 * as "key: reason" instead of stopping at the first. Unknown keys are warnings (errors under
 * --strict). Relative ruby paths resolve against the config file's directory, as the original.
 * Pure: the file system is asked through the {@link Disk} port.
 */
public final class ConfigReader {
    /** The outcome: a config when there are no errors; warnings either way. */
    public record Result(Config config, List<String> errors, List<String> warnings) {}

    /**
     * health_check.live_grace: long enough for kleinhirn's own recovery to have had its chances
     * (a death window of 60 s, restarts backing off to 30 s: about ten more tries) before a
     * liveness probe may have the container restarted.
     */
    static final String LIVE_GRACE = "5m";

    private final Path file;
    private final Disk disk;
    private final List<String> errors = new ArrayList<>();
    private final List<String> warnings = new ArrayList<>();

    private ConfigReader(Path file, Disk disk) {
        this.file = file;
        this.disk = disk;
    }

    /** Validates {@code doc}, read from {@code file}; asks {@code disk} whether the paths it names exist. */
    public static Result read(Path file, Map<String, Object> doc, Disk disk) {
        ConfigReader r = new ConfigReader(file, disk);
        Config c = r.config(new Section(r, "", doc));
        return new Result(r.errors.isEmpty() ? c : null, List.copyOf(r.errors), List.copyOf(r.warnings));
    }

    private Config config(Section root) {
        Section logS = root.table("log", false);
        Section supS = root.table("supervisor", true);
        Section hcS = root.table("health_check", false);
        Section wS = root.table("worker", true);
        root.finish();

        Config.Log log = log(logS);
        String name = supS.string("name", null, true);
        if (name != null && name.isBlank()) supS.error("name", "must not be empty");
        String socket = supS.string("socket", null, false);
        supS.finish();

        InetSocketAddress listen = null;
        String addr = hcS.string("listen_addr", null, false);
        if (addr != null) listen = address(hcS, addr);
        String endpoint = hcS.path("endpoint", "/healthz"), live = hcS.path("live_endpoint", "/livez"),
                status = hcS.path("status_endpoint", "/status"), metrics = hcS.path("metrics_endpoint", "/metrics");
        Object minReady = hcS.get("min_ready");
        Duration liveGrace = hcS.duration("live_grace", LIVE_GRACE);
        hcS.finish();

        Config.Worker worker = worker(wS);
        wS.finish();
        Config.Health health = new Config.Health(listen, endpoint, live, status, metrics,
                // Without a worker section there is no count to grade against; that error is reported.
                worker == null ? 1 : MinReady.resolve(minReady, worker.supervision().count(),
                        why -> hcS.error("min_ready", why)), liveGrace);
        return new Config(file, log, name, socket, health, worker);
    }

    private Config.Log log(Section s) {
        String out = s.string("output", "stderr", false);
        if (!out.equals("stderr") && !out.equals("stdout")) s.error("output", "must be \"stderr\" or \"stdout\", not \"" + out + "\"");
        String levelName = s.string("level", "info", false);
        Level level = Level.parse(levelName);
        if (level == null) {
            s.error("level", "must be one of critical, error, warning, info, debug, trace; not \"" + levelName + "\"");
            level = Level.INFO;
        }
        LogFormat format = LogFormat.LOGFMT;
        Section f = s.table("format", false);
        String kind = f.string("format", "logfmt", false);
        boolean prefix = f.bool("print_prefix", false);
        switch (kind) {
            case "json" -> format = LogFormat.JSON;
            case "logfmt" -> format = prefix ? LogFormat.LOGFMT_PREFIX : LogFormat.LOGFMT;
            default -> f.error("format", "must be \"logfmt\" or \"json\", not \"" + kind + "\"");
        }
        f.finish();
        String output = s.string("worker_output", "inherit", false);
        if (!output.equals("inherit") && !output.equals("capture")) {
            s.error("worker_output", "must be \"inherit\" or \"capture\", not \"" + output + "\"");
        }
        s.finish();
        return new Config.Log(out.equals("stdout"), level, format, output.equals("capture"));
    }

    /** The keys only one type of worker has: with no (valid) type, none of them is judged. */
    private static final List<String> PROGRAM_KEYS = List.of("cmdline", "cwd", "ack_workers");
    private static final List<String> RUBY_KEYS = List.of("gemfile", "load", "start_expression", "ruby", "spares");

    private Config.Worker worker(Section s) {
        String typeName = s.string("type", null, true);
        Config.Supervision supervision = supervision(s);
        return switch (typeName) {
            case "program" -> program(s, supervision);
            case "ruby" -> ruby(s, supervision);
            case null -> unknownType(s);
            default -> {
                s.error("type", "must be \"program\" or \"ruby\", not \"" + typeName + "\"");
                yield unknownType(s);
            }
        };
    }

    /** The type is already reported; its keys are neither checked nor reported as unknown. */
    private static Config.Worker unknownType(Section s) {
        s.ignore(PROGRAM_KEYS);
        s.ignore(RUBY_KEYS);
        s.ignore(List.of("env"));
        return null;
    }

    private Config.Worker.Program program(Section s, Config.Supervision supervision) {
        List<String> cmdline = s.strings("cmdline", true);
        if (cmdline != null && cmdline.isEmpty()) s.error("cmdline", "must not be empty");
        Map<String, String> env = s.stringMap("env");
        String cwd = s.string("cwd", null, false);
        if (cwd != null && s.fsPath("cwd", cwd) != null && !disk.isDirectory(Path.of(cwd))) {
            s.error("cwd", "is not a directory: " + cwd);
        }
        boolean ackWorkers = s.bool("ack_workers", false);
        if (!supervision.recycling().reforkAfter().isEmpty()) {
            s.error("refork_after", "only for type = \"ruby\": a refork makes a new loader from a warm preloaded worker");
        }
        if (s.has("spares")) {
            s.integer("spares", 0);
            s.error("spares", "only preloaded workers (type = \"ruby\") can have spares");
        }
        return new Config.Worker.Program(supervision, cmdline, env, cwd, ackWorkers);
    }

    private Config.Worker.Ruby ruby(Section s, Config.Supervision supervision) {
        String g = s.string("gemfile", null, false);
        Path gemfile = g == null ? null : existingFile(s, "gemfile", g);
        String l = s.string("load", null, true);
        Path load = l == null ? null : existingFile(s, "load", l);
        String startExpression = s.string("start_expression", null, true);
        String ruby = s.string("ruby", "ruby", false);
        Map<String, String> env = s.stringMap("env");
        long spares = s.integer("spares", 0);
        if (spares < 0) s.error("spares", "must not be negative");
        if (spares > 10_000) s.error("spares", "must be at most 10000, not " + spares);
        return new Config.Worker.Ruby(supervision, gemfile, load, startExpression, ruby, env, (int) spares);
    }

    /** Relative to the config file's directory, as the original; must be a regular file. */
    private Path existingFile(Section s, String k, String p) {
        Path given = s.fsPath(k, p);
        if (given == null) return null;
        Path base = file.toAbsolutePath().getParent();
        Path resolved = base == null ? given : base.resolve(given);
        if (!disk.isRegularFile(resolved)) s.error(k, "file not found: " + resolved);
        return resolved;
    }

    private Config.Supervision supervision(Section s) {
        long count = s.integer("count", 1);
        if (count < 1) s.error("count", "must be at least 1, not " + count);
        if (count > 10_000) s.error("count", "must be at most 10000, not " + count);
        Duration ackTimeout = s.duration("ack_timeout", "60s");
        long maxDeaths = s.integer("max_deaths", 10);
        if (maxDeaths < 0) s.error("max_deaths", "must not be negative");
        if (maxDeaths > Integer.MAX_VALUE) s.error("max_deaths", "must be at most " + Integer.MAX_VALUE);
        Duration deathPeriod = s.duration("death_period", "60s");
        long maxFailed = s.integer("max_failed_starts", 5);
        if (maxFailed < 1) s.error("max_failed_starts", "must be at least 1");
        if (maxFailed > Integer.MAX_VALUE) s.error("max_failed_starts", "must be at most " + Integer.MAX_VALUE);
        Duration minUptime = s.duration("min_uptime", "1s");
        Duration restartDelay = s.duration("restart_delay", "100ms");
        Duration maxRestartDelay = s.duration("max_restart_delay", "30s");
        String stopSignalName = s.string("stop_signal", "TERM", false);
        int stopSignal = Sig.parse(stopSignalName);
        if (stopSignal < 0) {
            s.error("stop_signal", "is not a signal: \"" + stopSignalName + "\"");
            stopSignal = Sig.TERM;
        }
        Duration stopTimeout = s.duration("stop_timeout", "10s");
        Duration watchdog = s.has("watchdog") ? s.duration("watchdog", null) : null;
        if (ackTimeout != null && ackTimeout.isZero()) s.error("ack_timeout", "must be greater than zero");
        if (deathPeriod != null && deathPeriod.isZero()) s.error("death_period", "must be greater than zero");
        if (watchdog != null && watchdog.isZero()) s.error("watchdog", "must be greater than zero");
        return new Config.Supervision((int) count, ackTimeout, (int) maxDeaths, deathPeriod, (int) maxFailed, minUptime,
                restartDelay, maxRestartDelay, stopSignal, stopTimeout, watchdog, recycling(s));
    }

    private static Recycling recycling(Section s) {
        Long maxMemory = null;
        if (s.has("max_memory")) {
            Object v = s.get("max_memory");
            maxMemory = v instanceof Long l ? l : v instanceof String text ? Sizes.parse(text) : null;
            if (maxMemory == null || maxMemory <= 0) {
                s.error("max_memory", "must be a size greater than zero like \"512MiB\", \"1GiB\" or \"300MB\", not "
                        + (v instanceof String text ? "\"" + text + "\"" : Section.kind(v)));
                maxMemory = null;
            }
        }
        Duration interval = s.duration("memory_check_interval", "5s");
        if (interval.isZero()) s.error("memory_check_interval", "must be greater than zero");
        Duration maxLifetime = s.has("max_lifetime") ? s.duration("max_lifetime", null) : null;
        if (maxLifetime != null && maxLifetime.isZero()) s.error("max_lifetime", "must be greater than zero");
        Duration jitter = s.duration("lifetime_jitter", "0s");
        long maxRecycling = s.integer("max_recycling", 1);
        if (maxRecycling < 1 || maxRecycling > 10_000) s.error("max_recycling", "must be between 1 and 10000");
        Duration spacing = s.duration("recycle_spacing", "1s");
        List<Duration> reforkAfter = new ArrayList<>();
        for (String d : s.strings("refork_after", false)) {
            Duration parsed = Durations.parse(d);
            if (parsed == null || parsed.isZero()) s.error("refork_after", "must hold durations greater than zero, not \"" + d + "\"");
            else reforkAfter.add(parsed);
        }
        return new Recycling(maxMemory, interval, maxLifetime, jitter, (int) Math.max(1, Math.min(maxRecycling, 10_000)),
                spacing, reforkAfter);
    }

    private static InetSocketAddress address(Section s, String addr) {
        int colon = addr.lastIndexOf(':');
        String host = colon > 0 ? addr.substring(0, colon) : "";
        String port = colon > 0 ? addr.substring(colon + 1) : "";
        if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
        boolean literal = host.matches("[0-9.]+") || host.contains(":");
        int p;
        try {
            p = Integer.parseInt(port);
        } catch (NumberFormatException e) {
            p = -1;
        }
        if (!literal || p < 0 || p > 65535) {
            s.error("listen_addr", "must be ip:port (e.g. \"0.0.0.0:3000\" or \"[::]:3000\"), not \"" + addr + "\"");
            return null;
        }
        try {
            return new InetSocketAddress(InetAddress.getByName(host), p);
        } catch (java.net.UnknownHostException e) {
            s.error("listen_addr", "is not an IP address: \"" + host + "\"");
            return null;
        }
    }

    /** One table of the document; remembers which keys were read to report the rest. */
    private static final class Section {
        final ConfigReader r;
        final String prefix;
        final Map<String, Object> map;
        final Set<String> used = new LinkedHashSet<>();

        Section(ConfigReader r, String prefix, Map<String, Object> map) {
            this.r = r;
            this.prefix = prefix;
            this.map = map;
        }

        String key(String k) {
            return prefix.isEmpty() ? k : prefix + "." + k;
        }

        void error(String k, String why) {
            r.errors.add(r.file + ": " + key(k) + ": " + why);
        }

        boolean has(String k) {
            return map.containsKey(k);
        }

        Object get(String k) {
            used.add(k);
            return map.get(k);
        }

        @SuppressWarnings("unchecked")
        Section table(String k, boolean required) {
            Object v = get(k);
            if (v instanceof Map<?, ?> m) return new Section(r, key(k), (Map<String, Object>) m);
            if (v == null && required) error(k, "is required (a table)");
            else if (v != null) error(k, "must be a table, not " + kind(v));
            return new Section(r, key(k), Map.of());
        }

        String string(String k, String def, boolean required) {
            Object v = get(k);
            if (v == null) {
                if (required) error(k, "is required");
                return def;
            }
            if (v instanceof String s) return s;
            error(k, "must be a string, not " + kind(v));
            return def;
        }

        String path(String k, String def) {
            String p = string(k, def, false);
            if (!p.startsWith("/")) error(k, "must start with '/': \"" + p + "\"");
            return p;
        }

        boolean bool(String k, boolean def) {
            Object v = get(k);
            if (v == null) return def;
            if (v instanceof Boolean b) return b;
            error(k, "must be true or false, not " + kind(v));
            return def;
        }

        /**
         * One rule for every integer key: an integer, or (as the original's config-rs coerced it)
         * a string holding a decimal integer, which is accepted with a warning, so
         * {@code check --strict} refuses it.
         */
        long integer(String k, long def) {
            Object v = get(k);
            if (v == null) return def;
            if (v instanceof Long l) return l;
            if (v instanceof String s && s.matches("-?[0-9]{1,18}")) {
                r.warnings.add(r.file + ": " + key(k) + ": an integer given as a string; write " + k + " = " + s);
                return Long.parseLong(s);
            }
            error(k, "must be an integer, not " + kind(v));
            return def;
        }

        Duration duration(String k, String def) {
            Object v = get(k);
            String text = v == null ? def : v instanceof String s ? s : null;
            if (text == null) {
                error(k, "must be a duration string like \"400ms\", \"30s\" or \"2m\", not " + kind(v));
                return def == null ? Duration.ofSeconds(1) : Durations.parse(def);
            }
            Duration d = Durations.parse(text);
            if (d == null) {
                error(k, "is not a duration: \"" + text + "\" (use e.g. \"400ms\", \"30s\", \"2m\", \"1h30m\")");
                return def == null ? Duration.ofSeconds(1) : Durations.parse(def);
            }
            return d;
        }

        List<String> strings(String k, boolean required) {
            Object v = get(k);
            if (v == null) {
                if (required) error(k, "is required (an array of strings)");
                return List.of();
            }
            if (!(v instanceof List<?> l)) {
                error(k, "must be an array of strings, not " + kind(v));
                return List.of();
            }
            List<String> out = new ArrayList<>();
            for (Object o : l) {
                if (o instanceof String s) out.add(s);
                else {
                    error(k, "must contain only strings, found " + kind(o));
                    return List.of();
                }
            }
            return List.copyOf(out);
        }

        Map<String, String> stringMap(String k) {
            Object v = get(k);
            if (v == null) return Map.of();
            if (!(v instanceof Map<?, ?> m)) {
                error(k, "must be a table of strings, not " + kind(v));
                return Map.of();
            }
            Map<String, String> out = new LinkedHashMap<>();
            for (var e : m.entrySet()) {
                if (e.getValue() instanceof String s) out.put(String.valueOf(e.getKey()), s);
                else error(k + "." + e.getKey(), "must be a string, not " + kind(e.getValue()));
            }
            return java.util.Collections.unmodifiableMap(out);
        }

        /** Marks keys as read without judging them. */
        void ignore(List<String> keys) {
            used.addAll(keys);
        }

        /** {@code p} as a path, or null with an error: a NUL or an unpaired surrogate (found by fuzzing). */
        Path fsPath(String k, String p) {
            try {
                return Path.of(p);
            } catch (java.nio.file.InvalidPathException e) {
                error(k, "is not a valid path: " + e.getReason());
                return null;
            }
        }

        void finish() {
            for (String k : map.keySet()) {
                if (!used.contains(k)) r.warnings.add(r.file + ": " + key(k) + ": unknown key");
            }
        }

        static String kind(Object v) {
            return switch (v) {
                case null -> "nothing";
                case String s -> "a string";
                case Long l -> "an integer";
                case Double d -> "a float";
                case Boolean b -> "a boolean";
                case List<?> l -> "an array";
                case Map<?, ?> m -> "a table";
                default -> "a " + v.getClass().getSimpleName();
            };
        }
    }
}
