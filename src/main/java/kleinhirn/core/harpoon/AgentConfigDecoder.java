package kleinhirn.core.harpoon;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import kleinhirn.core.codec.Json;
import kleinhirn.core.codec.JsonException;

/**
 * Decodes agent.json the way Go's {@code encoding/json} decoded it into {@code agent.ContainerConfig}:
 * keys match case-insensitively (the last matching key wins), unknown keys are ignored, a missing
 * key or {@code null} leaves the zero value, a type mismatch anywhere in the known schema is an
 * error, durations are Go duration strings ({@code null} or a number is an error, as in the original).
 */
public final class AgentConfigDecoder {
    private AgentConfigDecoder() {}

    /** Thrown with a message in the style of Go's decoder. */
    public static final class BadConfig extends Exception {
        public BadConfig(String msg) { super(msg); }
    }

    public static AgentConfig decode(String text) throws BadConfig {
        Object root;
        try {
            root = Json.parse(text);
        } catch (JsonException e) {
            throw new BadConfig("invalid JSON: " + e.getMessage());
        }
        try {
            Map<String, Object> top = object(root, "ContainerConfig");
            Map<String, Object> command = object(field(top, "command"), "command");
            Map<String, Object> resources = object(field(top, "resources"), "resources");
            Map<String, Object> storage = object(field(top, "storage"), "storage");
            Map<String, Object> grace = object(field(top, "grace"), "grace");
            // Fields the supervisor does not use are still type-checked, as Go would.
            for (String k : List.of("product", "environment", "job", "artifact_url")) string(field(top, k), k);
            map(field(top, "ports"), "ports", v -> uint(v, "ports", 65535));
            healthChecks(field(top, "health_checks"));
            String restart = string(field(top, "restart"), "restart");
            RestartPolicy policy;
            try {
                policy = RestartPolicy.parse(restart);
            } catch (IllegalArgumentException e) {
                throw new BadConfig(e.getMessage());
            }
            return new AgentConfig(
                    map(field(top, "env"), "env", v -> string(v, "env")),
                    string(field(command, "working_dir"), "command.working_dir"),
                    list(field(command, "exec"), "command.exec", v -> string(v, "command.exec")),
                    uint(field(resources, "mem"), "resources.mem", Long.MAX_VALUE),
                    number(field(resources, "cpu"), "resources.cpu"),
                    uint(field(resources, "fd"), "resources.fd", Long.MAX_VALUE),
                    map(field(storage, "tmp"), "storage.tmp", v -> integer(v, "storage.tmp")),
                    map(field(storage, "volumes"), "storage.volumes", v -> string(v, "storage.volumes")),
                    duration(field(grace, "startup"), "grace.startup"),
                    duration(field(grace, "shutdown"), "grace.shutdown"),
                    policy);
        } catch (Mismatch m) {
            throw new BadConfig(m.getMessage());
        }
    }

    /** A type mismatch; unchecked inside the decoder only. */
    private static final class Mismatch extends RuntimeException {
        Mismatch(Object v, String path, String goType) {
            super("json: cannot unmarshal " + kind(v) + " into Go struct field ContainerConfig." + path + " of type " + goType);
        }
    }

    private static String kind(Object v) {
        return switch (v) {
            case null -> "null";
            case String s -> "string";
            case Boolean b -> "bool";
            case Number n -> "number " + n;
            case Map<?, ?> m -> "object";
            case List<?> l -> "array";
            default -> v.getClass().getSimpleName();
        };
    }

    /** Marker for an absent key, distinct from an explicit {@code null}. */
    private static final Object ABSENT = new Object();

    private static Object field(Map<String, Object> obj, String name) {
        Object found = ABSENT;
        for (var e : obj.entrySet()) {
            if (e.getKey().equalsIgnoreCase(name)) found = e.getValue();
        }
        return found;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> object(Object v, String path) {
        if (v == ABSENT || v == null) return Map.of();
        if (v instanceof Map<?, ?> m) return (Map<String, Object>) m;
        throw new Mismatch(v, path, "struct");
    }

    private static String string(Object v, String path) {
        if (v == ABSENT || v == null) return "";
        if (v instanceof String s) return s;
        throw new Mismatch(v, path, "string");
    }

    private static long uint(Object v, String path, long max) {
        if (v == ABSENT || v == null) return 0;
        if (v instanceof Long n && n >= 0 && n <= max) return n;
        throw new Mismatch(v, path, max == 65535 ? "uint16" : "uint64");
    }

    private static long integer(Object v, String path) {
        if (v == ABSENT || v == null) return 0;
        if (v instanceof Long n) return n;
        throw new Mismatch(v, path, "int");
    }

    private static double number(Object v, String path) {
        if (v == ABSENT || v == null) return 0;
        if (v instanceof Number n) return n.doubleValue();
        throw new Mismatch(v, path, "float64");
    }

    private static Duration duration(Object v, String path) {
        if (v == ABSENT) return Duration.ZERO;
        if (v instanceof String s) {
            try {
                return GoDuration.parse(s);
            } catch (IllegalArgumentException e) {
                throw new Mismatch(v, path, "agent.JSONDuration (" + e.getMessage() + ")");
            }
        }
        throw new Mismatch(v, path, "agent.JSONDuration");
    }

    private static <T> Map<String, T> map(Object v, String path, java.util.function.Function<Object, T> each) {
        if (v == ABSENT || v == null) return Map.of();
        if (!(v instanceof Map<?, ?> m)) throw new Mismatch(v, path, "map");
        Map<String, T> out = new LinkedHashMap<>();
        for (var e : m.entrySet()) out.put((String) e.getKey(), each.apply(e.getValue()));
        return Collections.unmodifiableMap(out);
    }

    private static <T> List<T> list(Object v, String path, java.util.function.Function<Object, T> each) {
        if (v == ABSENT || v == null) return List.of();
        if (!(v instanceof List<?> l)) throw new Mismatch(v, path, "slice");
        List<T> out = new ArrayList<>(l.size());
        for (Object o : l) out.add(each.apply(o));
        return List.copyOf(out);
    }

    private static void healthChecks(Object v) {
        list(v, "health_checks", o -> {
            Map<String, Object> hc = object(o, "health_checks");
            for (String k : List.of("protocol", "port", "http_path")) string(field(hc, k), "health_checks." + k);
            for (String k : List.of("initial_delay", "timeout", "interval")) {
                Object d = field(hc, k);
                if (d != ABSENT) duration(d, "health_checks." + k);
            }
            list(field(hc, "http_acceptable_responses"), "health_checks.http_acceptable_responses",
                    r -> integer(r, "health_checks.http_acceptable_responses"));
            return hc;
        });
    }
}
