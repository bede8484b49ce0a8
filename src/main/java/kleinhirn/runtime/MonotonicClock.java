package kleinhirn.runtime;

import java.time.Instant;
import java.time.InstantSource;

/**
 * Wall time at start plus elapsed monotonic time: deadlines never jump when NTP steps the system
 * clock, and the instants still read as real times in logs and /status.
 */
public final class MonotonicClock implements InstantSource {
    private final Instant origin = Instant.now();
    private final long originNanos = System.nanoTime();

    @Override
    public Instant instant() {
        return origin.plusNanos(System.nanoTime() - originNanos);
    }
}
