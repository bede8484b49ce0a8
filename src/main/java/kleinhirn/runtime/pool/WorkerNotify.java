package kleinhirn.runtime.pool;

import java.util.OptionalInt;
import java.util.function.Consumer;
import java.util.function.IntPredicate;
import kleinhirn.core.codec.SdNotify;
import kleinhirn.core.pool.PoolEvent;
import kleinhirn.core.port.ErrnoException;
import kleinhirn.core.port.NotifyInbox;
import kleinhirn.core.port.Processes;
import kleinhirn.runtime.log.Logger;
import kleinhirn.runtime.log.Throttle;

/**
 * The workers' NOTIFY_SOCKET: an abstract-namespace datagram socket (no file, so workers that
 * dropped privileges reach it; authentication is by the kernel-stamped pid). One platform thread
 * receives; each datagram is parsed, and only a datagram that asks for something has its sender
 * resolved, before the next one is read, while the sender (systemd-notify waiting on its
 * barrier) still exists. The sender must be a worker or a descendant of one: the event names the
 * nearest known worker on its ancestor chain (a preloaded worker is the loader's child), else our
 * direct child on it (a worker whose Spawned the published snapshot may not show yet); the
 * machine decides whether that pid is a worker.
 */
public final class WorkerNotify implements AutoCloseable {
    /** Deeper process trees than this are not followed (and a pid cycle cannot loop us). */
    private static final int MAX_DEPTH = 64;

    private final NotifyInbox socket;
    private final int self;
    private final Processes processes;
    private final Consumer<PoolEvent> post;
    private final Throttle junk;
    private final Logger log;
    private final IntPredicate known;

    WorkerNotify(NotifyInbox socket, int self, Processes processes, Consumer<PoolEvent> post, Throttle junk,
                 Logger log, IntPredicate known) {
        this.known = known;
        this.socket = socket;
        this.self = self;
        this.processes = processes;
        this.post = post;
        this.junk = junk;
        this.log = log;
    }

    /**
     * Receives on {@code socket} from now on (it is closed with us). {@code self} is our pid,
     * {@code known} tells whether a pid is a worker the published snapshot knows.
     */
    public static WorkerNotify start(NotifyInbox socket, int self, Processes processes, Consumer<PoolEvent> post,
                                     Throttle junk, Logger log, IntPredicate known) {
        WorkerNotify n = new WorkerNotify(socket, self, processes, post, junk, log, known);
        Thread t = Thread.ofPlatform().daemon().name("notify").unstarted(n::receive);
        t.start();
        return n;
    }

    /** The value of the workers' NOTIFY_SOCKET. */
    public String address() {
        return socket.address();
    }

    /** The receiving loop; returns when the socket is closed or fails. */
    void receive() {
        byte[] buf = new byte[NotifyInbox.MAX_DATAGRAM];
        while (true) {
            NotifyInbox.Datagram d;
            try {
                d = socket.receive(buf);
            } catch (ErrnoException e) {
                // Acks and watchdog pings would go unseen: a failure of the supervision itself.
                throw new IllegalStateException("the notify socket failed: " + e.getMessage(), e);
            }
            if (d == null) return;
            if (socket.controlTruncated()) {
                junk.warn("notify_socket", "notify datagram carried too many fds; the kernel dropped the rest",
                        "pid", d.pid());
            }
            if (d.truncated()) {
                junk.warn("notify_socket", "ignored an oversized notify datagram", "pid", d.pid(),
                        "limit", NotifyInbox.MAX_DATAGRAM);
                continue;
            }
            SdNotify.Message m = SdNotify.parse(buf, d.length());
            if (m.junk() != null) {
                junk.warn("notify_socket", "ignored a notify datagram", "pid", d.pid(), "reason", m.junk());
                continue;
            }
            if (!m.actionable()) continue;
            OptionalInt worker = d.pid() > 0 ? workerAbove(d.pid()) : OptionalInt.empty();
            if (worker.isEmpty()) {
                junk.warn("notify_socket", "ignored a notify datagram from a process that is not a worker",
                        "pid", d.pid(), "uid", d.uid());
                continue;
            }
            if (m.status() != null || m.watchdog() || m.stopping()) {
                post.accept(new PoolEvent.Notified(worker.getAsInt(), m.watchdog(), m.status(), m.stopping()));
            }
            if (m.ready()) post.accept(new PoolEvent.AckedByPid(worker.getAsInt(), "notify_socket"));
        }
    }

    /**
     * The nearest known worker that {@code pid} is or descends from, else the child of ours it
     * descends from, or empty if it is not our descendant. Reads /proc now: the pid is
     * that of a process that just sent to us (systemd-notify waits for its barrier), so the
     * chain is live; a sender that already exited simply does not resolve.
     */
    private OptionalInt workerAbove(int pid) {
        int p = pid;
        for (int depth = 0; depth < MAX_DEPTH && p > 1; depth++) {
            if (known.test(p)) return OptionalInt.of(p);
            OptionalInt parent = processes.parentOf(p);
            if (parent.isEmpty()) return OptionalInt.empty();
            if (parent.getAsInt() == self) return OptionalInt.of(p);
            p = parent.getAsInt();
        }
        return OptionalInt.empty();
    }

    @Override
    public void close() {
        socket.close();
    }
}
