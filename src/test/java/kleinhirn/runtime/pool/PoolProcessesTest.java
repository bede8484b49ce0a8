package kleinhirn.runtime.pool;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import kleinhirn.core.ExitStatus;
import kleinhirn.core.Sig;
import kleinhirn.core.Step;
import kleinhirn.core.pool.PoolEffect;
import kleinhirn.core.pool.PoolEvent;
import kleinhirn.core.pool.PoolState;
import kleinhirn.runtime.EventLoop;
import kleinhirn.runtime.log.Throttle;
import org.junit.jupiter.api.Test;

/** The pool's effect interpreter against fake ports, driven through a real EventLoop. */
class PoolProcessesTest {
    private static final int SELF = 100;

    /** A machine that records each event and answers with the next scripted effects. */
    private final List<PoolEvent> seen = new ArrayList<>();
    private final Deque<List<PoolEffect>> script = new ArrayDeque<>();
    private final EventLoop<PoolState, PoolEvent, PoolEffect> loop = new EventLoop<>((state, event, now) -> {
        seen.add(event);
        List<PoolEffect> effects = script.poll();
        return new Step<>(state, effects == null ? List.of() : effects, null);
    }, PoolState.initial(kleinhirn.core.pool.PoolStates.config(1, false), 0, Instant.EPOCH), now -> new PoolEvent.Woke(), () -> Instant.EPOCH, s -> { });
    private final Fakes.FakeProcesses processes = new Fakes.FakeProcesses();
    private final Fakes.Captured logs = new Fakes.Captured();

    private PoolProcesses interpreter(Fakes.FakeSpawner spawner, Map<String, String> environment) {
        PoolProcesses p = new PoolProcesses(Fakes.config("type = \"program\"\ncmdline = [\"app\", \"--port\", \"0\"]\nenv = { A = \"1\" }\n"),
                new PoolProcesses.Ports(spawner, new Fakes.NoPairs(), processes, (needed, reserve) -> java.util.Optional.empty()), SELF, "9.9.9",
                Path.of("/nonexistent/loader"), environment, loop, logs.log, new Throttle(logs.log));
        loop.interpreter(p);
        return p;
    }

    @Test
    void aSpawnsOutcomeIsHandledBeforeAnythingQueuedBehindIt() {
        var spawner = new Fakes.FakeSpawner(42);
        interpreter(spawner, Map.of());
        // Another thread saw the exit already: it must not reach the machine before Spawned.
        loop.post(new PoolEvent.Reaped(42, new ExitStatus.Exited(0)));
        script.add(List.of(new PoolEffect.Spawn("w1")));
        loop.handle(new PoolEvent.Started());
        assertEquals(List.of(new PoolEvent.Started(), new PoolEvent.Spawned("w1", 42)), seen);
        assertEquals(1, loop.backlog());
    }

    @Test
    void workersGetOurEnvironmentWithoutTheSupervisorsProtocolsThenTheirOwnThenOurs() {
        var spawner = new Fakes.FakeSpawner(42);
        interpreter(spawner, Map.of("PATH", "/bin", "NOTIFY_SOCKET", "@up", "LISTEN_FDS", "2", "A", "0"));
        script.add(List.of(new PoolEffect.Spawn("w1")));
        loop.handle(new PoolEvent.Started());
        var spec = spawner.specs.getFirst();
        assertEquals(List.of("app", "--port", "0"), spec.argv());
        assertEquals(List.of(), spec.fds());
        assertTrue(spec.ownProcessGroup());
        List<String> env = spec.env();
        assertTrue(env.contains("PATH=/bin"), env::toString);
        assertTrue(env.contains("A=1"), env::toString);
        assertTrue(env.containsAll(List.of("KLEINHIRN_WORKER_ID=w1", "KLEINHIRN_NAME=t", "KLEINHIRN_VERSION=9.9.9")),
                env::toString);
        assertFalse(env.stream().anyMatch(e -> e.startsWith("NOTIFY_SOCKET=") || e.startsWith("LISTEN_")),
                env::toString);
    }

    @Test
    void aFailedSpawnComesBackAsSpawnFailed() {
        interpreter(new Fakes.FakeSpawner(), Map.of());
        script.add(List.of(new PoolEffect.Spawn("w1")));
        loop.handle(new PoolEvent.Started());
        assertEquals(new PoolEvent.SpawnFailed("w1", "posix_spawnp(app): ENOENT (no such file or directory)"),
                seen.get(1));
    }

    @Test
    void signalsGoToTheProcessOrToItsGroup() {
        PoolProcesses p = interpreter(new Fakes.FakeSpawner(), Map.of());
        p.perform(new PoolEffect.Signal(42, Sig.TERM, true));
        p.perform(new PoolEffect.Signal(43, Sig.HUP, false));
        assertEquals(List.of("-42:15", "43:1"), processes.kills);
    }

    @Test
    void straysAreSignalledGroupFirstThenThemselves() {
        processes.parents.putAll(Map.of(7, SELF, 8, SELF, 9, 7));
        PoolProcesses p = interpreter(new Fakes.FakeSpawner(), Map.of());
        p.perform(new PoolEffect.SignalStrays(Sig.KILL));
        assertEquals(List.of("-7:9", "7:9", "-8:9", "8:9"), processes.kills);
    }

    @Test
    void aTargetAlreadyGoneIsNotAnErrorButARefusalIsLogged() {
        processes.gone.add(42);
        processes.forbidden.add(43);
        PoolProcesses p = interpreter(new Fakes.FakeSpawner(), Map.of());
        p.perform(new PoolEffect.Signal(42, Sig.TERM, false));
        p.perform(new PoolEffect.Signal(43, Sig.TERM, false));
        assertTrue(logs.text().contains("signal target already gone"), logs.text());
        assertTrue(logs.text().contains("could not send signal") && logs.text().contains("EPERM"), logs.text());
    }

    @Test
    void exitRecordsTheCodeAndStopsTheLoop() throws InterruptedException {
        PoolProcesses p = interpreter(new Fakes.FakeSpawner(), Map.of());
        assertEquals(-1, p.exitCode());
        script.add(List.of(new PoolEffect.Exit(3), new PoolEffect.Spawn("never")));
        loop.post(new PoolEvent.Started());
        loop.run(); // returns: the Exit stopped it, and the effect after it was not performed
        assertEquals(3, p.exitCode());
        assertEquals(List.of(new PoolEvent.Started()), seen);
    }
}
