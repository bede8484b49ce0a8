package kleinhirn.core.pool;

import java.time.Instant;

/**
 * One slot's lifecycle. A pid exists only once the process does: {@link Requested} has none,
 * every {@link Running} state has one. {@code status} is the last sd_notify STATUS= text (null
 * if none).
 */
public sealed interface Worker {
    String id();

    Instant spawnedAt();

    /** Asked for (a loader spawn request in flight); no pid yet. An ack may already have come. */
    record Requested(String id, Instant spawnedAt, Instant earlyAck) implements Worker {}

    /** A spare asked of the loader (worker.spares); no pid yet. Never counts toward {@code count}. */
    record SpareRequested(String id, Instant spawnedAt) implements Worker {}

    /** A worker with a process. */
    sealed interface Running extends Worker permits Spare, Booting, Ready, Leaving {
        int pid();
    }

    /**
     * Forked and parked before the start expression; not ready, not counted. Promoted (same pid,
     * SIGCONT) to {@link Booting} when a worker is lost.
     */
    record Spare(String id, int pid, Instant spawnedAt) implements Running {}

    /** Running, not yet acked; broken if still here at spawnedAt + ack_timeout. */
    record Booting(String id, int pid, Instant spawnedAt, String status) implements Running {}

    /**
     * Acked. {@code established} once it has stayed ready for min_uptime (its death then no
     * longer counts as a failed start); {@code watchdogAt} is the next watchdog deadline, or null
     * when no watchdog is configured.
     */
    record Ready(String id, int pid, Instant spawnedAt, Instant ackedAt, boolean established,
                 Instant watchdogAt, String status) implements Running {}

    /**
     * On its way out: marked broken (ack timeout, watchdog), announced STOPPING=1, stopped by
     * shutdown, or replaced by a recycle (its exit is then not a death). Gets SIGKILL at {@code killAt} (null once sent or when no kill is planned).
     */
    record Leaving(String id, int pid, Instant spawnedAt, Instant ackedAt, Instant killAt, Why why) implements Running {}

    enum Why { BROKEN, STOPPING, SHUTDOWN, RECYCLED }

    /** As in /status: spare, booting, ready, broken, stopping. */
    default String wire() {
        return switch (this) {
            case SpareRequested r -> "spare";
            case Spare s -> "spare";
            case Requested r -> "booting";
            case Booting b -> "booting";
            case Ready r -> "ready";
            case Leaving l -> l.why() == Why.BROKEN ? "broken" : "stopping";
        };
    }

    /** When it acked, if it did and it still counts (Requested's early ack counts once launched). */
    default Instant ackedAt() {
        return switch (this) {
            case SpareRequested r -> null;
            case Spare s -> null;
            case Requested r -> null;
            case Booting b -> null;
            case Ready r -> r.ackedAt();
            case Leaving l -> l.ackedAt();
        };
    }
}
