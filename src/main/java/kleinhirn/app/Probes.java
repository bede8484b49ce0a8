package kleinhirn.app;

import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import kleinhirn.core.pool.HealthView;
import kleinhirn.core.pool.PoolState;
import kleinhirn.runtime.EventLoop;
import kleinhirn.runtime.MonotonicClock;
import kleinhirn.runtime.http.Response;

/**
 * The readiness and liveness endpoints. Sees every published state on the loop's thread to note
 * when a down spell (faulted and below min_ready) began; HTTP handlers read that and the latest
 * snapshot. The policy itself is {@link HealthView}.
 */
final class Probes implements Consumer<PoolState> {
    /** The loop counts as stuck when it has not come round for this long. */
    static final long LOOP_STUCK_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final HealthView view;
    private final MonotonicClock clock;
    private final Supplier<PoolState> snapshot;
    private volatile EventLoop<?, ?, ?> loop; // set once, before the HTTP server starts
    private volatile Instant downSince; // written by the loop thread only

    Probes(HealthView view, MonotonicClock clock, Supplier<PoolState> snapshot) {
        this.view = view;
        this.clock = clock;
        this.snapshot = snapshot;
    }

    /** The loop whose responsiveness liveness reports (it takes this as its publish hook first). */
    void loop(EventLoop<?, ?, ?> loop) {
        this.loop = loop;
    }

    @Override
    public void accept(PoolState s) {
        downSince = view.downSince(s, downSince, clock.instant());
    }

    Response readiness() {
        return answer(view.readiness(snapshot.get()));
    }

    Response liveness() {
        return answer(view.liveness(snapshot.get(), downSince, clock.instant(), loop.responsive(LOOP_STUCK_NANOS)));
    }

    private static Response answer(HealthView.Answer a) {
        return Response.text(a.status(), a.body());
    }
}
