package kleinhirn.app;

import java.io.IOException;
import java.security.SecureRandom;
import java.util.HexFormat;
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
import kleinhirn.runtime.pool.WorkerNotify;

/**
 * The ack channels besides the status fd, opened before the first spawn: the workers'
 * NOTIFY_SOCKET (when acks are expected or a watchdog is configured) and einhorn's command
 * socket (when acks are expected), plus the inherited listen sockets; all become
 * {@link WorkerProtocols} for the spawner.
 */
final class Readiness implements AutoCloseable {
    private final WorkerNotify notify;
    private final EinhornSocket einhorn;
    private final WorkerProtocols protocols;

    private Readiness(WorkerNotify notify, EinhornSocket einhorn, WorkerProtocols protocols) {
        this.notify = notify;
        this.einhorn = einhorn;
        this.protocols = protocols;
    }

    /** Opens what the config asks for; logs and returns null if a socket cannot be made. */
    static Readiness open(Config cfg, int self, Started started, Processes processes,
                          EventLoop<PoolState, PoolEvent, PoolEffect> loop, Logger log,
                          Throttle junk, java.util.function.Supplier<PoolState> snapshot) {
        Config.Worker w = cfg.worker();
        WorkerNotify notify = null;
        EinhornSocket einhorn = null;
        try {
            if (w.acks() || w.supervision().watchdog() != null) {
                byte[] r = new byte[8];
                new SecureRandom().nextBytes(r);
                NotifySocket socket = NotifySocket.bind("@kleinhirn-" + self + "-" + HexFormat.of().formatHex(r));
                notify = WorkerNotify.start(socket, self, processes, loop::post, junk, log,
                        pid -> snapshot.get().byPid(pid) != null);
            }
            if (w.acks()) einhorn = EinhornSocket.start(loop::post, junk);
        } catch (ErrnoException | IOException e) {
            log.error("cannot open the workers' ack sockets", "error", String.valueOf(e.getMessage()));
            if (notify != null) notify.close();
            return null;
        }
        WorkerProtocols p = WorkerProtocols.of(started.listen(), started.listenFds(), self,
                notify == null ? null : notify.address(), w.supervision().watchdog(),
                einhorn == null ? null : einhorn.path().toString());
        switch (started.listen()) {
            case ListenFds.Passed passed -> log.info("passing inherited listen sockets to workers",
                    "listen_fds", passed.count(), "listen_fdnames", passed.names());
            case ListenFds.Ignored ignored -> log.warn("inherited listen sockets ignored", "reason", ignored.reason());
            case ListenFds.Absent absent -> { }
        }
        log.debug("ack sockets for workers", "notify_socket", notify == null ? null : notify.address(),
                "einhorn_sock_path", einhorn == null ? null : einhorn.path().toString());
        return new Readiness(notify, einhorn, p);
    }

    WorkerProtocols protocols() {
        return protocols;
    }

    @Override
    public void close() {
        if (notify != null) notify.close();
        if (einhorn != null) einhorn.close();
    }
}
