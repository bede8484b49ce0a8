package kleinhirn.core.pool;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import kleinhirn.core.Step;
import kleinhirn.core.log.Level;
import kleinhirn.core.log.Log;
import kleinhirn.core.pool.PoolEffect.Emit;
import kleinhirn.core.pool.PoolState.Counters;
import kleinhirn.core.pool.PoolState.Unclaimed;

/**
 * The mutable working copy of one step: {@link PoolMachine} copies the state in, the rules
 * ({@link WorkerRules}, {@link LoaderRules}, {@link StopRules}, {@link Deadlines},
 * {@link RecycleRules}, {@link ReforkRules}) change it and
 * add effects, and {@link #result} freezes it again. Never shared: one step, one copy; the input
 * state is untouched.
 */
final class Turn {
    final PoolConfig cfg;
    final PoolState in;
    final Instant now;
    final LinkedHashMap<String, Worker> workers;
    final LinkedHashMap<Integer, Unclaimed> unclaimed;
    final List<PoolEffect> fx = new ArrayList<>();
    RestartBudget budget;
    boolean everRan;
    long spawnsTotal;
    Counters counters;
    boolean childrenGone;
    Shutdown shutdown;
    Loader loader;
    final LinkedHashMap<String, Instant> dueAt;
    final LinkedHashMap<String, Recycles.Reading> memory;
    final LinkedHashMap<String, Recycles.Swap> swaps;
    final java.util.EnumMap<Recycles.Cause, Long> totals = new java.util.EnumMap<>(Recycles.Cause.class);
    Instant lastRecycleBegan;
    Reforks reforks;

    Turn(PoolConfig cfg, PoolState s, Instant now) {
        this.cfg = cfg;
        this.in = s;
        this.now = now;
        workers = new LinkedHashMap<>(s.workers());
        unclaimed = new LinkedHashMap<>(s.unclaimed());
        budget = s.budget();
        everRan = s.everRan();
        spawnsTotal = s.spawnsTotal();
        counters = s.counters();
        childrenGone = s.childrenGone();
        shutdown = s.shutdown();
        loader = s.loader();
        dueAt = new LinkedHashMap<>(s.recycles().dueAt());
        memory = new LinkedHashMap<>(s.recycles().memory());
        swaps = new LinkedHashMap<>(s.recycles().swaps());
        totals.putAll(s.recycles().totals());
        lastRecycleBegan = s.recycles().lastBegan();
        reforks = s.reforks();
    }

    boolean stopping() {
        return shutdown != null;
    }

    Worker byPid(int pid) {
        if (pid <= 0) return null;
        for (Worker w : workers.values()) if (w instanceof Worker.Running r && r.pid() == pid) return w;
        return null;
    }

    int ready() {
        int n = 0;
        for (Worker w : workers.values()) if (w instanceof Worker.Ready) n++;
        return n;
    }

    /** Workers that count toward {@code count}: all but spares and those on their way out. */
    int live() {
        int n = 0;
        for (Worker w : workers.values()) {
            switch (w) {
                case Worker.Leaving l -> { }
                case Worker.Spare s -> { }
                case Worker.SpareRequested r -> { }
                case Worker.Requested r -> n++;
                case Worker.Booting b -> n++;
                case Worker.Ready r -> n++;
            }
        }
        return n;
    }

    void log(Log l) {
        fx.add(new Emit(l));
    }

    void failedStart() {
        budget = budget.failedStart(now);
        counters = counters.failedStart();
    }

    Instant watchdogFrom(Instant t) {
        return cfg.watchdog() == null ? null : t.plus(cfg.watchdog());
    }

    /** Freezes the working copy: the budget's verdict, the phase change log, the next wake-up. */
    Step<PoolState, PoolEffect> result() {
        int ready = ready();
        budget = budget.judged(now, ready, cfg.count());
        if (!stopping() && !budget.faulted() && ready >= cfg.count()) everRan = true;
        PoolState out = new PoolState(cfg.count(), Collections.unmodifiableMap(workers), budget, everRan, spawnsTotal,
                counters, Collections.unmodifiableMap(unclaimed), childrenGone, shutdown, in.seed(), in.startedAt(), loader,
                new Recycles(Collections.unmodifiableMap(dueAt), Collections.unmodifiableMap(memory),
                        Collections.unmodifiableMap(swaps), Collections.unmodifiableMap(totals), lastRecycleBegan), reforks);
        Phase phase = out.phase();
        if (phase != in.phase()) {
            String reason = out.reason();
            fx.add(new Emit(Log.of(phase == Phase.FAULTED ? Level.ERROR : Level.INFO, "state changed",
                    "from", in.phase().wire(), "to", phase.wire(), "reason", reason.isEmpty() ? null : reason)));
        }
        return new Step<>(out, actionsFirst(fx), DeadlineRules.nextWake(this));
    }

    /**
     * The effects in the order the loop performs them: what changes processes (signals, spawns,
     * spawn requests) first, the log lines after them, an Exit last (the loop stops there). A
     * replacement's latency should not include formatting and writing the death's log line.
     * Within each group the rules' order is kept.
     */
    static List<PoolEffect> actionsFirst(List<PoolEffect> fx) {
        List<PoolEffect> actions = new ArrayList<>(fx.size()), logs = new ArrayList<>(), exits = new ArrayList<>(1);
        for (PoolEffect f : fx) {
            switch (f) {
                case Emit e -> logs.add(e);
                case PoolEffect.Exit x -> exits.add(x);
                case PoolEffect.Spawn s -> actions.add(s);
                case PoolEffect.SpawnSpare s -> actions.add(s);
                case PoolEffect.Signal s -> actions.add(s);
                case PoolEffect.SignalStrays s -> actions.add(s);
                case PoolEffect.Forget g -> actions.add(g);
                case PoolEffect.StartLoader l -> actions.add(l);
                case PoolEffect.Refork r -> actions.add(r);
                case PoolEffect.UseLoader u -> actions.add(u);
            }
        }
        actions.addAll(logs);
        actions.addAll(exits);
        return actions;
    }
}
