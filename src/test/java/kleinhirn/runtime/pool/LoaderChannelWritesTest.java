package kleinhirn.runtime.pool;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import kleinhirn.Await;
import kleinhirn.core.codec.LoaderMessage;
import kleinhirn.core.codec.LoaderWire;
import kleinhirn.core.port.SocketPairs;
import kleinhirn.runtime.log.Logger;
import kleinhirn.runtime.log.Throttle;
import org.junit.jupiter.api.Test;

/**
 * The loop writes a spawn request itself when nothing is pending; what a full socket does not
 * take goes to the writer thread, and later requests queue behind it: the loader reads every
 * request whole and in order.
 */
class LoaderChannelWritesTest {
    /** A socket whose non-blocking write takes at most {@code budget} bytes; blocking writes take all. */
    static final class FakeStream implements SocketPairs.Stream {
        final ByteArrayOutputStream peer = new ByteArrayOutputStream();
        volatile int budget = Integer.MAX_VALUE;
        volatile int direct, blocking;
        private final CountDownLatch closed = new CountDownLatch(1);

        @Override
        public synchronized int writeNow(ByteBuffer src) {
            int n = Math.min(budget, src.remaining());
            byte[] b = new byte[n];
            src.get(b);
            peer.writeBytes(b);
            direct++;
            return n;
        }

        /** Holds the writer thread's blocking writes until released. */
        final CountDownLatch gate = new CountDownLatch(1);

        @Override
        public int write(ByteBuffer src) throws java.io.IOException {
            try {
                gate.await();
            } catch (InterruptedException e) {
                throw new java.io.InterruptedIOException();
            }
            return take(src);
        }

        private synchronized int take(ByteBuffer src) {
            int n = src.remaining();
            byte[] b = new byte[n];
            src.get(b);
            peer.writeBytes(b);
            blocking++;
            return n;
        }

        synchronized String seen() {
            return peer.toString(StandardCharsets.UTF_8);
        }

        @Override
        public int read(ByteBuffer dst) throws java.io.IOException {
            try {
                closed.await(); // the loader says nothing in this test
            } catch (InterruptedException e) {
                throw new java.io.InterruptedIOException();
            }
            return -1;
        }

        @Override
        public boolean isOpen() {
            return closed.getCount() > 0;
        }

        @Override
        public void close() {
            closed.countDown();
        }
    }

    @Test
    void requestsArriveWholeAndInOrderWhetherWrittenByTheLoopOrTheWriter() {
        FakeStream s = new FakeStream();
        Logger log = new Logger(java.io.OutputStream.nullOutputStream(), kleinhirn.core.log.LogFormat.LOGFMT,
                kleinhirn.core.log.Level.DEBUG, java.time.Instant::now, java.util.List.of());
        LoaderChannel ch = LoaderChannel.start(s, 1, e -> { }, log, new Throttle(log));
        try {
            var a = new LoaderMessage.Spawn("a", null, null);
            var b = new LoaderMessage.Spawn("b", null, null);
            var c = new LoaderMessage.Spare("c", null, null);
            assertTrue(ch.request(a));
            assertEquals(1, s.direct, "nothing pending: the loop wrote it");
            s.budget = 5; // the socket is nearly full: b goes out in part, the rest to the writer
            assertTrue(ch.request(b));
            s.budget = Integer.MAX_VALUE;
            assertTrue(ch.request(c)); // b's rest is pending (the writer is held): c must queue behind it
            assertEquals(2, s.direct, "c was not written past b's pending rest");
            s.gate.countDown();
            String want = LoaderWire.encode(a) + "\n" + LoaderWire.encode(b) + "\n" + LoaderWire.encode(c) + "\n";
            Await.until(Duration.ofSeconds(10), "all three requests written", () -> s.seen().length() >= want.length());
            assertEquals(want, s.seen());
            assertTrue(s.blocking >= 1, "b's rest went through the writer");
        } finally {
            ch.close();
        }
    }
}
