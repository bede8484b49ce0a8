package kleinhirn.core.pool;

import java.time.Duration;
import java.util.List;

/**
 * The recycling knobs (make-before-break): {@code maxMemory} in bytes of unique memory, null
 * when not checked; {@code maxLifetime} null when workers live forever; {@code spacing} the least
 * time between the starts of two recycles; {@code reforkAfter} the refork schedule, empty when
 * none (preloaded pools only).
 */
public record Recycling(Long maxMemory, Duration memoryCheckInterval, Duration maxLifetime, Duration lifetimeJitter,
                        int maxRecycling, Duration spacing, List<Duration> reforkAfter) {
    public static final Duration DEFAULT_MEMORY_CHECK_INTERVAL = Duration.ofSeconds(5);
    public static final Duration DEFAULT_SPACING = Duration.ofSeconds(1);

    /** Nothing is recycled: the defaults. */
    public static final Recycling NONE = new Recycling(null, DEFAULT_MEMORY_CHECK_INTERVAL, null, Duration.ZERO, 1,
            DEFAULT_SPACING, List.of());

    public Recycling {
        reforkAfter = List.copyOf(reforkAfter);
    }

    /** Over the limit on this many consecutive checks: recycled. One high reading is not enough. */
    static final int STRIKES = 2;

    /** A worker's lifetime, drawn from [maxLifetime, maxLifetime + jitter) by the seeded hash of its id. */
    Duration lifetime(long seed, String id) {
        long jitterNanos = lifetimeJitter.toNanos();
        if (jitterNanos <= 0) return maxLifetime;
        double fraction = (Ids.mix(seed ^ Ids.mix(id.hashCode())) >>> 11) * 0x1.0p-53; // [0, 1)
        return maxLifetime.plusNanos(Math.min(jitterNanos - 1, (long) (fraction * jitterNanos)));
    }
}
