package kleinhirn.core.codec;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small, strict JSON (RFC 8259) reader and writer, so the supervisor needs no library for its
 * config files, ack lines, loader messages and state documents.
 *
 * <p>Reading yields {@code Map<String,Object>} (insertion-ordered), {@code List<Object>},
 * {@code String}, {@code Long} (integers that fit), {@code Double}, {@code Boolean} and Java
 * {@code null}. Malformed input throws {@link JsonException} with the offset; nesting deeper than
 * {@link #MAX_DEPTH} is refused so hostile input cannot overflow the stack.
 */
public final class Json {
    public static final int MAX_DEPTH = 64;

    private final String s;
    /** Refuse an object that repeats a key (RFC 8259 leaves it open; a config must not). */
    private final boolean uniqueKeys;
    private int i;

    private Json(String s, boolean uniqueKeys) {
        this.s = s;
        this.uniqueKeys = uniqueKeys;
    }

    public static Object parse(String text) {
        return parse(text, false);
    }

    private static Object parse(String text, boolean uniqueKeys) {
        Json p = new Json(text, uniqueKeys);
        p.ws();
        Object v = p.value(0, "");
        p.ws();
        if (p.i != text.length()) throw p.error("trailing characters");
        return v;
    }

    /** Parses and requires an object at the top level. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> parseObject(String text) {
        if (parse(text) instanceof Map<?, ?> m) return (Map<String, Object>) m;
        throw new JsonException("expected a JSON object", 0);
    }

    /**
     * Like {@link #parseObject}, for documents such as config files: a key repeated in one
     * object is an error that names it by its dotted path ("worker.count: duplicate key").
     */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> parseDocument(String text) {
        if (parse(text, true) instanceof Map<?, ?> m) return (Map<String, Object>) m;
        throw new JsonException("expected a JSON object", 0);
    }

    private Object value(int depth, String path) {
        if (depth > MAX_DEPTH) throw error("nested too deeply");
        if (i >= s.length()) throw error("unexpected end of input");
        char c = s.charAt(i);
        return switch (c) {
            case '{' -> object(depth, path);
            case '[' -> array(depth, path);
            case '"' -> string();
            case 't' -> literal("true", Boolean.TRUE);
            case 'f' -> literal("false", Boolean.FALSE);
            case 'n' -> literal("null", null);
            default -> {
                if (c == '-' || (c >= '0' && c <= '9')) yield number();
                throw error("unexpected character '" + c + "'");
            }
        };
    }

    private Map<String, Object> object(int depth, String path) {
        Map<String, Object> m = new LinkedHashMap<>();
        i++;
        ws();
        if (peek() == '}') { i++; return m; }
        while (true) {
            ws();
            if (peek() != '"') throw error("expected a string key");
            int at = i;
            String k = string();
            String keyPath = path.isEmpty() ? k : path + "." + k;
            if (uniqueKeys && m.containsKey(k)) throw error(keyPath + ": duplicate key", at);
            ws();
            expect(':');
            ws();
            m.put(k, value(depth + 1, keyPath));
            ws();
            char c = next();
            if (c == '}') return m;
            if (c != ',') throw error("expected ',' or '}'", i - 1);
        }
    }

    private List<Object> array(int depth, String path) {
        List<Object> l = new ArrayList<>();
        i++;
        ws();
        if (peek() == ']') { i++; return l; }
        while (true) {
            ws();
            l.add(value(depth + 1, path));
            ws();
            char c = next();
            if (c == ']') return l;
            if (c != ',') throw error("expected ',' or ']'", i - 1);
        }
    }

    private String string() {
        expect('"');
        StringBuilder b = null;
        int start = i;
        while (true) {
            if (i >= s.length()) throw error("unterminated string");
            char c = s.charAt(i);
            if (c == '"') {
                String r = b == null ? s.substring(start, i) : b.append(s, start, i).toString();
                i++;
                return r;
            }
            if (c < 0x20) throw error("control character in string");
            if (c == '\\') {
                if (b == null) b = new StringBuilder();
                b.append(s, start, i);
                i++;
                char e = next();
                switch (e) {
                    case '"' -> b.append('"');
                    case '\\' -> b.append('\\');
                    case '/' -> b.append('/');
                    case 'b' -> b.append('\b');
                    case 'f' -> b.append('\f');
                    case 'n' -> b.append('\n');
                    case 'r' -> b.append('\r');
                    case 't' -> b.append('\t');
                    case 'u' -> {
                        if (i + 4 > s.length()) throw error("short \\u escape");
                        int cp = 0;
                        for (int k = 0; k < 4; k++) {
                            int d = Character.digit(s.charAt(i + k), 16);
                            if (d < 0) throw error("bad \\u escape");
                            cp = cp * 16 + d;
                        }
                        i += 4;
                        b.append((char) cp);
                    }
                    default -> throw error("bad escape '\\" + e + "'", i - 1);
                }
                start = i;
            } else {
                i++;
            }
        }
    }

    private Object number() {
        int start = i;
        if (peek() == '-') i++;
        if (peek() == '0') i++;
        else if (!digits()) throw error("bad number");
        boolean integral = true;
        if (peek() == '.') { i++; integral = false; if (!digits()) throw error("bad number"); }
        if (peek() == 'e' || peek() == 'E') {
            i++;
            integral = false;
            if (peek() == '+' || peek() == '-') i++;
            if (!digits()) throw error("bad number");
        }
        String t = s.substring(start, i);
        if (integral) {
            try { return Long.parseLong(t); } catch (NumberFormatException tooBig) { /* fall through */ }
        }
        return Double.parseDouble(t);
    }

    private boolean digits() {
        int start = i;
        while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9') i++;
        return i > start;
    }

    private Object literal(String word, Object v) {
        if (!s.startsWith(word, i)) throw error("unexpected token");
        i += word.length();
        return v;
    }

    private void ws() {
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return;
            i++;
        }
    }

    private char peek() { return i < s.length() ? s.charAt(i) : '\0'; }

    private char next() {
        if (i >= s.length()) throw error("unexpected end of input");
        return s.charAt(i++);
    }

    private void expect(char c) {
        if (next() != c) throw error("expected '" + c + "'", i - 1);
    }

    private JsonException error(String why) { return error(why, i); }

    private JsonException error(String why, int at) { return new JsonException(why, at); }

    // ---- writing ----

    /** Writes maps, lists, strings, numbers, booleans and null as compact JSON. */
    public static String write(Object v) {
        StringBuilder b = new StringBuilder();
        write(b, v);
        return b.toString();
    }

    public static void write(StringBuilder b, Object v) {
        switch (v) {
            case null -> b.append("null");
            case String str -> quote(b, str);
            case Boolean bool -> b.append(bool);
            case Integer n -> b.append(n);
            case Long n -> b.append(n);
            case Number n -> b.append(n);
            case Map<?, ?> m -> {
                b.append('{');
                boolean first = true;
                for (var e : m.entrySet()) {
                    if (!first) b.append(',');
                    first = false;
                    quote(b, String.valueOf(e.getKey()));
                    b.append(':');
                    write(b, e.getValue());
                }
                b.append('}');
            }
            case Iterable<?> it -> {
                b.append('[');
                boolean first = true;
                for (Object o : it) {
                    if (!first) b.append(',');
                    first = false;
                    write(b, o);
                }
                b.append(']');
            }
            default -> quote(b, v.toString());
        }
    }

    /** Appends s as a JSON string literal; control characters are always escaped. */
    public static void quote(StringBuilder b, String s) {
        Escaper.JSON.quote(b, s);
    }

    public static String quote(String s) {
        return Escaper.JSON.quoted(s);
    }
}
