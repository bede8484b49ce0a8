package kleinhirn.core.harpoon;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class GoDurationTest {
    @Test
    void formatIsGosDurationStringToTheMillisecond() {
        assertEquals("250ms", GoDuration.format(Duration.ofMillis(250)));
        assertEquals("1s", GoDuration.format(Duration.ofSeconds(1)));
        assertEquals("1.5s", GoDuration.format(Duration.ofMillis(1500)));
        assertEquals("2m30s", GoDuration.format(Duration.ofSeconds(150)));
        assertEquals("1h0m0s", GoDuration.format(Duration.ofHours(1)));
        for (String s : new String[] {"250ms", "1.5s", "2m30s", "1h0m0s"}) assertEquals(s, GoDuration.format(GoDuration.parse(s)));
    }
}
