package kleinhirn.linux;

import kleinhirn.core.port.Errno;
import kleinhirn.core.port.ErrnoException;
import static org.junit.jupiter.api.Assertions.*;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import kleinhirn.core.ExitStatus;
import kleinhirn.core.Step;
import kleinhirn.runtime.EventLoop;
import org.junit.jupiter.api.Test;

/**
 * A reaper fault injected through the wait port's fake (issue 11): the reaper used to throw on an
 * unexpected errno, ending its thread while the supervisor ran on without reaping anything.
 * Now the failure reaches the sink, and the wiring every supervisor uses (sink -> loop.fail)
 * ends the loop, whose owner then kills every child's group and exits 1.
 */
class ReaperFaultTest {
    record Reaped(int pid, ExitStatus status) {}

    /** First one child's exit, then EINVAL: what no real waitpid(-1) should ever say. */
    static Reaper.Wait faulty() {
        AtomicInteger calls = new AtomicInteger();
        return () -> {
            if (calls.getAndIncrement() == 0) return new Reaper.Waited(4242, 3 << 8);
            throw new ErrnoException("waitpid", Errno.EINVAL);
        };
    }

    @Test
    void anUnexpectedErrnoReachesTheSinkAfterWhatWasReaped() throws Exception {
        LinkedBlockingQueue<Object> seen = new LinkedBlockingQueue<>();
        Thread t = new Reaper(new Reaper.Sink() {
            @Override public void reaped(int pid, ExitStatus status) { seen.add(new Reaped(pid, status)); }
            @Override public void noChildren() { seen.add("noChildren"); }
            @Override public void failed(Throwable cause) { seen.add(cause); }
        }, faulty()).start();
        assertEquals(new Reaped(4242, new ExitStatus.Exited(3)), seen.poll(10, TimeUnit.SECONDS));
        Object failure = seen.poll(10, TimeUnit.SECONDS);
        assertInstanceOf(ErrnoException.class, failure, String.valueOf(failure));
        assertEquals(Errno.EINVAL, ((ErrnoException) failure).errno());
        t.join(TimeUnit.SECONDS.toMillis(10));
        assertFalse(t.isAlive(), "the reaper thread ended");
        assertTrue(seen.isEmpty(), "failed() is the last call: " + seen);
    }

    @Test
    void aSinkThatThrowsIsAFailureToo() throws Exception {
        LinkedBlockingQueue<Throwable> failures = new LinkedBlockingQueue<>();
        new Reaper(new Reaper.Sink() {
            @Override public void reaped(int pid, ExitStatus status) { throw new IllegalStateException("bug in the sink"); }
            @Override public void noChildren() {}
            @Override public void failed(Throwable cause) { failures.add(cause); }
        }, faulty()).start();
        assertEquals("bug in the sink", failures.poll(10, TimeUnit.SECONDS).getMessage());
    }

    @Test
    void theLoopEndsWithTheReapersFailure() throws Exception {
        EventLoop<Integer, String, String> loop = new EventLoop<>(
                (s, e, now) -> new Step<>(s + 1, List.of(), null), 0, now -> "tick", Instant::now, s -> {});
        loop.interpreter(effect -> {});
        // The same wiring as PoolMain's sink: reaped -> post, failed -> loop.fail.
        new Reaper(new Reaper.Sink() {
            @Override public void reaped(int pid, ExitStatus status) { loop.post("reaped " + pid); }
            @Override public void noChildren() {}
            @Override public void failed(Throwable cause) { loop.fail(cause); }
        }, faulty()).start();
        LinkedBlockingQueue<Throwable> ended = new LinkedBlockingQueue<>();
        Thread owner = Thread.ofPlatform().start(() -> {
            try {
                loop.run();
                ended.add(new AssertionError("run() returned normally"));
            } catch (Throwable e) {
                ended.add(e);
            }
        });
        Throwable e = ended.poll(10, TimeUnit.SECONDS);
        owner.interrupt();
        assertInstanceOf(EventLoop.Failed.class, e, String.valueOf(e));
        assertEquals(Errno.EINVAL, ((ErrnoException) e.getCause()).errno());
    }
}
