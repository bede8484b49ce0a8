package kleinhirn.core.config;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DurationsTest {
    /** Found by the durations fuzz target: terms that fit alone but not together. */
    @Test
    void aSumBeyondLongNanosIsNotADuration() {
        assertNull(Durations.parse("200000d 200000d"));
        assertNull(Durations.parse("3d " + "43d ".repeat(3000)));
        Duration fits = Durations.parse("100000d 6000d");
        assertEquals(Duration.ofDays(106000), fits);
        assertEquals("2544000h", Durations.format(fits));
    }
}
