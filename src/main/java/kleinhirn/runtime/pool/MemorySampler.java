package kleinhirn.runtime.pool;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import kleinhirn.core.pool.PoolEvent;

/**
 * Measures the workers' unique memory every {@code interval} on a platform thread of its own and
 * posts {@link PoolEvent.MemorySampled}: reading /proc/PID/smaps_rollup walks page tables and
 * can take milliseconds per large process, so it must never run on the event loop. The set of
 * workers comes from the latest published snapshot; a worker that is gone by the time it is
 * measured is simply missing from the event.
 */
public final class MemorySampler implements AutoCloseable {
    private final CountDownLatch closed = new CountDownLatch(1);
    private final Thread thread;

    private MemorySampler(Duration interval, Supplier<Set<Integer>> workers, Function<Set<Integer>, Map<Integer, Long>> measure,
                          Consumer<PoolEvent> post) {
        thread = Thread.ofPlatform().daemon().name("memory-sampler").unstarted(() -> {
            try {
                while (!closed.await(interval.toNanos(), TimeUnit.NANOSECONDS)) {
                    Set<Integer> pids = workers.get();
                    if (!pids.isEmpty()) post.accept(new PoolEvent.MemorySampled(measure.apply(pids)));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    /** {@code measure}: unique bytes per process group leader (the worker pids). */
    public static MemorySampler start(Duration interval, Supplier<Set<Integer>> workers,
                                      Function<Set<Integer>, Map<Integer, Long>> measure, Consumer<PoolEvent> post) {
        MemorySampler s = new MemorySampler(interval, workers, measure, post);
        s.thread.start();
        return s;
    }

    @Override
    public void close() {
        closed.countDown();
    }
}
