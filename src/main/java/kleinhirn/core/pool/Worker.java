package kleinhirn.core.pool;

import java.time.Instant;

/**
 * One slot's lifecycle. A pid exists only once the process does. {@code status} is the last
 * sd_notify STATUS= text (null if none).
 */
public sealed interface Worker {
    String id();

    Instant spawnedAt();

    /** Asked for (a loader spawn request in flight); no pid yet. An ack may already have come. */
    record Requested(String id, Instant spawnedAt, Instant earlyAck) implements Worker {}

    /** Running, not yet acked; broken if still here at spawnedAt + ack_timeout. */
    record Booting(String id, int pid, Instant spawnedAt, String status) implements Worker {}

    /**
     * Acked. {@code established} once it has stayed ready for min_uptime (its death then no
     * longer counts as a failed start); {@code watchdogAt} is the next watchdog deadline or null.
     */
    record Ready(String id, int pid, Instant spawnedAt, Instant ackedAt, boolean established,
                 Instant watchdogAt, String status) implements Worker {}

    /**
     * On its way out: marked broken (ack timeout, watchdog), announced STOPPING=1, or stopped by
     * shutdown. Gets SIGKILL at {@code killAt} (null once sent or when no kill is planned).
     */
    record Leaving(String id, int pid, Instant spawnedAt, Instant ackedAt, Instant killAt, Why why) implements Worker {}

    enum Why { BROKEN, STOPPING, SHUTDOWN }

    /** The pid, or -1 for a Requested worker. */
    default int pid() {
        return switch (this) {
            case Requested r -> -1;
            case Booting b -> b.pid();
            case Ready r -> r.pid();
            case Leaving l -> l.pid();
        };
    }

    /** As in /status: booting, ready, broken, stopping. */
    default String wire() {
        return switch (this) {
            case Requested r -> "booting";
            case Booting b -> "booting";
            case Ready r -> "ready";
            case Leaving l -> l.why() == Why.BROKEN ? "broken" : "stopping";
        };
    }
}
