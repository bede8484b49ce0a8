package kleinhirn.runtime.harpoon;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import kleinhirn.core.ExitStatus;
import kleinhirn.core.log.Level;
import kleinhirn.core.log.LogFormat;
import kleinhirn.runtime.log.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Runtime calls against {@link FakeProcesses}: deadlines, cancellation, where held stderr goes. */
@Timeout(30)
class RuntimeCallsTest {
    final FakeProcesses procs = new FakeProcesses();
    final ByteArrayOutputStream logs = new ByteArrayOutputStream();
    final Logger log = new Logger(logs, LogFormat.LOGFMT, Level.DEBUG, Instant::now, List.of());

    RuntimeCalls calls(Duration timeout) { return new RuntimeCalls("rt", timeout, procs, log); }

    @Test
    void aCallRunsTheRuntimeInItsOwnGroupAndSucceedsOnExitZero() {
        RuntimeCalls.Outcome o = calls(Duration.ofMinutes(1)).run(RuntimeCalls.Call.DELETE, "delete", "--force", "x");
        assertTrue(o.ok(), o.toString());
        assertEquals(List.of(List.of("rt", "delete", "--force", "x")), procs.spawned);
        assertTrue(procs.signals().isEmpty());
    }

    @Test
    void aRefusedCreateSendsItsHeldStderrToTheLog() {
        procs.answer = new ExitStatus.Exited(1);
        RuntimeCalls.Outcome o = calls(Duration.ofMinutes(1)).run(RuntimeCalls.Call.CREATE, "--log", "l", "create", "x");
        assertEquals(new RuntimeCalls.Outcome.Refused(new ExitStatus.Exited(1)), o);
        assertEquals(List.of("1001->stderr"), procs.held());
    }

    @Test
    void aSucceededCreateLeavesItsStderrHeldForTheCaller() {
        RuntimeCalls.Outcome o = calls(Duration.ofMinutes(1)).run(RuntimeCalls.Call.CREATE, "create", "x");
        assertInstanceOf(RuntimeCalls.Outcome.Succeeded.class, o);
        assertTrue(procs.held().isEmpty());
        ((RuntimeCalls.Outcome.Succeeded) o).stderr().toStdout();
        assertEquals(List.of("1001->stdout"), procs.held());
    }

    @Test
    void aCallPastItsDeadlineIsKilledWithItsGroupAndSaysSo() {
        procs.answer = null; // hangs
        RuntimeCalls.Outcome o = calls(Duration.ofMillis(50)).run(RuntimeCalls.Call.CREATE, "--log", "l", "create", "x");
        assertEquals(new RuntimeCalls.Outcome.Failed("timed out after 50ms (killed)"), o);
        assertEquals(List.of("-1001 KILL"), procs.signals());
        assertEquals(List.of("1001->stderr"), procs.held());
        assertTrue(logs.toString().contains("call=create"), logs.toString());
    }

    @Test
    void abortKillsTheCreateInFlight() throws Exception {
        procs.answer = null;
        RuntimeCalls calls = calls(Duration.ofMinutes(10));
        CompletableFuture<RuntimeCalls.Outcome> o = CompletableFuture.supplyAsync(() -> calls.run(RuntimeCalls.Call.CREATE, "create", "x"));
        while (procs.exits.isEmpty()) Thread.onSpinWait();
        calls.abort();
        assertEquals(new RuntimeCalls.Outcome.Failed("cancelled: the supervisor is stopping"), o.get(20, TimeUnit.SECONDS));
        assertEquals(List.of("-1001 KILL"), procs.signals());
    }

    @Test
    void afterAnAbortStartsAreSkippedUntilResetButDeletesStillRun() {
        RuntimeCalls calls = calls(Duration.ofMinutes(1));
        calls.abort();
        assertEquals(new RuntimeCalls.Outcome.Failed("cancelled: the supervisor is stopping"), calls.run(RuntimeCalls.Call.START, "start", "x"));
        assertTrue(procs.spawned.isEmpty(), "nothing spawned for a cancelled start");
        assertTrue(calls.run(RuntimeCalls.Call.DELETE, "delete", "x").ok());
        calls.resetAbort();
        assertTrue(calls.run(RuntimeCalls.Call.CREATE, "create", "x").ok());
    }

    @Test
    void verbSkipsGlobalFlags() {
        assertEquals("create", RuntimeCalls.verb("--log", "runtime.log", "--log-format", "json", "create", "--bundle", "."));
        assertEquals("delete", RuntimeCalls.verb("delete", "--force", "x"));
    }
}
