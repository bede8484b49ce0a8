package kleinhirn.app;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.function.Consumer;
import java.util.function.IntPredicate;
import kleinhirn.core.codec.SdNotify;
import kleinhirn.core.pool.PoolEvent;
import kleinhirn.linux.Children;
import kleinhirn.linux.ErrnoException;
import kleinhirn.linux.NotifySocket;
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
final class WorkerNotify implements AutoCloseable {
    /** Deeper process trees than this are not followed (and a pid cycle cannot loop us). */
    private static final int MAX_DEPTH = 64;

    private final NotifySocket socket;
    private final int self;
    private final Consumer<PoolEvent> post;
    private final Throttle junk;
    private final Logger log;
    private final IntPredicate known;

    private WorkerNotify(NotifySocket socket, int self, Consumer<PoolEvent> post, Throttle junk, Logger log,
                         IntPredicate known) {
        this.known = known;
        this.socket = socket;
        this.self = self;
        this.post = post;
        this.junk = junk;
        this.log = log;
    }

    /**
     * A fresh abstract-namespace name, chosen before the socket is bound so that a preloading
     * loader can be told it while we still set up. Unguessable: nobody can bind it first.
     */
    static String newAddress(int self) {
        byte[] r = new byte[8];
        new SecureRandom().nextBytes(r);
        return "@kleinhirn-" + self + "-" + HexFormat.of().formatHex(r);
    }

    static WorkerNotify start(String address, int self, Consumer<PoolEvent> post, Throttle junk, Logger log,
                              IntPredicate known) throws ErrnoException {
        NotifySocket s = NotifySocket.bind(address);
        WorkerNotify n = new WorkerNotify(s, self, post, junk, log, known);
        Thread t = Thread.ofPlatform().daemon().name("notify").unstarted(n::receive);
        t.start();
        return n;
    }

    /** The value of the workers' NOTIFY_SOCKET. */
    String address() {
        return socket.address();
    }

    private void receive() {
        byte[] buf = new byte[NotifySocket.MAX_DATAGRAM];
        while (true) {
            NotifySocket.Datagram d;
            try {
                d = socket.receive(buf);
            } catch (ErrnoException e) {
                log.error("the notify socket failed; sd_notify acks are no longer received", "error", e.getMessage());
                return;
            }
            if (d == null) return;
            if (socket.controlTruncated()) {
                junk.warn("notify_socket", "notify datagram carried too many fds; the kernel dropped the rest",
                        "pid", d.pid());
            }
            if (d.truncated()) {
                junk.warn("notify_socket", "ignored an oversized notify datagram", "pid", d.pid(),
                        "limit", NotifySocket.MAX_DATAGRAM);
                continue;
            }
            SdNotify.Message m = SdNotify.parse(buf, d.length());
            if (m.junk() != null) {
                junk.warn("notify_socket", "ignored a notify datagram", "pid", d.pid(), "reason", m.junk());
                continue;
            }
            if (!m.actionable()) continue;
            int worker = d.pid() > 0 ? workerAbove(d.pid()) : -1;
            if (worker < 0) {
                junk.warn("notify_socket", "ignored a notify datagram from a process that is not a worker",
                        "pid", d.pid(), "uid", d.uid());
                continue;
            }
            if (m.status() != null || m.watchdog() || m.stopping()) {
                post.accept(new PoolEvent.Notified(worker, m.watchdog(), m.status(), m.stopping()));
            }
            if (m.ready()) post.accept(new PoolEvent.AckedByPid(worker, "notify_socket"));
        }
    }

    /**
     * The nearest known worker that {@code pid} is or descends from, else the child of ours it
     * descends from, or -1 if it is not our descendant. Reads /proc now: the pid is
     * that of a process that just sent to us (systemd-notify waits for its barrier), so the
     * chain is live; a sender that already exited simply does not resolve.
     */
    private int workerAbove(int pid) {
        int p = pid;
        for (int depth = 0; depth < MAX_DEPTH && p > 1; depth++) {
            if (known.test(p)) return p;
            int parent = Children.parentOf(p);
            if (parent == self) return p;
            p = parent;
        }
        return -1;
    }

    @Override
    public void close() {
        socket.close();
    }
}
