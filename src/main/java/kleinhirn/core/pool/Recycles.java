package kleinhirn.core.pool;

import java.time.Instant;
import java.util.Map;

/**
 * What recycling knows, beside the workers (all maps keyed by worker id, entries only for
 * workers that exist): {@code dueAt} when a ready worker's lifetime ends; {@code memory} its last
 * unique memory reading and how many checks in a row were over max_memory; {@code swaps} the
 * recycles in flight, old worker -> its replacement; {@code totals} recycles done per cause;
 * {@code lastBegan} when the latest recycle started (null before the first), for the spacing.
 */
public record Recycles(Map<String, Instant> dueAt, Map<String, Reading> memory, Map<String, Swap> swaps,
                       Map<Cause, Long> totals, Instant lastBegan) {
    public static final Recycles NONE = new Recycles(Map.of(), Map.of(), Map.of(), Map.of(), null);

    public enum Cause {
        MEMORY, LIFETIME, REFORK;

        /** As logs and metrics say it. */
        public String wire() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** The last unique-memory reading of a worker, and how many in a row were over the limit. */
    public record Reading(long bytes, int strikes) {}

    /** A recycle in flight: {@code replacement} was asked for at {@code since}; the old worker serves on. */
    public record Swap(String replacement, Cause cause, Instant since) {}

    public long total(Cause c) {
        return totals.getOrDefault(c, 0L);
    }

    /** Whether this worker is being replaced (as /status marks it). */
    public boolean recycling(String id) {
        return swaps.containsKey(id);
    }
}
