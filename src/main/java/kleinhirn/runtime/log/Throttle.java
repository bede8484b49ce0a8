package kleinhirn.runtime.log;

import java.util.concurrent.ConcurrentHashMap;
import kleinhirn.core.log.Log;

/**
 * Rate-limits junk-input warnings: at most one line per source per second, carrying how many
 * were suppressed since the last one. The source table is bounded (sources are channels and
 * sockets, not peers), so a flood cannot grow memory either.
 */
public final class Throttle {
    private static final long PERIOD_NANOS = 1_000_000_000L;
    private static final int MAX_SOURCES = 256;

    private record Window(long startNanos, int suppressed) {}

    private final Logger logger;
    private final ConcurrentHashMap<String, Window> windows = new ConcurrentHashMap<>();

    public Throttle(Logger logger) {
        this.logger = logger;
    }

    /** Logs {@code warning} unless {@code source} already logged within the last second. */
    public void warn(String source, String msg, Object... kv) {
        long now = System.nanoTime();
        if (windows.size() > MAX_SOURCES) windows.clear();
        int[] suppressed = {-1};
        windows.compute(source, (k, w) -> {
            if (w == null || now - w.startNanos() >= PERIOD_NANOS) {
                suppressed[0] = w == null ? 0 : w.suppressed();
                return new Window(now, 0);
            }
            return new Window(w.startNanos(), w.suppressed() + 1);
        });
        if (suppressed[0] < 0) return;
        Object[] all = java.util.Arrays.copyOf(kv, kv.length + 4);
        all[kv.length] = "source";
        all[kv.length + 1] = source;
        all[kv.length + 2] = "suppressed";
        all[kv.length + 3] = suppressed[0] > 0 ? suppressed[0] : null;
        logger.log(Log.warn(msg, all));
    }
}
