package kleinhirn.runtime.harpoon;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import kleinhirn.core.harpoon.ContainerState;
import kleinhirn.core.harpoon.Effect;
import kleinhirn.core.harpoon.Event;
import kleinhirn.core.harpoon.ExitReport;
import kleinhirn.core.harpoon.Metrics;
import kleinhirn.core.log.Level;
import kleinhirn.core.log.LogFormat;
import kleinhirn.runtime.control.ControlServer;
import kleinhirn.runtime.log.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The effect interpreter and the fatal path with {@link FakeProcesses} and a real control socket. */
@Timeout(30)
class HarpoonEffectsTest {
    @TempDir Path dir;
    final FakeProcesses procs = new FakeProcesses();
    final ByteArrayOutputStream logs = new ByteArrayOutputStream();
    final Logger log = new Logger(logs, LogFormat.LOGFMT, Level.DEBUG, Instant::now, List.of());
    final List<Event> posted = new ArrayList<>();
    final CompletableFuture<Integer> exited = new CompletableFuture<>();
    ControlServer control;

    HarpoonEffects effects() throws Exception {
        control = ControlServer.bind(dir.resolve("control"), (c, t, d) -> {}, log);
        OciRuntime rt = new OciRuntime("rt", "id", "host", List.of("true"), Duration.ofMinutes(1), procs, null, log, posted::add);
        return new HarpoonEffects(rt, procs, control, log, posted::add, () -> {}, exited::complete);
    }

    @AfterEach
    void close() {
        if (control != null) control.close();
    }

    @Test
    void signalsGoToTheInitThroughThePort() throws Exception {
        HarpoonEffects fx = effects();
        fx.perform(new Effect.SignalContainer(4242, 15));
        assertEquals(List.of("4242 TERM"), procs.signals());
    }

    @Test
    void metricsWhileNothingRunsAreZero() throws Exception {
        effects().perform(new Effect.SampleMetrics());
        assertEquals(List.of(new Event.MetricsSampled(Metrics.ZERO)), posted);
    }

    @Test
    void exitDeliversTheFinalStateToAClientThenClosesAndExits() throws Exception {
        HarpoonEffects fx = effects();
        try (SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(dir.resolve("control")))) {
            ContainerState down = new ContainerState(false, false, null, ExitReport.NONE, 0, 0, Metrics.ZERO);
            fx.perform(new Effect.Publish(down));
            fx.perform(new Effect.Exit(0));
            assertEquals(0, exited.get(20, TimeUnit.SECONDS));
            String got = readAll(c);
            assertTrue(got.contains("\"up\":false,\"restarting\":false"), got);
            assertFalse(Files.exists(dir.resolve("control")));
        }
    }

    @Test
    void anUncaughtFailureClosesControlAndExitsOne() throws Exception {
        effects();
        OciRuntime rt = new OciRuntime("rt", "id", "host", List.of("true"), Duration.ofMinutes(1), procs, null, log, posted::add);
        Thread t = Thread.ofPlatform().unstarted(() -> { throw new IllegalStateException("boom"); });
        t.setUncaughtExceptionHandler(new Fatal(rt, procs, control, log, exited::complete));
        t.start();
        assertEquals(Fatal.EXIT_CODE, exited.get(20, TimeUnit.SECONDS));
        assertFalse(Files.exists(dir.resolve("control")));
        assertTrue(logs.toString().contains("internal failure"), logs.toString());
    }

    static String readAll(SocketChannel c) throws Exception {
        StringBuilder b = new StringBuilder();
        ByteBuffer buf = ByteBuffer.allocate(4096);
        while (c.read(buf.clear()) > 0) b.append(new String(buf.array(), 0, buf.position()));
        return b.toString();
    }
}
