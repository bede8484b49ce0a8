package kleinhirn.core.codec;

import java.util.List;
import java.util.Map;

/**
 * Writes TOML that {@link Toml} reads back: tables, {@code key = value} lines, strings, numbers,
 * booleans, arrays and inline tables (anything else is written with its toString).
 */
public final class TomlWriter {
    private final StringBuilder b = new StringBuilder();

    /** Starts {@code [name]}, after a blank line unless it is the first. */
    public TomlWriter table(String name) {
        if (!b.isEmpty()) b.append('\n');
        b.append('[').append(name).append("]\n");
        return this;
    }

    public TomlWriter kv(String key, Object value) {
        b.append(key).append(" = ");
        value(value);
        b.append('\n');
        return this;
    }

    /** A line written as given, for values this writer has no type for. */
    public TomlWriter raw(String key, String toml) {
        b.append(key).append(" = ").append(toml).append('\n');
        return this;
    }

    public String text() {
        return b.toString();
    }

    private void value(Object v) {
        switch (v) {
            case String s -> Escaper.JSON.quote(b, s); // JSON's escapes are valid TOML basic-string escapes
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
                    Escaper.JSON.quote(b, String.valueOf(en.getKey()));
                    b.append(" = ");
                    value(en.getValue());
                }
                b.append(m.isEmpty() ? "}" : " }");
            }
            default -> b.append(v);
        }
    }
}
