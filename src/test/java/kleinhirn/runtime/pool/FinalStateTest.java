package kleinhirn.runtime.pool;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.*;

import java.io.OutputStream;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import kleinhirn.core.codec.Json;
import kleinhirn.core.codec.Sse;
import kleinhirn.core.log.Level;
import kleinhirn.core.log.LogFormat;
import kleinhirn.core.pool.PoolStates;
import kleinhirn.runtime.MonotonicClock;
import kleinhirn.runtime.control.ControlServer;
import kleinhirn.runtime.log.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ways out the machine does not drive (a failed start, a failed supervisor): PoolMain calls
 * PoolWatch.finish before closing the control socket, so a connected client still gets a final
 * state, saying why, before EOF. A real socket and a real client.
 */
class FinalStateTest {
    @TempDir
    Path dir;

    @Test
    void aFailedStartEndsTheStreamOnAFinalStateSayingWhy() throws Exception {
        Logger log = new Logger(OutputStream.nullOutputStream(), LogFormat.LOGFMT, Level.DEBUG, Instant::now, List.of());
        PoolWatch watch = new PoolWatch("web", 2, new MonotonicClock(), () -> -1);
        watch.accept(PoolStates.initial(1, Instant.now()));
        ControlServer control = ControlServer.bind(dir.resolve("control"), (c, type, data) -> {}, log);
        try (SocketChannel client = SocketChannel.open(UnixDomainSocketAddress.of(dir.resolve("control")))) {
            watch.control(control);
            List<Map<String, Object>> states = new ArrayList<>();
            Sse.Decoder d = new Sse.Decoder();
            ByteBuffer buf = ByteBuffer.allocate(1 << 16);
            Thread closer = null;
            while (true) {
                buf.clear();
                int n = client.read(buf);
                if (n < 0) break;
                for (Sse.Event e : d.feed(buf.array(), 0, n)) states.add(Json.parseObject(e.data()));
                if (closer == null && !states.isEmpty()) {
                    assertEquals("starting", states.getFirst().get("state"));
                    closer = Thread.ofPlatform().start(() -> {
                        watch.finish("startup failed: cannot open the workers' ack sockets");
                        control.close(500);
                    });
                }
            }
            closer.join();
            Map<String, Object> last = states.getLast();
            assertEquals("stopping", last.get("state"));
            assertEquals("startup failed: cannot open the workers' ack sockets", last.get("reason"));
            assertEquals(List.of(), last.get("workers"));
        } finally {
            control.close();
        }
        assertFalse(Files.exists(dir.resolve("control")));
    }
}
