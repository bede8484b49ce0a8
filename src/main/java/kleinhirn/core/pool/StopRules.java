package kleinhirn.core.pool;

import java.time.Instant;
import java.util.List;
import kleinhirn.core.Sig;
import kleinhirn.core.log.Log;
import kleinhirn.core.pool.PoolEffect.Signal;
import kleinhirn.core.pool.Shutdown.Draining;
import kleinhirn.core.pool.Shutdown.Killed;
import kleinhirn.core.pool.Shutdown.Sweeping;
import kleinhirn.core.pool.Worker.Booting;
import kleinhirn.core.pool.Worker.Leaving;
import kleinhirn.core.pool.Worker.Ready;
import kleinhirn.core.pool.Worker.Requested;
import kleinhirn.core.pool.Worker.Why;

/** Stopping the set (pool.md §Shutdown) and passing signals on. */
final class StopRules {
    private StopRules() {}

    static void stop(Turn t, boolean force, String cause) {
        if (t.shutdown == null) {
            t.shutdown = new Draining(cause, t.now.plus(t.cfg.stopTimeout()));
            t.log(Log.info("stopping", "cause", cause, "signal", Sig.name(t.cfg.stopSignal()),
                    "stop_timeout_ms", t.cfg.stopTimeout().toMillis()));
            for (Worker w : List.copyOf(t.workers.values())) {
                switch (w) {
                    case Requested r -> { } // nothing runs yet; a late launch is stopped on arrival
                    case Worker.SpareRequested r -> { }
                    case Worker.Spare s -> leave(t, s);
                    case Booting b -> leave(t, b);
                    case Ready r -> leave(t, r);
                    case Leaving l -> leave(t, l);
                }
            }
            if (t.loader instanceof Loader.Running l) t.fx.add(new Signal(l.pid(), t.cfg.stopSignal(), true));
            if (!force) return;
        }
        // Every further request kills again: new strays may have appeared since.
        t.log(Log.warn("killing everything", "cause", cause));
        killAll(t);
    }

    static void leave(Turn t, Worker.Running w) {
        t.fx.add(new Signal(w.pid(), t.cfg.stopSignal(), true));
        // No per-worker kill deadline: the shutdown's own deadline kills everything at once.
        t.workers.put(w.id(), new Leaving(w.id(), w.pid(), w.spawnedAt(), w.ackedAt(), null, Why.SHUTDOWN));
    }

    /** When a worker launched during the shutdown gets SIGKILL: with the rest, or now if that was done. */
    static Instant killAt(Turn t) {
        return switch (t.shutdown) {
            case Draining d -> d.killAt();
            case Sweeping s -> s.killAt();
            case Killed k -> t.now;
        };
    }

    static void killAll(Turn t) {
        for (Worker w : t.workers.values()) {
            if (w instanceof Worker.Running r) t.fx.add(new Signal(r.pid(), Sig.KILL, true));
        }
        if (t.loader instanceof Loader.Running l) t.fx.add(new Signal(l.pid(), Sig.KILL, true));
        t.fx.add(new PoolEffect.SignalStrays(Sig.KILL));
        t.shutdown = new Killed(t.shutdown.cause());
    }

    /** The shutdown deadline: SIGKILL for whatever is left. */
    static void expire(Turn t) {
        Instant killAt = switch (t.shutdown) {
            case null -> null;
            case Draining d -> d.killAt();
            case Sweeping s -> s.killAt();
            case Killed k -> null;
        };
        if (killAt != null && !t.now.isBefore(killAt)) {
            t.log(Log.warn("stop_timeout passed; killing what is left"));
            killAll(t);
        }
    }

    /**
     * A process that is not a worker was reaped. Its children (if any) were just re-parented to
     * us: once the strays were signaled, they get the same treatment as the strays before them.
     */
    static void strayReaped(Turn t) {
        switch (t.shutdown) {
            case null -> { }
            case Draining d -> { }
            case Sweeping s -> t.fx.add(new PoolEffect.SignalStrays(t.cfg.stopSignal()));
            case Killed k -> t.fx.add(new PoolEffect.SignalStrays(Sig.KILL));
        }
    }

    /** While stopping: exit once every worker and the loader are reaped and no child is left. */
    static void drainIfDone(Turn t) {
        boolean anyWorker = false;
        for (Worker w : t.workers.values()) if (w instanceof Worker.Running) anyWorker = true;
        if (anyWorker || t.loader instanceof Loader.Running) return;
        if (t.childrenGone) {
            t.log(Log.info("all processes reaped; exiting", "cause", t.shutdown.cause()));
            t.fx.add(new PoolEffect.Exit(0));
        } else if (t.shutdown instanceof Draining d) {
            // Workers are gone but children remain: orphans re-parented to us.
            t.fx.add(new PoolEffect.SignalStrays(t.cfg.stopSignal()));
            t.shutdown = new Sweeping(d.cause(), d.killAt());
        }
    }

    static void forward(Turn t, int signal) {
        for (Worker w : t.workers.values()) {
            // A parked spare runs none of the app yet: the signal is not for it (HUP would end it).
            if (w instanceof Worker.Running r && !(w instanceof Worker.Spare)) t.fx.add(new Signal(r.pid(), signal, true));
        }
        t.log(Log.info("forwarded signal to workers", "signal", Sig.name(signal)));
    }
}
