package kleinhirn.runtime.log;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import kleinhirn.core.log.Level;
import kleinhirn.core.log.LogFormat;
import org.junit.jupiter.api.Test;

/** The order of lines written by several threads agrees with their timestamps. */
class LoggerTest {
    @Test
    void theStampIsTakenUnderTheWriteLock() {
        AtomicBoolean unlocked = new AtomicBoolean();
        Logger[] self = new Logger[1];
        InstantSource clock = () -> {
            if (!Thread.holdsLock(self[0])) unlocked.set(true);
            return Instant.EPOCH;
        };
        self[0] = new Logger(new ByteArrayOutputStream(), LogFormat.JSON, Level.INFO, clock, List.of());
        self[0].info("x");
        assertFalse(unlocked.get(), "a stamp taken outside the lock can be overtaken by a later one");
    }

    @Test
    void linesFromManyThreadsComeOutInStampOrder() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        AtomicLong ticks = new AtomicLong();
        // Every call is a new, later instant, so any reordering between stamp and write shows.
        InstantSource clock = () -> Instant.EPOCH.plusMillis(ticks.incrementAndGet());
        Logger log = new Logger(out, LogFormat.LOGFMT, Level.INFO, clock, List.of());
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            threads.add(Thread.ofPlatform().start(() -> {
                for (int i = 0; i < 2000; i++) log.info("line");
            }));
        }
        for (Thread t : threads) t.join();
        String previous = "";
        for (String line : out.toString(StandardCharsets.UTF_8).split("\n")) {
            String ts = line.substring(3, line.indexOf(' '));
            assertTrue(ts.compareTo(previous) >= 0, previous + " then " + ts);
            previous = ts;
        }
    }
}
