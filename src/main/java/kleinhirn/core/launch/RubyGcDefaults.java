package kleinhirn.core.launch;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Ruby GC settings a preloaded pool's loader (and so every worker) gets unless our environment
 * or worker.env sets them. Why (measured on B10, docs/reforking.md): a loader compacts its heap
 * before it forks, so a worker starts with almost no free slots; its first GCs then find fewer
 * than 20% free and grow the heap by 80% of its size at once (Ruby's defaults), and Ruby writes
 * every slot of a new page: tens of MiB of private memory per worker within a second of load.
 * Growing by at most 20000 slots (~800 KiB) when under 5% is free keeps a worker near what it
 * uses. Set either variable in worker.env to override (Ruby's own defaults: 0 and 0.20).
 */
public final class RubyGcDefaults {
    public static final Map<String, String> DEFAULTS = Map.of(
            "RUBY_GC_HEAP_GROWTH_MAX_SLOTS", "20000",
            "RUBY_GC_HEAP_FREE_SLOTS_MIN_RATIO", "0.05");

    private RubyGcDefaults() {}

    /** {@code base} with the defaults beneath it: a variable {@code base} has wins. */
    public static Map<String, String> under(Map<String, String> base) {
        Map<String, String> env = new LinkedHashMap<>(new TreeMap<>(DEFAULTS)); // sorted: the same order every time;
        env.putAll(base);
        return env;
    }
}
