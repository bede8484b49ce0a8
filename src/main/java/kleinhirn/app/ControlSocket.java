package kleinhirn.app;

import java.io.IOException;
import java.nio.file.Path;
import kleinhirn.core.pool.PoolEvent;
import kleinhirn.runtime.EventLoop;
import kleinhirn.runtime.control.ControlServer;
import kleinhirn.runtime.log.Logger;

/**
 * kleinhirn's {@code supervisor.socket} (pool.md §Control socket): harpoon's SSE protocol on
 * the shared {@link ControlServer}. {@code stop} and {@code exit} take the SIGTERM path,
 * {@code kill} the second-SIGTERM path; anything else is ignored, as harpoon does.
 */
final class ControlSocket {
    /** At exit, how long clients get in total to receive the last state before we close them. */
    static final long DRAIN_MILLIS = 300;

    private ControlSocket() {}

    static ControlServer bind(Path path, EventLoop<?, PoolEvent, ?> loop, Logger log) throws IOException {
        return ControlServer.bind(path, (client, type, data) -> {
            switch (type) {
                case "stop", "exit" -> loop.post(new PoolEvent.StopRequested(false, "control " + type));
                case "kill" -> loop.post(new PoolEvent.StopRequested(true, "control kill"));
                default -> log.debug("ignoring control event", "event", type, "client", client.id());
            }
        }, log);
    }
}
