package kleinhirn.core.codec;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * einhorn's command-socket lines (lib/einhorn/client.rb): one message per line, the message
 * being {@code YAML.dump(hash)} with {@code %} escaped as {@code %25} and newline as {@code %0A}.
 * JSON is YAML, so plain JSON lines work too. We read JSON and the block-mapping subset that
 * Ruby's YAML.dump writes for flat hashes (scalars, plus one level of {@code - item} lists); a
 * reply is written in the format of the request.
 */
public final class EinhornWire {
    private EinhornWire() {}

    /** A parsed request; {@code yaml} tells the reply format. */
    public record Request(Map<String, Object> fields, boolean yaml) {
        public String command() {
            return fields.get("command") instanceof String s ? s : null;
        }

        /** The pid field as an int, or -1 if absent or not a positive integer. */
        public int pid() {
            Object p = fields.get("pid");
            long v = -1;
            if (p instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())) v = n.longValue();
            else if (p instanceof String s && s.matches("[0-9]{1,10}")) v = Long.parseLong(s);
            return v > 0 && v <= Integer.MAX_VALUE ? (int) v : -1;
        }

        public Object requestId() {
            Object id = fields.get("request_id");
            return id != null ? id : fields.get("id");
        }
    }

    public static String escape(String s) {
        return s.replace("%", "%25").replace("\n", "%0A");
    }

    /** The inverse of {@link #escape}, in einhorn's order. */
    public static String unescape(String s) {
        return s.replace("%0A", "\n").replace("%25", "%");
    }

    /** Parses one line (without its newline); throws IllegalArgumentException saying why not. */
    public static Request parse(String line) {
        String text = unescape(line);
        String trimmed = text.strip();
        if (trimmed.startsWith("{")) {
            try {
                return new Request(Json.parseObject(trimmed), false);
            } catch (JsonException e) {
                throw new IllegalArgumentException("not JSON: " + e.getMessage());
            }
        }
        return new Request(yaml(text), true);
    }

    /** einhorn's reply shape: {message, request_id}; the same format as the request. */
    public static String reply(Request req, String message) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("message", message);
        Object id = req == null ? null : req.requestId();
        if (id != null) m.put("request_id", id);
        if (req != null && !req.yaml()) return Json.write(m) + "\n";
        StringBuilder b = new StringBuilder("---\n");
        for (var e : m.entrySet()) {
            b.append(e.getKey()).append(": ");
            // A JSON string or number is also a valid YAML flow scalar.
            Json.write(b, e.getValue());
            b.append('\n');
        }
        return escape(b.toString()) + "\n";
    }

    private static Map<String, Object> yaml(String text) {
        Map<String, Object> out = new LinkedHashMap<>();
        String listKey = null;
        boolean any = false;
        for (String raw : text.split("\n")) {
            String line = raw.stripTrailing();
            if (line.isEmpty() || line.startsWith("#") || line.equals("---") || line.equals("...")) continue;
            if (line.startsWith("- ") || line.startsWith("  ")) {
                String item = line.strip();
                if (listKey == null || !item.startsWith("- ")) throw new IllegalArgumentException("unsupported YAML nesting");
                @SuppressWarnings("unchecked")
                List<Object> list = (List<Object>) out.get(listKey);
                list.add(scalar(item.substring(2).strip()));
                continue;
            }
            int colon = line.indexOf(": ");
            String key = colon < 0 && line.endsWith(":") ? line.substring(0, line.length() - 1)
                    : colon < 0 ? null : line.substring(0, colon);
            if (key == null || key.isEmpty()) throw new IllegalArgumentException("not a YAML mapping line");
            Object k = scalar(key.startsWith(":") ? key.substring(1) : key);
            String value = colon < 0 ? "" : line.substring(colon + 2).strip();
            any = true;
            if (value.isEmpty()) {
                listKey = String.valueOf(k);
                out.put(listKey, new ArrayList<>());
            } else {
                listKey = null;
                out.put(String.valueOf(k), scalar(value));
            }
        }
        if (!any) throw new IllegalArgumentException("not a YAML mapping");
        return out;
    }

    private static Object scalar(String v) {
        if (v.startsWith("'") && v.endsWith("'") && v.length() >= 2) return v.substring(1, v.length() - 1).replace("''", "'");
        if (v.startsWith("\"")) {
            try {
                return Json.parse(v);
            } catch (JsonException e) {
                throw new IllegalArgumentException("bad quoted string");
            }
        }
        if (v.equals("[]")) return List.of();
        if (v.equals("~") || v.equals("null")) return null;
        if (v.equals("true") || v.equals("false")) return Boolean.parseBoolean(v);
        if (v.matches("-?[0-9]{1,18}")) return Long.parseLong(v);
        return v;
    }
}
