package kleinhirn.runtime.harpoon;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import java.util.function.IntConsumer;
import kleinhirn.core.Sig;
import kleinhirn.core.codec.Json;
import kleinhirn.core.harpoon.Effect;
import kleinhirn.core.harpoon.Event;
import kleinhirn.core.harpoon.HostProcesses;
import kleinhirn.core.harpoon.Metrics;
import kleinhirn.core.harpoon.StateJson;
import kleinhirn.runtime.control.ControlServer;
import kleinhirn.runtime.log.Logger;

/**
 * Performs the harpoon machine's effects on the loop thread. Runtime calls go to one platform
 * thread ("runtime"), so a delete finishes before the next create and before the exit; signals
 * and metrics are quick and run here. Outcomes come back through {@code post}.
 */
public final class HarpoonEffects {
    /** How long clients get to receive the final state before the exit closes them. */
    public static final long DRAIN_MILLIS = 2000;

    private final OciRuntime runtime;
    private final HostProcesses processes;
    private final ControlServer control;
    private final Logger log;
    private final Consumer<Event> post;
    private final Runnable stopLoop;
    private final IntConsumer exit;
    private final ExecutorService runtimeThread;

    /**
     * @param stopLoop ends the loop after this turn (the Exit effect)
     * @param exit     leaves the process with a code, after the control socket is closed
     */
    public HarpoonEffects(OciRuntime runtime, HostProcesses processes, ControlServer control, Logger log,
                          Consumer<Event> post, Runnable stopLoop, IntConsumer exit) {
        this.runtime = runtime;
        this.processes = processes;
        this.control = control;
        this.log = log;
        this.post = post;
        this.stopLoop = stopLoop;
        this.exit = exit;
        this.runtimeThread = Executors.newSingleThreadExecutor(
                r -> Thread.ofPlatform().name("runtime").daemon(true).unstarted(r));
    }

    /** Queues work on the runtime thread, behind every runtime call queued before. */
    public void onRuntimeThread(Runnable r) { runtimeThread.execute(r); }

    public void perform(Effect effect) {
        switch (effect) {
            case Effect.StartContainer s -> runtimeThread.execute(runtime::start);
            case Effect.AbortStart a -> runtime.abortStart();
            case Effect.DeleteContainer d -> runtimeThread.execute(runtime::delete);
            case Effect.SignalContainer s -> {
                log.info("signalling container", "pid", s.pid(), "signal", Sig.name(s.signal()));
                if (!processes.signal(s.pid(), s.signal())) log.info("container already gone", "pid", s.pid());
            }
            case Effect.SampleMetrics m -> {
                OciRuntime.Running r = runtime.running();
                post.accept(new Event.MetricsSampled(r == null ? Metrics.ZERO : r.cgroup().metrics()));
            }
            case Effect.Publish p -> control.publish(StateJson.encode(p.state()));
            case Effect.RefuseExit r -> {
                log.info("refusing exit", "reason", r.reason());
                ((ControlServer.Client) r.client()).reply("error", "{\"error\":" + Json.quote(r.reason()) + "}");
            }
            case Effect.Exit x -> {
                stopLoop.run();
                runtimeThread.execute(() -> {
                    control.close(DRAIN_MILLIS); // every client gets the final state, then EOF
                    log.info("exiting", "code", x.code());
                    exit.accept(x.code());
                });
            }
        }
    }
}
