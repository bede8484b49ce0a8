package kleinhirn.app.harpoon;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import kleinhirn.core.Sig;
import kleinhirn.core.log.Level;
import kleinhirn.core.log.LogFormat;
import kleinhirn.core.port.ErrnoException;
import kleinhirn.harpoon.Cli;
import kleinhirn.harpoon.Effect;
import kleinhirn.harpoon.Event;
import kleinhirn.harpoon.StateJson;
import kleinhirn.harpoon.Supervisor;
import kleinhirn.linux.Libc;
import kleinhirn.linux.PosixSpawner;
import kleinhirn.linux.Reaper;
import kleinhirn.linux.Signals;
import kleinhirn.runtime.EventLoop;
import kleinhirn.runtime.MonotonicClock;
import kleinhirn.runtime.control.ControlServer;
import kleinhirn.runtime.log.Logger;

/**
 * harpoon-supervisor: runs one command in a container through an OCI runtime and streams its
 * state on {@code ./control}. Checklist: flags; control socket first; subreaper and reaper;
 * leftover container; the loop; signals. Exit codes: 0 after exit or signal-driven stop,
 * 1 missing flags or unusable ./control, 2 bad flags.
 */
public final class HarpoonMain {
    static final String VERSION = "version 0.1.0 (unknown) open-source";

    private HarpoonMain() {}

    public static void main(String[] args) throws Exception {
        Cli.Options o;
        switch (Cli.parse(List.of(args))) {
            case Cli.Parsed.Version v -> { System.out.println(VERSION); return; }
            case Cli.Parsed.Help h -> { System.err.print(Cli.USAGE); return; }
            case Cli.Parsed.Fail f -> {
                System.err.println(f.message());
                if (f.usage()) System.err.print(Cli.USAGE);
                System.exit(f.code());
                return;
            }
            case Cli.Parsed.Run r -> o = r.options();
        }
        MonotonicClock clock = new MonotonicClock();
        Logger log = new Logger(Logger.stderr(), LogFormat.LOGFMT, Level.INFO, clock,
                List.of("logger", "harpoon-supervisor", "id", o.id()));

        Supervisor.Settings settings = new Supervisor.Settings(o.metricsInterval(), o.stopTimeout(), java.time.Duration.ofSeconds(1));
        var boot = Supervisor.boot(settings);
        EventLoop<Supervisor.State, Event, Effect> loop = new EventLoop<>(
                (s, e, now) -> {
                    var st = Supervisor.step(s, e, now);
                    return new kleinhirn.core.Step<>(st.next(), st.effects(), st.next().deadline());
                },
                boot.next(), now -> new Event.Woke(), clock, s -> {});

        ControlServer control;
        try {
            control = ControlServer.bind(Path.of("control"), (client, type, data) -> {
                switch (type) {
                    case "stop" -> loop.post(new Event.StopRequested(Sig.TERM));
                    case "kill" -> loop.post(new Event.StopRequested(Sig.KILL));
                    case "exit" -> loop.post(new Event.ExitRequested(client));
                    default -> log.debug("ignoring control event", "event", type);
                }
            }, log);
        } catch (IOException e) {
            System.err.println("unable to listen on \"./control\": " + e.getMessage());
            System.exit(1);
            return;
        }

        // No thread of ours dies silently (the reaper rethrows here too): kill every child's
        // group, which takes the container with it, and exit 1.
        Thread.setDefaultUncaughtExceptionHandler((t, e) -> {
            log.error("a thread failed; killing every child", "thread", t.getName(), "err", e.toString());
            new kleinhirn.linux.KernelProcesses().killEveryGroup(Libc.getpid());
            System.exit(1);
        });
        Children children = new Children();
        Reaper reaper = new Reaper(children);
        try {
            Libc.setChildSubreaper();
        } catch (ErrnoException e) {
            log.error("cannot become child subreaper", "err", e.getMessage());
        }
        reaper.start();
        PosixSpawner spawner = new PosixSpawner(reaper::childAdded);
        // One platform thread runs the runtime: deletes finish before the next create or our exit.
        ExecutorService runtimeThread = Executors.newSingleThreadExecutor(r -> Thread.ofPlatform().name("runtime").daemon(true).unstarted(r));
        Runtime rt = new Runtime(o.runtime(), o.id(), o.hostname(), o.command(), spawner, children, log, loop::post);

        loop.interpreter(effect -> {
            switch (effect) {
                case Effect.StartContainer s -> runtimeThread.execute(rt::start);
                case Effect.DeleteContainer d -> runtimeThread.execute(rt::delete);
                case Effect.SignalContainer s -> {
                    try {
                        log.info("signalling container", "pid", s.pid(), "signal", Sig.name(s.signal()));
                        Libc.kill(s.pid(), s.signal());
                    } catch (ErrnoException e) {
                        log.warn("kill failed", "pid", s.pid(), "err", e.getMessage());
                    }
                }
                case Effect.SampleMetrics m -> {
                    Cgroup cg = rt.cgroup();
                    loop.post(new Event.MetricsSampled(cg == null ? kleinhirn.harpoon.Metrics.ZERO : cg.metrics()));
                }
                case Effect.Publish p -> control.publish(StateJson.encode(p.state()));
                case Effect.RefuseExit r -> {
                    log.info("refusing exit", "reason", r.reason());
                    ((ControlServer.Client) r.client()).reply("error", "{\"error\":" + kleinhirn.core.codec.Json.quote(r.reason()) + "}");
                }
                case Effect.Exit x -> {
                    loop.stop();
                    runtimeThread.execute(() -> {
                        control.close();
                        log.info("exiting", "code", x.code());
                        System.exit(x.code());
                    });
                }
            }
        });

        Signals.handle(sig -> loop.post(sig == Sig.TERM || sig == Sig.INT ? new Event.Terminate() : new Event.Forward(sig)),
                Sig.TERM, Sig.INT, Sig.HUP, Sig.USR1, Sig.USR2, Sig.WINCH);
        log.info("supervisor starting", "hostname", o.hostname(), "runtime", o.runtime(), "command", String.join(" ", o.command()));
        runtimeThread.execute(rt::removeLeftover);
        Thread.currentThread().setName("loop");
        runtimeThread.execute(rt::start);
        loop.run();
        Thread.currentThread().join(); // the runtime thread ends the process after the exit effect
    }
}
