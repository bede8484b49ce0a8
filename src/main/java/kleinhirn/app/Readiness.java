package kleinhirn.app;

import java.io.IOException;
import kleinhirn.linux.KernelEntropy;
import kleinhirn.core.config.Config;
import kleinhirn.core.listen.ListenFds;
import kleinhirn.core.launch.WorkerProtocols;
import kleinhirn.core.pool.PoolEffect;
import kleinhirn.core.pool.PoolEvent;
import kleinhirn.core.pool.PoolState;
import kleinhirn.core.port.ErrnoException;
import kleinhirn.core.port.Processes;
import kleinhirn.linux.NotifySocket;
import kleinhirn.runtime.EventLoop;
import kleinhirn.runtime.log.Logger;
import kleinhirn.runtime.log.Throttle;
import kleinhirn.runtime.pool.EinhornSocket;
import kleinhirn.runtime.pool.SecretListener;
import kleinhirn.runtime.pool.WorkerNotify;

/**
 * The ack channels besides the status fd: the workers' NOTIFY_SOCKET (when acks are expected or
 * a watchdog is configured) and einhorn's command socket (when acks are expected), plus the
 * inherited listen sockets; all become {@link WorkerProtocols} for the spawner.
 *
 * <p>Two steps, so that a preloading loader can start before the sockets exist: {@link #plan}
 * picks the names (which go into the loader's environment), {@link Plan#open} binds them. The
 * contract for callers: every spawn that may start a worker at once (fork/exec) comes after
 * {@code open}; a loader may come before, since its workers are only requested once the loop
 * runs, after {@code open}.
 */
final class Readiness implements AutoCloseable {
    private final WorkerNotify notify;
    private final EinhornSocket einhorn;

    private Readiness(WorkerNotify notify, EinhornSocket einhorn) {
        this.notify = notify;
        this.einhorn = einhorn;
    }

    /** The names the workers will be given; nothing is bound yet. Close it if it is never opened. */
    record Plan(String notifyAddress, SecretListener.Place einhorn, WorkerProtocols protocols) implements AutoCloseable {
        /** Binds what the plan names; logs and returns null if a socket cannot be made. */
        Readiness open(int self, Processes processes, EventLoop<PoolState, PoolEvent, PoolEffect> loop, Logger log,
                       Throttle junk, java.util.function.Supplier<PoolState> snapshot) {
            WorkerNotify notify = null;
            EinhornSocket einhornSocket = null;
            try {
                if (notifyAddress != null) {
                    NotifySocket socket = NotifySocket.bind(notifyAddress);
                    notify = WorkerNotify.start(socket, self, processes, loop::post, junk, log,
                            pid -> snapshot.get().byPid(pid) != null);
                }
                if (einhorn != null) einhornSocket = EinhornSocket.start(einhorn, loop::post, junk);
            } catch (ErrnoException | IOException e) {
                log.error("cannot open the workers' ack sockets", "error", String.valueOf(e.getMessage()));
                if (notify != null) notify.close();
                close();
                return null;
            }
            log.debug("ack sockets for workers", "notify_socket", notifyAddress,
                    "einhorn_sock_path", einhorn == null ? null : einhorn.path().toString());
            return new Readiness(notify, einhornSocket);
        }

        @Override
        public void close() {
            if (einhorn != null) einhorn.close();
        }
    }

    /**
     * Names the channels the config asks for; logs and returns null if that fails. The notify
     * name is unguessable, so nobody can bind it before we do.
     */
    static Plan plan(Config cfg, int self, Started started, Logger log) {
        Config.Worker w = cfg.worker();
        String notify = null;
        if (w.acks() || w.supervision().watchdog() != null) {
            notify = "@kleinhirn-" + self + "-" + KernelEntropy.INSTANCE.hex(8);
        }
        SecretListener.Place einhorn = null;
        try {
            if (w.acks()) einhorn = EinhornSocket.reserve(KernelEntropy.INSTANCE);
        } catch (IOException e) {
            log.error("cannot open the workers' ack sockets", "error", String.valueOf(e.getMessage()));
            return null;
        }
        WorkerProtocols p = WorkerProtocols.of(started.listen(), started.listenFds(), self, notify,
                w.supervision().watchdog(), einhorn == null ? null : einhorn.path().toString());
        switch (started.listen()) {
            case ListenFds.Passed passed -> log.info("passing inherited listen sockets to workers",
                    "listen_fds", passed.count(), "listen_fdnames", passed.names());
            case ListenFds.Ignored ignored -> log.warn("inherited listen sockets ignored", "reason", ignored.reason());
            case ListenFds.Absent absent -> { }
        }
        return new Plan(notify, einhorn, p);
    }

    @Override
    public void close() {
        if (notify != null) notify.close();
        if (einhorn != null) einhorn.close();
    }
}
