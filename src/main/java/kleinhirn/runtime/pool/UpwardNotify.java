package kleinhirn.runtime.pool;

import java.util.function.Consumer;
import kleinhirn.core.pool.Phase;
import kleinhirn.core.pool.PoolState;
import kleinhirn.core.port.ErrnoException;
import kleinhirn.core.port.Notifier;
import kleinhirn.runtime.log.Throttle;

/**
 * Readiness re-exported to whoever started us with a NOTIFY_SOCKET (systemd Type=notify,
 * podman --sdnotify=container): READY=1 once, when the set first runs; STATUS= whenever the
 * state's text changes; STOPPING=1 once, when shutdown begins. One service-level signal: a
 * worker's own STOPPING=1 never gets here. Observes the snapshots the loop publishes, on the
 * loop thread; each message is one non-blocking sendto.
 */
public final class UpwardNotify implements Consumer<PoolState> {
    private final String address;
    private final Notifier notifier;
    private final Throttle junk;
    private boolean readySent, stoppingSent;
    private String lastStatus;

    private UpwardNotify(String address, Notifier notifier, Throttle junk) {
        this.address = address;
        this.notifier = notifier;
        this.junk = junk;
    }

    /** An observer for our own NOTIFY_SOCKET, or one that does nothing when there is none. */
    public static Consumer<PoolState> from(java.util.Map<String, String> env, Notifier notifier, Throttle junk) {
        String a = env.get("NOTIFY_SOCKET");
        if (a == null || a.isEmpty() || !(a.startsWith("@") || a.startsWith("/"))) return s -> { };
        return new UpwardNotify(a, notifier, junk);
    }

    @Override
    public void accept(PoolState s) {
        String message = next(s);
        if (message == null) return;
        try {
            notifier.send(address, message);
        } catch (ErrnoException e) {
            junk.warn("upward_notify", "could not notify our own supervisor", "notify_socket", address,
                    "error", e.getMessage());
        }
    }

    /** What to send for this snapshot, or null; updates what was sent. */
    String next(PoolState s) {
        StringBuilder b = new StringBuilder();
        if (s.phase() == Phase.RUNNING && !readySent) {
            readySent = true;
            b.append("READY=1\n");
        }
        if (s.phase() == Phase.STOPPING && !stoppingSent) {
            stoppingSent = true;
            b.append("STOPPING=1\n");
        }
        String status = status(s);
        if (!status.equals(lastStatus)) {
            lastStatus = status;
            b.append("STATUS=").append(status).append('\n');
        }
        return b.isEmpty() ? null : b.toString();
    }

    static String status(PoolState s) {
        String phase = s.phase().wire(), reason = s.reason() == null ? "" : s.reason();
        if (reason.isEmpty()) return phase + ": " + s.ready() + "/" + s.workers().size() + " ready";
        return reason.startsWith(phase) ? reason : phase + ": " + reason;
    }
}
