package kleinhirn.core.codec;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import kleinhirn.core.ExitStatus;
import kleinhirn.core.codec.LoaderMessage.*;

/**
 * The loader wire format: one JSON object per line; supervisor requests carry {@code op},
 * reports carry {@code action}. Lines are given and returned without their newline. Decoding
 * throws IllegalArgumentException saying why a line is not a message; the caller logs and
 * ignores it.
 */
public final class LoaderWire {
    /** A relayed log line keeps at most this many fields: a hostile line cannot make a huge record. */
    public static final int MAX_FIELDS = 32;

    private LoaderWire() {}

    public static String encode(LoaderMessage m) {
        Map<String, Object> o = new LinkedHashMap<>();
        switch (m) {
            case Spawn(String id, String stdout, String stderr) -> {
                o.put("op", "spawn");
                o.put("id", id);
                if (stdout != null) o.put("stdout", stdout);
                if (stderr != null) o.put("stderr", stderr);
            }
            case Spare(String id, String stdout, String stderr) -> {
                o.put("op", "spare");
                o.put("id", id);
                if (stdout != null) o.put("stdout", stdout);
                if (stderr != null) o.put("stderr", stderr);
            }
            case Loading(String file) -> {
                o.put("action", "loading");
                o.put("file", file);
            }
            case Ready r -> o.put("action", "ready");
            case Launched(String id, int pid) -> {
                o.put("action", "launched");
                o.put("id", id);
                o.put("pid", (long) pid);
            }
            case Failed(String id, String message) -> {
                o.put("action", "failed");
                o.put("id", id);
                o.put("message", message);
            }
            case Ack(String id) -> {
                o.put("action", "ack");
                o.put("id", id);
            }
            case Relayed(Relayed.Level level, String msg, Map<String, Object> fields) -> {
                o.put("action", "log");
                o.put("level", level.name().toLowerCase(java.util.Locale.ROOT));
                o.put("msg", msg);
                fields.forEach(o::putIfAbsent);
            }
            case Reforked(String id, int pid) -> {
                o.put("action", "reforked");
                o.put("id", id);
                o.put("pid", (long) pid);
            }
            case CommandError(String message, String error) -> {
                o.put("action", "error");
                o.put("message", message);
                if (error != null) o.put("error", error);
            }
            case Exited(String id, int pid, ExitStatus status) -> {
                o.put("action", "exited");
                o.put("id", id);
                o.put("pid", (long) pid);
                switch (status) {
                    case ExitStatus.Exited(int code) -> o.put("exit_code", (long) code);
                    case ExitStatus.Signaled(int signal, boolean core) -> {
                        o.put("signal", (long) signal);
                        o.put("core", core);
                    }
                }
            }
        }
        return Json.write(o);
    }

    /** A line from the loader or one of its workers. */
    public static Report decodeReport(String line) {
        Map<String, Object> m = object(line);
        Object action = m.get("action");
        return switch (action instanceof String a ? a : "") {
            case "loading" -> new Loading(String.valueOf(m.get("file")));
            case "ready" -> new Ready();
            case "launched" -> new Launched(idWithPid(m, "launched"), pid(m, "launched"));
            case "reforked" -> new Reforked(idWithPid(m, "reforked"), pid(m, "reforked"));
            case "exited" -> new Exited(idWithPid(m, "exited"), pid(m, "exited"), status(m));
            case "failed" -> new Failed(id(m, "failed"), String.valueOf(m.get("message")));
            case "ack" -> new Ack(id(m, "ack"));
            case "log" -> relayed(m);
            case "error" -> new CommandError(String.valueOf(m.get("message")),
                    m.get("error") == null ? null : String.valueOf(m.get("error")));
            default -> throw new IllegalArgumentException("unknown action " + Json.write(action));
        };
    }

    /** A line from the supervisor, as the loader reads it. */
    public static Request decodeRequest(String line) {
        Map<String, Object> m = object(line);
        Object op = m.get("op");
        return switch (op instanceof String o ? o : "") {
            case "spawn" -> new Spawn(id(m, "spawn"), optional(m, "stdout"), optional(m, "stderr"));
            case "spare" -> new Spare(id(m, "spare"), optional(m, "stdout"), optional(m, "stderr"));
            default -> throw new IllegalArgumentException("unknown op " + Json.write(op));
        };
    }

    private static Map<String, Object> object(String line) {
        try {
            return Json.parseObject(line);
        } catch (JsonException e) {
            throw new IllegalArgumentException("not JSON: " + e.getMessage());
        }
    }

    /** The id of a line that must also carry a positive pid; one message for either missing. */
    private static String idWithPid(Map<String, Object> m, String what) {
        if (m.get("id") instanceof String id) return id;
        throw new IllegalArgumentException(what + " without a string id and a positive pid");
    }

    private static int pid(Map<String, Object> m, String what) {
        if (!(m.get("pid") instanceof Long pid) || pid <= 0 || pid > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(what + " without a string id and a positive pid");
        }
        return pid.intValue();
    }

    /** exit_code 0..255, or signal 1..64 with an optional core flag. */
    private static ExitStatus status(Map<String, Object> m) {
        if (m.get("exit_code") instanceof Long code && code >= 0 && code <= 255) return new ExitStatus.Exited(code.intValue());
        if (m.get("signal") instanceof Long sig && sig >= 1 && sig <= 64) {
            return new ExitStatus.Signaled(sig.intValue(), Boolean.TRUE.equals(m.get("core")));
        }
        throw new IllegalArgumentException("exited without an exit_code (0-255) or a signal (1-64)");
    }

    private static String id(Map<String, Object> m, String what) {
        if (m.get("id") instanceof String id) return id;
        throw new IllegalArgumentException(what + " without an id");
    }

    private static String optional(Map<String, Object> m, String key) {
        Object v = m.get(key);
        if (v == null || v instanceof String) return (String) v;
        throw new IllegalArgumentException(key + " must be a string");
    }

    /**
     * level debug|info|warning, msg, and the other keys as fields, in wire order. Numbers and booleans
     * keep their type and everything else becomes a string, so a field has one type on every
     * line we write: a {@code pid} is a number (one sent as a string of digits, as the original
     * did, is converted; any other string pid is left out).
     */
    private static Relayed relayed(Map<String, Object> m) {
        Map<String, Object> fields = new LinkedHashMap<>();
        for (var e : m.entrySet()) {
            String k = e.getKey();
            if (k.equals("action") || k.equals("level") || k.equals("msg")) continue;
            if (fields.size() >= MAX_FIELDS) break;
            fields.put(k, field(k, e.getValue()));
        }
        Relayed.Level level = switch (m.get("level") instanceof String l ? l : "info") {
            case "debug" -> Relayed.Level.DEBUG;
            case "warning" -> Relayed.Level.WARNING;
            default -> Relayed.Level.INFO;
        };
        return new Relayed(level, String.valueOf(m.getOrDefault("msg", "")),
                Collections.unmodifiableMap(fields));
    }

    private static Object field(String key, Object v) {
        return switch (v) {
            case null -> null;
            case Long l -> l;
            case Double d -> d;
            case Boolean b -> b;
            case String s when key.equals("pid") -> s.matches("[1-9][0-9]{0,17}") ? Long.parseLong(s) : null;
            default -> String.valueOf(v);
        };
    }
}
