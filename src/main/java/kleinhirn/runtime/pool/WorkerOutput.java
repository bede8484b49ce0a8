package kleinhirn.runtime.pool;

import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import kleinhirn.core.log.Level;
import kleinhirn.core.log.Log;
import kleinhirn.core.pool.PoolState;
import kleinhirn.core.pool.Worker;
import kleinhirn.core.port.ErrnoException;
import kleinhirn.core.port.Pipes;
import kleinhirn.core.port.Pipes.Pipe;
import kleinhirn.runtime.log.Logger;
import kleinhirn.runtime.log.OutputReader;

/**
 * log.worker_output: where each child's stdout and stderr go. With {@code inherit} they are
 * ours (the spawner leaves fds 1 and 2 alone). With {@code capture} every worker, and the
 * loader, gets two pipes of its own; a reader per pipe ({@link OutputReader}) logs each line
 * with worker_id, pid and stream.
 *
 * <p>A preloaded worker is forked by the loader, long after the loader was started, so its
 * pipes cannot be inherited: the spawn request names our write ends as {@code /proc/<our
 * pid>/fd/<n>}, which the loader's intermediate child opens (a pipe opened there is the same
 * pipe) and puts on the worker's fds 1 and 2. We keep our write ends until the worker's pid is
 * known, which the loader reports only after that open.
 *
 * <p>Called on the loop's thread only (effects and published states); readers run on their own.
 */
public final class WorkerOutput implements Consumer<PoolState>, AutoCloseable {
    /** What a child's fds 1 and 2 become; the paths are for a loader's fork (null when inherited). */
    record Streams(int stdout, int stderr, String stdoutPath, String stderrPath) {
        static final Streams INHERITED = new Streams(1, 2, null, null);
    }

    /** One child's captured streams, until its pid is known. */
    private record Capture(Pipe out, Pipe err, CompletableFuture<Integer> pid) {}

    /** How long the last lines may take to be logged after every child is gone. */
    static final Duration DRAIN = Duration.ofSeconds(2);

    private final boolean capture;
    private final Pipes pipes;
    private final Logger log;
    private final int self;
    private final Map<String, Capture> pending = new HashMap<>();
    private final Set<Thread> readers = ConcurrentHashMap.newKeySet();

    /** log.worker_output = "inherit": children keep our stdout and stderr; nothing is opened. */
    public static WorkerOutput inherit() {
        return new WorkerOutput(false, null, null, 0);
    }

    /** log.worker_output = "capture": each child gets pipes; {@code self} is our pid (for /proc paths). */
    public static WorkerOutput capture(Pipes pipes, Logger log, int self) {
        return new WorkerOutput(true, pipes, log, self);
    }

    private WorkerOutput(boolean capture, Pipes pipes, Logger log, int self) {
        this.capture = capture;
        this.pipes = pipes;
        this.log = log;
        this.self = self;
    }

    /** Streams for a worker about to be spawned or requested from the loader. */
    Streams open(String id) throws ErrnoException {
        if (!capture) return Streams.INHERITED;
        return open(id, (stream, text, split, pid) -> new Log(Level.INFO, text, null,
                Arrays.asList("worker_id", id, "pid", pid, "stream", stream, "split", split ? true : null)));
    }

    /** Streams for a loader about to be started: its own lines, tagged preloader. */
    Streams openLoader(int generation) throws ErrnoException {
        if (!capture) return Streams.INHERITED;
        return open("loader-" + generation, (stream, text, split, pid) -> new Log(Level.INFO, text, "preloader",
                Arrays.asList("pid", pid, "stream", stream, "split", split ? true : null)));
    }

    private interface Record {
        Log of(String stream, String text, boolean split, int pid);
    }

    private Streams open(String key, Record record) throws ErrnoException {
        Pipe out = pipes.open();
        Pipe err;
        try {
            err = pipes.open();
        } catch (ErrnoException e) {
            pipes.close(out.readEnd());
            pipes.close(out.writeEnd());
            throw e;
        }
        Capture c = new Capture(out, err, new CompletableFuture<>());
        pending.put(key, c);
        read(key, "stdout", out, c.pid(), record);
        read(key, "stderr", err, c.pid(), record);
        return new Streams(out.writeEnd(), err.writeEnd(), "/proc/" + self + "/fd/" + out.writeEnd(),
                "/proc/" + self + "/fd/" + err.writeEnd());
    }

    private void read(String key, String stream, Pipe p, CompletableFuture<Integer> pid, Record record) {
        Thread t = OutputReader.unstarted("output-" + stream + "-" + key, pipes.reader(p.readEnd()), pid,
                (text, split, knownPid) -> record.of(stream, text, split, knownPid), log,
                () -> readers.remove(Thread.currentThread()));
        readers.add(t);
        t.start();
    }

    private void release(Capture c) {
        pipes.close(c.out().writeEnd());
        pipes.close(c.err().writeEnd());
    }

    /** The child runs and holds its own ends: drop ours, and name the pid on its lines. */
    void started(String id, int pid) {
        Capture c = pending.remove(id);
        if (c == null) return;
        release(c);
        c.pid().complete(pid);
    }

    void startedLoader(int generation, int pid) {
        started("loader-" + generation, pid);
    }

    void forgetLoader(int generation) {
        forget("loader-" + generation);
    }

    /** The worker is gone, or was never launched: nothing more will open our ends. */
    void forget(String id) {
        Capture c = pending.remove(id);
        if (c == null) return;
        release(c);
        c.pid().cancel(false);
    }

    /** Preloaded workers: their pids arrive with the loader's launch reports. */
    @Override
    public void accept(PoolState s) {
        if (pending.isEmpty()) return;
        for (String id : List.copyOf(pending.keySet())) {
            if (s.workers().get(id) instanceof Worker.Running w) started(id, w.pid());
        }
    }

    /** After every child is gone: let the readers log what is left in the pipes, for a bounded time. */
    @Override
    public void close() {
        for (String id : List.copyOf(pending.keySet())) forget(id);
        long deadline = System.nanoTime() + DRAIN.toNanos();
        for (Thread t : List.copyOf(readers)) {
            long left = deadline - System.nanoTime();
            if (left <= 0) break;
            try {
                t.join(Duration.ofNanos(left));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
