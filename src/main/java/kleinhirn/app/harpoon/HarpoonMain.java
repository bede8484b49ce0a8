package kleinhirn.app.harpoon;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import kleinhirn.core.Sig;
import kleinhirn.core.Step;
import kleinhirn.core.harpoon.Cli;
import kleinhirn.core.harpoon.Effect;
import kleinhirn.core.harpoon.Event;
import kleinhirn.core.harpoon.Supervisor;
import kleinhirn.core.harpoon.SupervisorState;
import kleinhirn.core.log.Level;
import kleinhirn.core.log.LogFormat;
import kleinhirn.core.port.ErrnoException;
import kleinhirn.linux.ExitTable;
import kleinhirn.linux.Libc;
import kleinhirn.linux.LinuxProcesses;
import kleinhirn.linux.PosixSpawner;
import kleinhirn.linux.Reaper;
import kleinhirn.linux.Signals;
import kleinhirn.linux.cgroup.Cgroup;
import kleinhirn.runtime.EventLoop;
import kleinhirn.runtime.MonotonicClock;
import kleinhirn.runtime.control.ControlServer;
import kleinhirn.runtime.harpoon.Fatal;
import kleinhirn.runtime.harpoon.HarpoonEffects;
import kleinhirn.runtime.harpoon.OciRuntime;
import kleinhirn.runtime.log.Logger;

/**
 * harpoon-supervisor: runs one command in a container through an OCI runtime and streams its
 * state on {@code ./control}. Checklist: flags; the native side (subreaper, reaper, spawner,
 * signals: slow to link, so before the socket, whose clients wait for the first start); control
 * socket (before anything touches the run dir); leftover container; the loop. Exit codes: 0 after
 * exit or signal-driven stop, 1 missing flags, unusable ./control or an internal failure
 * ({@link Fatal}), 2 bad flags.
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

        Step<SupervisorState, Effect> boot = Supervisor.boot(
                new Supervisor.Settings(o.metricsInterval(), o.stopTimeout(), java.time.Duration.ofSeconds(1)));
        EventLoop<SupervisorState, Event, Effect> loop = new EventLoop<>(Supervisor::step, boot.state(),
                now -> new Event.Woke(), clock, s -> {});

        // Until Fatal is installed below (it needs the runtime and ./control), a failing thread
        // (the reaper's included) still ends us the documented way: every child's group killed, exit 1.
        Thread.setDefaultUncaughtExceptionHandler((t, e) -> {
            log.error("a thread failed; killing every child", "thread", t.getName(), "err", e.toString());
            new kleinhirn.linux.KernelProcesses().killEveryGroup(Libc.getpid());
            System.exit(1);
        });
        ExitTable exits = new ExitTable();
        Reaper reaper = new Reaper(exits);
        try {
            Libc.setChildSubreaper();
        } catch (ErrnoException e) {
            log.error("cannot become child subreaper", "err", e.getMessage());
        }
        reaper.start();
        LinuxProcesses processes = new LinuxProcesses(new PosixSpawner(reaper::childAdded), exits);
        Signals.handle(sig -> loop.post(sig == Sig.TERM || sig == Sig.INT ? new Event.Terminate() : new Event.Forward(sig)),
                Sig.TERM, Sig.INT, Sig.HUP, Sig.USR1, Sig.USR2, Sig.WINCH);

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

        OciRuntime runtime = new OciRuntime(o.runtime(), o.id(), o.hostname(), o.command(), o.runtimeTimeout(),
                processes, Cgroup.HOST, log, loop::post);
        Thread.setDefaultUncaughtExceptionHandler(new Fatal(runtime, processes, control, log, System::exit));
        HarpoonEffects effects = new HarpoonEffects(runtime, processes, control, log, loop::post, loop::stop, System::exit);
        loop.interpreter(effects::perform);

        log.info("supervisor starting", "hostname", o.hostname(), "runtime", o.runtime(), "command", String.join(" ", o.command()));
        effects.onRuntimeThread(runtime::removeLeftover);
        Thread.currentThread().setName("loop");
        boot.effects().forEach(effects::perform);
        loop.run();
        Thread.currentThread().join(); // the runtime thread ends the process after the exit effect
    }
}
