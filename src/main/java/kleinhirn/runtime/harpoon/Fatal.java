package kleinhirn.runtime.harpoon;

import java.util.function.IntConsumer;
import kleinhirn.core.Sig;
import kleinhirn.core.harpoon.HostProcesses;
import kleinhirn.runtime.control.ControlServer;
import kleinhirn.runtime.log.Logger;

/**
 * What an unexpected failure on any thread of ours does (installed as the default uncaught
 * exception handler): no thread dies silently and no half-working supervisor runs on. It logs
 * the failure, kills a runtime call in flight and the container's init (its PID namespace dies
 * with it), closes
 * {@code ./control} (clients see EOF) and leaves with {@link #EXIT_CODE}. The container is not
 * deleted here (the runtime may be what failed); the next start with this id removes it.
 */
public final class Fatal implements Thread.UncaughtExceptionHandler {
    public static final int EXIT_CODE = 1;

    private final OciRuntime runtime;
    private final HostProcesses processes;
    private final ControlServer control;
    private final Logger log;
    private final IntConsumer exit;

    public Fatal(OciRuntime runtime, HostProcesses processes, ControlServer control, Logger log, IntConsumer exit) {
        this.runtime = runtime;
        this.processes = processes;
        this.control = control;
        this.log = log;
        this.exit = exit;
    }

    @Override
    public void uncaughtException(Thread t, Throwable e) {
        try {
            log.error("internal failure: killing the container and exiting", "thread", t.getName(), "err", String.valueOf(e));
            e.printStackTrace();
            runtime.abortStart(); // a create in flight: its group, with runc init, goes too
            OciRuntime.Running r = runtime.running();
            if (r != null) processes.signal(r.pid(), Sig.KILL);
            control.close();
        } catch (Throwable again) {
            again.addSuppressed(e);
            again.printStackTrace();
        } finally {
            exit.accept(EXIT_CODE);
        }
    }
}
