package kleinhirn.core.codec;

import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A strict TOML 1.0.0 reader, so the supervisor needs no library for its config files.
 *
 * <p>Yields the same shapes as {@link Json}: tables and inline tables are insertion-ordered
 * {@code LinkedHashMap<String,Object>}, arrays (and arrays of tables) are {@code List<Object>},
 * strings {@code String}, integers {@code Long}, floats {@code Double} (including infinities and
 * NaN), booleans {@code Boolean}, and dates and times {@link OffsetDateTime}, {@link
 * LocalDateTime}, {@link LocalDate} or {@link LocalTime}. Anything the specification does not allow
 * throws {@link TomlException} with a 1-based line and column.
 *
 * <p>The redefinition rules are enforced by remembering how each table came to be: implicitly as
 * the parent in a {@code [a.b]} header, by dotted keys, or by its own header. Inline tables and
 * arrays written as values are never in that record, which is what makes them immutable.
 */
public final class Toml {
    /** Arrays and inline tables nested deeper than this are refused. */
    public static final int MAX_DEPTH = 64;

    /** Created as a parent in a header; may still get its own header once. */
    private static final Integer IMPLICIT = 1;
    /** Created or entered by dotted keys; can take more dotted keys, never a header. */
    private static final Integer DOTTED = 2;
    /** Has had its own header (or is the root, or an array-of-tables element). */
    private static final Integer DEFINED = 3;
    /** A list made by [[...]] headers; every other list is a static array. */
    private static final Integer TABLE_ARRAY = 4;

    private final TomlCursor c;
    private final Map<String, Object> root = new LinkedHashMap<>();
    private final IdentityHashMap<Object, Integer> kinds = new IdentityHashMap<>();

    private Toml(String text) { this.c = new TomlCursor(text); }

    public static Map<String, Object> parse(String text) {
        Toml p = new Toml(text);
        p.document();
        return p.root;
    }

    private void document() {
        kinds.put(root, DEFINED);
        if (c.peek() == '\uFEFF') c.i++;
        Map<String, Object> table = root;
        while (true) {
            c.blankLines();
            if (c.atEnd()) return;
            if (c.peek() == '[') {
                table = header();
                c.endOfLine("the table header");
            } else {
                keyValue(table, null, 0);
                c.endOfLine("the value");
            }
        }
    }

    // ---- [table] and [[array.of.tables]] ----

    @SuppressWarnings("unchecked")
    private Map<String, Object> header() {
        boolean array = c.peek(1) == '[';
        c.i += array ? 2 : 1;
        TomlCursor.Key k = c.key();
        if (c.peek() != ']') throw c.error("expected '.' or ']' in table header, found " + c.describe());
        c.i++;
        if (array) {
            if (c.peek() != ']') throw c.error("expected ']]' to close the array-of-tables header");
            c.i++;
        }
        Map<String, Object> t = root;
        for (int n = 0; n < k.last(); n++) {
            Object v = t.get(k.parts()[n]);
            if (v == null) {
                t = newTable(t, k.parts()[n], IMPLICIT);
            } else if (v instanceof Map<?, ?> m && kinds.containsKey(m)) {
                t = (Map<String, Object>) m;
            } else if (v instanceof List<?> l && kinds.get(l) == TABLE_ARRAY) {
                t = (Map<String, Object>) l.getLast();
            } else {
                throw c.error("cannot add to '" + k.name(n) + "': it is " + what(v), k.at()[n]);
            }
        }
        String name = k.parts()[k.last()];
        Object v = t.get(name);
        int at = k.at()[k.last()];
        if (array) {
            List<Object> l;
            if (v == null) {
                l = new ArrayList<>();
                kinds.put(l, TABLE_ARRAY);
                t.put(name, l);
            } else if (v instanceof List<?> old && kinds.get(old) == TABLE_ARRAY) {
                l = (List<Object>) old;
            } else {
                throw c.error("cannot make '" + k.name(k.last()) + "' an array of tables: it is already " + what(v), at);
            }
            Map<String, Object> element = new LinkedHashMap<>();
            kinds.put(element, DEFINED);
            l.add(element);
            return element;
        }
        if (v == null) return newTable(t, name, DEFINED);
        if (v instanceof Map<?, ?> m && kinds.get(m) == IMPLICIT) {
            kinds.put(m, DEFINED);
            return (Map<String, Object>) m;
        }
        String why = v instanceof Map<?, ?> m && kinds.get(m) == DEFINED ? "table [" + k.name(k.last()) + "] is defined twice"
                : "cannot define table [" + k.name(k.last()) + "]: it is already " + what(v);
        throw c.error(why, at);
    }

    private Map<String, Object> newTable(Map<String, Object> parent, String name, Integer kind) {
        Map<String, Object> t = new LinkedHashMap<>();
        kinds.put(t, kind);
        parent.put(name, t);
        return t;
    }

    // ---- key = value ----

    /**
     * Reads {@code key = value} into table. Outside inline tables (open == null) dotted keys may
     * enter tables made by dotted keys or implicitly by headers; inside one they may only enter
     * tables that the same inline table's dotted keys made, which are collected in open.
     */
    @SuppressWarnings("unchecked")
    private void keyValue(Map<String, Object> table, IdentityHashMap<Object, Boolean> open, int depth) {
        TomlCursor.Key k = c.key();
        if (c.peek() != '=') throw c.error("expected '=' after key, found " + c.describe());
        c.i++;
        Map<String, Object> t = table;
        for (int n = 0; n < k.last(); n++) {
            Object v = t.get(k.parts()[n]);
            if (v == null) {
                Map<String, Object> m = new LinkedHashMap<>();
                if (open == null) kinds.put(m, DOTTED);
                else open.put(m, Boolean.TRUE);
                t.put(k.parts()[n], m);
                t = m;
            } else if (v instanceof Map<?, ?> m && (open == null ? dottedMayEnter(m) : open.containsKey(m))) {
                t = (Map<String, Object>) m;
            } else {
                throw c.error("cannot add to '" + k.name(n) + "' with a dotted key: it is " + what(v), k.at()[n]);
            }
        }
        String name = k.parts()[k.last()];
        if (t.containsKey(name)) {
            Object v = t.get(name);
            String why = "duplicate key '" + k.name(k.last()) + "'";
            if (open != null && open.containsKey(v)) why += ": it is already a table defined by dotted keys";
            else if (v instanceof Map<?, ?> || v instanceof List<?>) why += ": it is already " + what(v);
            throw c.error(why, k.at()[k.last()]);
        }
        c.ws();
        t.put(name, value(depth));
    }

    private boolean dottedMayEnter(Map<?, ?> m) {
        Integer kind = kinds.get(m);
        if (kind == IMPLICIT) kinds.put(m, DOTTED);
        return kind == IMPLICIT || kind == DOTTED;
    }

    /** How an existing value is described when something clashes with it. */
    private String what(Object v) {
        Integer kind = kinds.get(v);
        return switch (v) {
            case Map<?, ?> _ when kind == null -> "an inline table, which cannot be extended";
            case Map<?, ?> _ when kind == DEFINED -> "a table defined by its own header";
            case Map<?, ?> _ when kind == DOTTED -> "a table defined by dotted keys";
            case Map<?, ?> _ -> "a table";
            case List<?> _ when kind == TABLE_ARRAY -> "an array of tables";
            case List<?> _ -> "a static array, which cannot be extended";
            case String _ -> "a string";
            case Long _ -> "an integer";
            case Double _ -> "a float";
            case Boolean _ -> "a boolean";
            default -> "a date or time";
        };
    }

    // ---- values ----

    private Object value(int depth) {
        char ch = c.peek();
        switch (ch) {
            case '"':
                return c.startsWith("\"\"\"") ? c.multiLineBasicString() : c.basicString();
            case '\'':
                return c.startsWith("'''") ? c.multiLineLiteralString() : c.literalString();
            case '[':
                return array(depth);
            case '{':
                return inlineTable(depth);
            case 't':
                if (c.startsWith("true")) {
                    c.i += 4;
                    return Boolean.TRUE;
                }
                break;
            case 'f':
                if (c.startsWith("false")) {
                    c.i += 5;
                    return Boolean.FALSE;
                }
                break;
            default:
                if (TomlCursor.isDigit(ch) || ch == '+' || ch == '-' || ch == 'i' || ch == 'n') return TomlScalars.read(c);
        }
        if (TomlCursor.isBare(ch)) throw c.error("expected a value, found " + c.describe() + " (strings must be quoted)");
        throw c.error("expected a value, found " + c.describe());
    }

    private List<Object> array(int depth) {
        if (depth >= MAX_DEPTH) throw c.error("arrays and inline tables nested too deeply");
        int open = c.i;
        c.i++;
        List<Object> l = new ArrayList<>();
        while (true) {
            c.blankLines();
            if (c.peek() == ']') break;
            l.add(value(depth + 1));
            c.blankLines();
            if (c.peek() == ']') break;
            if (c.atEnd()) throw c.error("unterminated array", open);
            if (c.peek() != ',') throw c.error("expected ',' or ']' in array, found " + c.describe());
            c.i++;
        }
        c.i++;
        return l;
    }

    private Map<String, Object> inlineTable(int depth) {
        if (depth >= MAX_DEPTH) throw c.error("arrays and inline tables nested too deeply");
        c.i++;
        Map<String, Object> m = new LinkedHashMap<>();
        IdentityHashMap<Object, Boolean> open = new IdentityHashMap<>();
        c.ws();
        if (c.peek() == '}') {
            c.i++;
            return m;
        }
        while (true) {
            c.ws();
            if (c.peek() == '}') throw c.error("trailing comma in inline table");
            noNewlineInInlineTable();
            keyValue(m, open, depth + 1);
            c.ws();
            if (c.peek() == '}') break;
            noNewlineInInlineTable();
            if (c.peek() != ',') throw c.error("expected ',' or '}' in inline table, found " + c.describe());
            c.i++;
        }
        c.i++;
        return m;
    }

    private void noNewlineInInlineTable() {
        if (c.atEnd()) throw c.error("unterminated inline table");
        if (c.atNewline()) throw c.error("inline tables must be on one line");
    }
}
