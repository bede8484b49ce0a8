package kleinhirn.core.pool;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import kleinhirn.core.codec.Json;

/**
 * The {@code /status} document (pool.md §Health endpoint), also the {@code state} event of the
 * control socket. Keys exactly, in this order: name, state, reason, count, ready, workers,
 * deaths_in_period, failed_starts, restarts_total, loader. Times are RFC 3339 UTC with
 * milliseconds (as in the logs) or null; a worker without a process yet has pid null. A worker
 * being recycled (its replacement is starting) also has {@code "recycling":true}; the key is
 * left out otherwise. In a preloaded pool each worker ends with {@code "generation"}, the loader
 * generation it was forked by (asked of), and the loader with its own {@code "generation"}: 1 for
 * the first loader, one more for each loader started or made by a refork since.
 */
public final class StatusJson {
    private static final DateTimeFormatter TS = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);

    private StatusJson() {}

    /** {@code loader} is null for program workers, else its pid (null while down) and phase. */
    public static String encode(String name, int count, PoolState s) {
        return encode(name, count, s, s.reason());
    }

    /** The same, saying {@code reason}: a final state on a way out the machine did not drive. */
    public static String encode(String name, int count, PoolState s, String reason) {
        StringBuilder b = new StringBuilder(256 + 160 * s.workers().size());
        b.append("{\"name\":");
        Json.quote(b, name);
        b.append(",\"state\":\"").append(s.phase().wire()).append('"');
        b.append(",\"reason\":");
        string(b, reason);
        b.append(",\"count\":").append(count);
        b.append(",\"ready\":").append(s.ready());
        b.append(",\"workers\":[");
        boolean first = true;
        for (Worker w : s.workers().values()) {
            if (!first) b.append(',');
            first = false;
            worker(b, w, s.recycles().recycling(w.id()), s.loader() == null ? null : s.reforks().generation(w.id()));
        }
        b.append("],\"deaths_in_period\":").append(s.deaths().size());
        b.append(",\"failed_starts\":").append(s.failedStreak());
        b.append(",\"restarts_total\":").append(s.counters().restarts());
        b.append(",\"loader\":");
        Loader loader = s.loader();
        if (loader == null) {
            b.append("null");
        } else {
            b.append("{\"pid\":");
            if (loader instanceof Loader.Running r) b.append(r.pid());
            else b.append("null");
            b.append(",\"state\":\"").append(loader.wire()).append('"');
            b.append(",\"generation\":").append(loader.generation()).append('}');
        }
        return b.append('}').toString();
    }

    /** {@code generation}: the loader generation it was asked of; null for a fork/exec worker. */
    private static void worker(StringBuilder b, Worker w, boolean recycling, Integer generation) {
        b.append("{\"id\":");
        Json.quote(b, w.id());
        b.append(",\"pid\":");
        if (w instanceof Worker.Running r) b.append(r.pid());
        else b.append("null");
        b.append(",\"state\":\"").append(w.wire()).append('"');
        b.append(",\"spawned_at\":");
        time(b, w.spawnedAt());
        b.append(",\"acked_at\":");
        time(b, w.ackedAt()); // a Requested worker's early ack counts once the pid is known
        b.append(",\"status\":");
        string(b, switch (w) {
            case Worker.Requested r -> null;
            case Worker.SpareRequested r -> null;
            case Worker.Spare sp -> null;
            case Worker.Booting bo -> bo.status();
            case Worker.Ready r -> r.status();
            case Worker.Leaving l -> null;
        });
        if (recycling) b.append(",\"recycling\":true");
        if (generation != null) b.append(",\"generation\":").append(generation);
        b.append('}');
    }

    /** RFC 3339 in UTC with milliseconds, the form the logs use. */
    public static String time(Instant t) {
        return TS.format(t);
    }

    private static void time(StringBuilder b, Instant t) {
        if (t == null) b.append("null");
        else b.append('"').append(TS.format(t)).append('"');
    }

    private static void string(StringBuilder b, String s) {
        if (s == null) b.append("null");
        else Json.quote(b, s);
    }
}
