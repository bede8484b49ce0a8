package kleinhirn.runtime;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import kleinhirn.core.Step;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The loop's one invariant: the outcome of an effect (Spawned with the new pid) is handled
 * before anything queued behind it, so a pid is always known to the machine before its exit
 * (Reaped, posted by the reaper thread) can be. Events and effects are plain strings here; the
 * state is the list of events in the order the machine saw them.
 */
class EventLoopTest {
    static final InstantSource CLOCK = InstantSource.fixed(Instant.parse("2026-11-21T12:00:00Z"));

    /** The machine: remembers each event; "start" asks for a spawn, "stop" for the end. */
    static Step<List<String>, String> step(List<String> seen, String event, Instant now) {
        List<String> next = new ArrayList<>(seen);
        next.add(event);
        List<String> fx = switch (event) {
            case "start" -> List.of("spawn");
            case "reaped 7" -> List.of("stop");
            default -> List.of();
        };
        return new Step<>(next, fx, null);
    }

    @Test
    @Timeout(10)
    void aSpawnsOutcomeIsHandledBeforeAnExitQueuedBehindIt() throws InterruptedException {
        EventLoop<List<String>, String, String> loop = new EventLoop<>(EventLoopTest::step, List.of(), now -> "tick",
                CLOCK, s -> { });
        loop.interpreter(effect -> {
            switch (effect) {
                case "spawn" -> {
                    // The child exits at once and the reaper thread posts its exit before the
                    // spawner's result is handed back: the exit is already in the inbox.
                    loop.post("reaped 7");
                    loop.feed("spawned 7");
                }
                case "stop" -> loop.stop();
                default -> fail("unexpected effect " + effect);
            }
        });
        loop.post("start");
        loop.run();
        assertEquals(List.of("start", "spawned 7", "reaped 7"), loop.state());
    }

    @Test
    @Timeout(10)
    void outcomesFedInOneTurnAreHandledInOrderBeforeTheInbox() throws InterruptedException {
        List<String> performed = new ArrayList<>();
        EventLoop<List<String>, String, String> loop = new EventLoop<>((seen, e, now) -> {
            List<String> next = new ArrayList<>(seen);
            next.add(e);
            return new Step<>(next, e.equals("start") ? List.of("spawn a", "spawn b") : e.equals("last")
                    ? List.of("stop") : List.of(), null);
        }, List.of(), now -> "tick", CLOCK, s -> { });
        loop.interpreter(effect -> {
            performed.add(effect);
            if (effect.equals("stop")) loop.stop();
            else loop.feed("spawned " + effect.substring("spawn ".length()));
        });
        loop.post("start");
        loop.post("last");
        loop.run();
        assertEquals(List.of("start", "spawned a", "spawned b", "last"), loop.state());
        assertEquals(List.of("spawn a", "spawn b", "stop"), performed);
    }

    @Test
    @Timeout(10)
    void actionsGoOutBeforeTheStateIsPublishedAndLogLinesAfter() throws InterruptedException {
        List<String> order = new ArrayList<>();
        EventLoop<List<String>, String, String> loop = new EventLoop<>((seen, e, now) -> {
            List<String> next = new ArrayList<>(seen);
            next.add(e);
            return new Step<>(next, e.equals("start") ? List.of("spawn", "log died", "log spawned")
                    : List.of("stop", "log stopping"), null);
        }, List.of(), now -> "tick", CLOCK, s -> order.add("publish " + s), effect -> effect.startsWith("log"));
        loop.interpreter(effect -> {
            order.add(effect);
            if (effect.equals("stop")) loop.stop();
        });
        loop.post("start");
        loop.post("last");
        loop.run();
        // An Exit-like stop still publishes the state it ended on, and skips what follows it.
        assertEquals(List.of("publish []", "spawn", "publish [start]", "log died", "log spawned",
                "stop", "publish [start, last]"), order);
    }
}
