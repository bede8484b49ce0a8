package kleinhirn.runtime;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import kleinhirn.core.Step;

/**
 * Owns one machine's state. Exactly one thread calls {@link #run}; any thread may {@link #post}.
 * Each event goes through the pure step function; the effects are handed to the interpreter in
 * order, and the new state is published to readers as an immutable snapshot. The machine's
 * deadline (Step.wakeAt) is the only timer: when it passes, the loop feeds it a tick event.
 */
public final class EventLoop<S, E, F> {
    public interface Machine<S, E, F> {
        Step<S, F> step(S state, E event, Instant now);
    }

    public interface Interpreter<F> {
        void perform(F effect);
    }

    private final LinkedBlockingQueue<E> inbox = new LinkedBlockingQueue<>();
    private final Machine<S, E, F> machine;
    private final Function<Instant, E> tick;
    private final InstantSource clock;
    private final Consumer<S> publish;
    private Interpreter<F> interpreter;
    private S state;
    private Instant wakeAt;
    private volatile boolean stopped;
    private volatile long turns;

    public EventLoop(Machine<S, E, F> machine, S initial, Function<Instant, E> tick, InstantSource clock,
                     Consumer<S> publish) {
        this.machine = machine;
        this.state = initial;
        this.tick = tick;
        this.clock = clock;
        this.publish = publish;
        publish.accept(initial);
    }

    public void interpreter(Interpreter<F> interpreter) {
        this.interpreter = interpreter;
    }

    public void post(E event) {
        inbox.add(event);
    }

    /** Ends {@link #run} after the current turn; called by the interpreter (e.g. for an Exit effect). */
    public void stop() {
        stopped = true;
    }

    /** Loop turns completed so far; liveness checks compare it over time. */
    public long turns() {
        return turns;
    }

    /** How many events wait; a liveness view uses it with {@link #turns()}. */
    public int backlog() {
        return inbox.size();
    }

    /** Handles an event on the calling thread, which must be the loop thread (or run() not started). */
    public void handle(E event) {
        Step<S, F> step = machine.step(state, event, clock.instant());
        state = step.state();
        wakeAt = step.wakeAt();
        publish.accept(state);
        for (F effect : step.effects()) {
            interpreter.perform(effect);
            if (stopped) return;
        }
        turns++;
    }

    public void run() throws InterruptedException {
        while (!stopped) {
            E e;
            if (wakeAt == null) {
                e = inbox.take();
            } else {
                long waitNanos = Duration.between(clock.instant(), wakeAt).toNanos();
                e = waitNanos <= 0 ? inbox.poll() : inbox.poll(waitNanos, TimeUnit.NANOSECONDS);
                if (e == null) e = tick.apply(clock.instant());
            }
            handle(e);
        }
    }

    public S state() {
        return state;
    }
}
