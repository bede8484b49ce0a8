package kleinhirn.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import kleinhirn.core.ExitStatus;
import kleinhirn.core.port.Errno;
import kleinhirn.core.port.ErrnoException;

/**
 * The one thread that reaps. As a child subreaper we collect every child and every orphan
 * re-parented to us with a blocking waitpid(-1); no SIGCHLD handler (the JDK resets SIGCHLD
 * to default on the first System.getenv(), which once left 1000 zombies behind).
 *
 * <p>On ECHILD there is nothing to wait for, so the thread parks until {@link #childAdded()}
 * (called after every spawn). A platform thread: a blocking downcall would pin a virtual one.
 */
public final class Reaper {
    public interface Sink {
        void reaped(int pid, ExitStatus status);

        /** waitpid said ECHILD: at this moment we have no child at all. */
        void noChildren();
    }

    private final Sink sink;
    private final Object lock = new Object();
    private long generation;

    public Reaper(Sink sink) {
        this.sink = sink;
    }

    public Thread start() {
        Thread t = Thread.ofPlatform().name("reaper").daemon(true).stackSize(256 * 1024).unstarted(this::run);
        t.start();
        return t;
    }

    /** A child may exist now: wake the reaper if it is parked on ECHILD. */
    public void childAdded() {
        synchronized (lock) {
            generation++;
            lock.notifyAll();
        }
    }

    private void run() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment status = a.allocate(ValueLayout.JAVA_INT);
            MemorySegment callState = Libc.allocateCallState(a);
            while (true) {
                long seen;
                synchronized (lock) {
                    seen = generation;
                }
                try {
                    int pid = Libc.waitAny(status, callState);
                    sink.reaped(pid, ExitStatus.fromWaitStatus(status.get(ValueLayout.JAVA_INT, 0)));
                } catch (ErrnoException e) {
                    if (e.errno() == Errno.EINTR) continue;
                    if (e.errno() != Errno.ECHILD) throw new IllegalStateException(e);
                    sink.noChildren();
                    awaitChild(seen);
                }
            }
        }
    }

    private void awaitChild(long seen) {
        synchronized (lock) {
            while (generation == seen) {
                try {
                    lock.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }
}
