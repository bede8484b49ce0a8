package kleinhirn.app;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;
import kleinhirn.linux.KernelEntropy;
import java.util.List;
import java.util.function.Consumer;
import kleinhirn.core.ExitStatus;
import kleinhirn.core.Sig;
import kleinhirn.core.config.Config;
import kleinhirn.core.port.ErrnoException;
import kleinhirn.core.port.Processes;
import kleinhirn.core.pool.HealthView;
import kleinhirn.core.pool.PoolEffect;
import kleinhirn.core.pool.PoolEvent;
import kleinhirn.core.pool.PoolMachine;
import kleinhirn.core.pool.PoolState;
import kleinhirn.core.pool.Recycling;
import kleinhirn.core.pool.Worker;
import kleinhirn.linux.GroupMemory;
import kleinhirn.runtime.pool.MemorySampler;
import java.util.HashSet;
import java.util.Set;
import kleinhirn.linux.ChannelPairs;
import kleinhirn.linux.KernelDescriptors;
import kleinhirn.linux.KernelPipes;
import kleinhirn.linux.KernelProcesses;
import kleinhirn.linux.Libc;
import kleinhirn.linux.NotifySocket;
import kleinhirn.linux.PosixSpawner;
import kleinhirn.linux.Reaper;
import kleinhirn.linux.SelfStats;
import kleinhirn.linux.Signals;
import kleinhirn.runtime.EventLoop;
import kleinhirn.runtime.MonotonicClock;
import kleinhirn.runtime.log.Logger;
import kleinhirn.runtime.log.Throttle;
import kleinhirn.runtime.pool.PoolProcesses;
import kleinhirn.runtime.pool.Probes;
import kleinhirn.runtime.pool.ReforkSocket;
import kleinhirn.runtime.pool.WorkerOutput;
import kleinhirn.runtime.pool.PoolWatch;
import kleinhirn.runtime.pool.UpwardNotify;

/** Wires the pool supervisor together and runs its loop on the calling (main) thread. */
final class PoolMain {
    private PoolMain() {}

    static int run(Config cfg, List<String> warnings, Started started) {
        MonotonicClock clock = new MonotonicClock();
        Logger log = new Logger(cfg.log().stdout() ? Logger.stdout() : Logger.stderr(), cfg.log().format(),
                cfg.log().level(), clock, List.of("logger", "kleinhirn", "service", cfg.name()));
        Throttle junk = new Throttle(log);
        for (String w : warnings) log.warn("configuration warning", "detail", w);
        int self = Libc.getpid();
        log.info("startup", "version", Version.VERSION, "pid", self, "config", cfg.file().toString(),
                "workers", cfg.worker().count(), "type", cfg.worker().type());
        try {
            Libc.setChildSubreaper();
        } catch (ErrnoException e) {
            log.error("cannot become a child subreaper", "error", e.getMessage());
            return 1;
        }

        PoolMachine machine = new PoolMachine(cfg.pool());
        Processes kernel = new KernelProcesses();
        PoolWatch watch = new PoolWatch(cfg.name(), cfg.worker().count(), clock, SelfStats::rssBytes);
        Probes probes = new Probes(new HealthView(cfg.health().minReady(), cfg.health().liveGrace()), clock, watch::state);
        WorkerOutput output = cfg.log().captureOutput()
                ? WorkerOutput.capture(new KernelPipes(), log, self) : WorkerOutput.inherit();
        Consumer<PoolState> publish = watch.andThen(probes).andThen(output)
                .andThen(UpwardNotify.from(started.env(), NotifySocket::send, junk));
        EventLoop<PoolState, PoolEvent, PoolEffect> loop = new EventLoop<>(machine::step,
                PoolState.initial(machine.config(), KernelEntropy.INSTANCE.nextLong(), clock.instant()),
                now -> new PoolEvent.Woke(),
                clock, publish, effect -> effect instanceof PoolEffect.Emit);
        probes.loop(loop);

        // No thread of ours dies silently: one that ends with an unexpected throwable (a signal
        // handler, the notify receiver, an accept loop) ends the loop, which kills every child's
        // group and exits 1. Per-connection threads catch their own failures and close.
        Thread.setDefaultUncaughtExceptionHandler((t, e) -> {
            log.error("a thread failed", "thread", t.getName(), "error", e.toString());
            loop.fail(e);
        });

        // Everything opened from here on is closed in reverse order on every way out.
        Deque<AutoCloseable> opened = new ArrayDeque<>();
        // Why we leave, for the control clients' final state when the machine did not stop us.
        String[] leaving = {"startup failed"};
        try {
            ChannelPairs pairs = ChannelPairs.create();
            opened.push(pairs);

            Signals.handle(sig -> loop.post(switch (sig) {
                case Sig.TERM, Sig.INT -> new PoolEvent.StopRequested(false, "SIG" + Sig.name(sig));
                default -> new PoolEvent.Forward(sig);
            }), Sig.TERM, Sig.INT, Sig.HUP, Sig.USR1, Sig.USR2, Sig.WINCH);
            Reaper reaper = new Reaper(new Reaper.Sink() {
                @Override public void reaped(int pid, ExitStatus status) { loop.post(new PoolEvent.Reaped(pid, status)); }
                @Override public void noChildren() { loop.post(new PoolEvent.NoChildren()); }
                @Override public void failed(Throwable cause) {
                    log.error("the reaper failed; nothing would be reaped any more", "error", cause.toString());
                    loop.fail(cause);
                }
            });
            reaper.start();
            PoolProcesses processes = new PoolProcesses(cfg,
                    new PoolProcesses.Ports(new PosixSpawner(reaper::childAdded), pairs, kernel, new KernelDescriptors()), self, Version.VERSION,
                    Home.path().resolve("loaders/ruby/bin/kleinhirn_loader"), started.env(), loop, log, junk);
            loop.interpreter(processes);
            processes.output(output);
            opened.push(output);
            Readiness.Plan plan = Readiness.plan(cfg, self, started, log);
            if (plan == null) {
                leaving[0] = "startup failed: cannot open the workers' ack sockets";
                return 1;
            }
            opened.push(plan);
            opened.push(processes::closeAll);
            processes.protocols(plan.protocols());
            if (!cfg.pool().recycling().reforkAfter().isEmpty()) {
                ReforkSocket reforks;
                try {
                    reforks = ReforkSocket.open(loop::post, log, junk, KernelEntropy.INSTANCE);
                } catch (IOException e) {
                    log.error("cannot listen on the refork socket", "error", String.valueOf(e.getMessage()));
                    return 1;
                }
                opened.push(reforks);
                processes.reforks(reforks);
            }
            Recycling recycling = cfg.pool().recycling();
            if (recycling.maxMemory() != null) {
                opened.push(MemorySampler.start(recycling.memoryCheckInterval(), () -> readyPids(watch.state()),
                        GroupMemory::uniqueBytes, loop::post));
            }
            // The critical path first: the first spawn (the loader, or the workers) happens as soon
            // as what it needs exists; health, control and (for a loader) the ack sockets are set
            // up while it starts. Fork/exec workers may ack at once, so their sockets come first;
            // a loader's workers are only requested once the loop runs, after all of this.
            DeferredSetup setup = new DeferredSetup(cfg, self, kernel, loop, watch, probes, log, junk, opened, leaving);
            boolean preloaded = cfg.worker() instanceof Config.Worker.Ruby;
            if (!preloaded && !setup.readiness(plan)) return 1;
            boolean setUp;
            try {
                loop.handle(new PoolEvent.Started());
                setUp = (!preloaded || setup.readiness(plan)) && setup.views();
                // A setup failure after the first spawn stops what was spawned, the ordinary way.
                if (!setUp) loop.handle(new PoolEvent.StopRequested(false, leaving[0]));
                loop.run();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return 1;
            } catch (RuntimeException | Error e) {
                // A broken invariant: never leave live workers behind us.
                log.error("supervisor failed; killing every child", "error", e.toString());
                leaving[0] = "supervisor failed: " + e.getMessage();
                kernel.killEveryGroup(self);
                return 1;
            }
            if (!setUp) return 1;
            return processes.exitCode() < 0 ? 1 : processes.exitCode();
        } finally {
            for (AutoCloseable c : opened) {
                try {
                    c.close();
                } catch (Exception e) {
                    log.warn("cleanup failed", "error", e.toString());
                }
            }
        }
    }

    /** The pids of the ready workers: each leads its own process group. */
    private static Set<Integer> readyPids(PoolState s) {
        Set<Integer> pids = new HashSet<>();
        for (Worker w : s.workers().values()) if (w instanceof Worker.Ready r) pids.add(r.pid());
        return pids;
    }
}
