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

        /**
         * The reaper cannot go on (an errno other than EINTR/ECHILD, or a throw from this sink):
         * nothing will be reaped again, so the receiver must end the process (kill every child's
         * group, exit 1). Called once, on the reaper thread, which then ends.
         */
        void failed(Throwable cause);
    }

    /** The one blocking call the reaper makes: waitpid(-1) on the kernel, a fake in tests. */
    @FunctionalInterface
    public interface Wait {
        /** Blocks until a child has exited; throws with ECHILD when there is none, EINTR when interrupted. */
        Waited next() throws ErrnoException;
    }

    /** A pid and its raw wait status. */
    public record Waited(int pid, int waitStatus) {}

    private final Sink sink;
    private final Wait wait;
    private final Object lock = new Object();
    private long generation;

    public Reaper(Sink sink) {
        this(sink, kernel());
    }

    public Reaper(Sink sink, Wait wait) {
        this.sink = sink;
        this.wait = wait;
    }

    /** wait4(-1) with buffers owned by the calling thread (only the reaper thread calls it). */
    private static Wait kernel() {
        Arena a = Arena.ofAuto();
        MemorySegment status = a.allocate(ValueLayout.JAVA_INT);
        MemorySegment callState = Libc.allocateCallState(a);
        return () -> new Waited(Libc.waitAny(status, callState), status.get(ValueLayout.JAVA_INT, 0));
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

    /** Never returns normally; any unexpected failure goes to {@link Sink#failed}, never silently away. */
    private void run() {
        try {
            while (true) {
                long seen;
                synchronized (lock) {
                    seen = generation;
                }
                try {
                    Waited w = wait.next();
                    sink.reaped(w.pid(), ExitStatus.fromWaitStatus(w.waitStatus()));
                } catch (ErrnoException e) {
                    if (e.errno() == Errno.EINTR) continue;
                    if (e.errno() != Errno.ECHILD) throw e;
                    sink.noChildren();
                    awaitChild(seen);
                }
            }
        } catch (ErrnoException | RuntimeException | Error e) {
            sink.failed(e);
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
