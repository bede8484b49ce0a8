package kleinhirn.core.log;

import java.util.Arrays;
import java.util.List;

/**
 * One structured log record: a message and ordered key/value fields (alternating). A machine
 * returns these as effects; the runtime encodes and writes them.
 */
public record Log(Level level, String msg, String tag, List<Object> kv) {
    public Log {
        if (kv.size() % 2 != 0) throw new IllegalArgumentException("odd key/value list for " + msg);
        kv = java.util.Collections.unmodifiableList(new java.util.ArrayList<>(kv)); // values may be null
    }

    public static Log of(Level level, String msg, Object... kv) {
        return new Log(level, msg, null, Arrays.asList(kv));
    }

    public static Log info(String msg, Object... kv) { return of(Level.INFO, msg, kv); }

    public static Log warn(String msg, Object... kv) { return of(Level.WARNING, msg, kv); }

    public static Log error(String msg, Object... kv) { return of(Level.ERROR, msg, kv); }

    public static Log debug(String msg, Object... kv) { return of(Level.DEBUG, msg, kv); }
}
