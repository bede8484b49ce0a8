package kleinhirn.core.pool;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What reforking knows (preloaded pools with {@code refork_after}; the rules are
 * {@link ReforkRules}).
 *
 * @param scheduled   entries of the schedule used up: each attempt uses one, failed or not
 * @param failedAt    when the last attempt failed, or null if none did: the next entry counts from
 *                    the later of it and the current loader's readiness
 * @param attempt     the refork in flight, or null
 * @param highest     the highest generation an attempt took; loader generations are never reused
 * @param reforked    the generation of the last loader made by a refork, 0 before any
 *                    (generations start at 1)
 * @param generations the loader generation each worker was asked of, by worker id
 * @param retiring    loaders a refork replaced that have not left yet
 * @param succeeded   attempts that made a ready loader
 * @param failed      attempts that did not
 */
public record Reforks(int scheduled, Instant failedAt, Attempt attempt, int highest, int reforked,
                      Map<String, Integer> generations, List<Retiring> retiring, long succeeded, long failed) {
    public static final Reforks NONE = new Reforks(0, null, null, 0, 0, Map.of(), List.of(), 0, 0);

    public Reforks {
        generations = Map.copyOf(generations);
        retiring = List.copyOf(retiring);
    }

    /** A refork in flight, making the loader of {@code generation} from a worker. */
    public sealed interface Attempt {
        int generation();

        String workerId();

        int workerPid();

        /** When SIGURG went to the worker: the new loader must be ready within ack_timeout of it. */
        Instant since();
    }

    /** The worker was told to refork (SIGURG); no new loader has said {@code reforked} yet. */
    public record Asked(int generation, String workerId, int workerPid, Instant since) implements Attempt {}

    /** The new loader ({@code pid}) said {@code reforked} and is compacting; not ready yet. */
    public record Loading(int generation, String workerId, int workerPid, int pid, Instant since) implements Attempt {}

    /**
     * A loader a refork replaced. It is kept while requests it may still answer are in flight
     * ({@code killAt} null: not asked to leave yet); then it gets stop_signal, and SIGKILL at
     * {@code killAt}.
     */
    public record Retiring(int generation, int pid, Instant killAt) {}

    /** The loader generation this worker was asked of; 0 for a fork/exec pool's worker. */
    public int generation(String workerId) {
        return generations.getOrDefault(workerId, 0);
    }

    Reforks withAttempt(Attempt a) {
        return new Reforks(scheduled, failedAt, a, highest, reforked, generations, retiring, succeeded, failed);
    }

    Reforks started(Asked a) {
        return new Reforks(scheduled + 1, failedAt, a, a.generation(), reforked, generations, retiring, succeeded, failed);
    }

    Reforks failedAt(Instant t) {
        return new Reforks(scheduled, t, null, highest, reforked, generations, retiring, succeeded, failed + 1);
    }

    /** The attempt's loader took over; the one it replaced retires. */
    Reforks succeeded(Retiring previous) {
        List<Retiring> r = new java.util.ArrayList<>(retiring);
        r.add(previous);
        return new Reforks(scheduled, failedAt, null, highest, attempt.generation(), generations, r, succeeded + 1, failed);
    }

    Reforks withGenerations(Map<String, Integer> g) {
        return new Reforks(scheduled, failedAt, attempt, highest, reforked, g, retiring, succeeded, failed);
    }

    Reforks withRetiring(List<Retiring> r) {
        return new Reforks(scheduled, failedAt, attempt, highest, reforked, generations, r, succeeded, failed);
    }
}
