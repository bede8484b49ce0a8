package kleinhirn.runtime;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
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
    /** Outcomes of effects performed in this turn; handled before anything in the inbox. */
    private final java.util.ArrayDeque<E> feedback = new java.util.ArrayDeque<>();
    private final Machine<S, E, F> machine;
    private final Function<Instant, E> tick;
    private final InstantSource clock;
    private final Consumer<S> publish;
    private final Predicate<F> afterPublish;
    private Interpreter<F> interpreter;
    private S state;
    private Instant wakeAt;
    private volatile boolean stopped;
    private volatile Throwable failure; // set once by a thread the supervision needs; ends run()
    private volatile long turns;
    private volatile long lastTurnNanos = System.nanoTime();

    public EventLoop(Machine<S, E, F> machine, S initial, Function<Instant, E> tick, InstantSource clock,
                     Consumer<S> publish) {
        this(machine, initial, tick, clock, publish, effect -> true);
    }

    /**
     * The leading effects of a step that {@code afterPublish} does not match are performed before
     * the new state is published, the rest after it. The pool passes its log lines: a
     * replacement's spawn request or a spare's SIGCONT then goes out without waiting for the
     * status JSON and the health view to be rebuilt, and whoever sees a step's log line still
     * finds its state published.
     */
    public EventLoop(Machine<S, E, F> machine, S initial, Function<Instant, E> tick, InstantSource clock,
                     Consumer<S> publish, Predicate<F> afterPublish) {
        this.afterPublish = afterPublish;
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

    /**
     * A thread the supervision depends on (the reaper, a signal, a receiver) failed: {@link #run}
     * throws {@link Failed} at its next turn, so the owner of the loop takes its documented way
     * out. Any thread may call it; the first failure wins.
     */
    public void fail(Throwable cause) {
        if (failure == null) failure = cause;
        inbox.add(tick.apply(clock.instant())); // wakes a loop blocked on an empty inbox
    }

    /** What {@link #run} throws after {@link #fail}; the cause is the original failure. */
    public static final class Failed extends RuntimeException {
        Failed(Throwable cause) {
            super("a thread the supervisor needs failed: " + cause, cause);
        }
    }

    /** Loop turns completed so far; liveness checks compare it over time. */
    public long turns() {
        return turns;
    }

    /** How many events wait; a liveness view uses it with {@link #turns()}. */
    public int backlog() {
        return inbox.size();
    }

    /**
     * Called by the interpreter while it performs an effect: the outcome (e.g. Spawned with the
     * new pid) is handled right after this turn, before any event another thread queued
     * meanwhile. That is how a pid is known before its exit can be seen.
     */
    public void feed(E event) {
        feedback.add(event);
    }

    /** Handles an event on the calling thread, which must be the loop thread (or run() not started). */
    public void handle(E event) {
        feedback.add(event);
        for (E e; (e = feedback.poll()) != null; ) {
            Step<S, F> step = machine.step(state, e, clock.instant());
            state = step.state();
            wakeAt = step.wakeAt();
            var effects = step.effects();
            int i = 0;
            for (; i < effects.size() && !afterPublish.test(effects.get(i)); i++) {
                interpreter.perform(effects.get(i));
                if (stopped) break;
            }
            publish.accept(state);
            if (stopped) return;
            for (; i < effects.size(); i++) {
                interpreter.perform(effects.get(i));
                if (stopped) return;
            }
        }
        turns++;
        lastTurnNanos = System.nanoTime();
    }

    /** False when events wait and no turn has completed for {@code nanos}: the loop is stuck. */
    public boolean responsive(long nanos) {
        return inbox.isEmpty() || System.nanoTime() - lastTurnNanos < nanos;
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
            Throwable f = failure;
            if (f != null) throw new Failed(f);
            handle(e);
        }
    }

    public S state() {
        return state;
    }
}
