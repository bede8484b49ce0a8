package kleinhirn.core.config;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class MinReadyTest {
    static int resolve(Object raw, int count, List<String> errors) {
        return MinReady.resolve(raw, count, errors::add);
    }

    @Test
    void defaultIsCountAndIntegersAreTakenAsTheyAre() {
        List<String> errors = new ArrayList<>();
        assertEquals(4, resolve(null, 4, errors));
        assertEquals(1, resolve(1L, 4, errors));
        assertEquals(4, resolve(4L, 4, errors));
        assertEquals(List.of(), errors);
    }

    @Test
    void percentagesRoundUp() {
        List<String> errors = new ArrayList<>();
        assertEquals(3, resolve("75%", 3, errors), "75% of 3 is 2.25: at least that many means 3");
        assertEquals(2, resolve("50%", 3, errors));
        assertEquals(3, resolve("75%", 4, errors));
        assertEquals(1, resolve("1%", 3, errors), "never 0");
        assertEquals(3, resolve("100%", 3, errors));
        assertEquals(7500, resolve("75%", 10_000, errors));
        assertEquals(List.of(), errors);
    }

    @Test
    void zeroNegativeAboveCountAndJunkAreErrors() {
        for (Object bad : List.of(0L, -1L, 5L, "0%", "101%", "150%", "75", "3 of 4", 0.5, true)) {
            List<String> errors = new ArrayList<>();
            assertEquals(4, resolve(bad, 4, errors), "falls back to count for " + bad);
            assertEquals(1, errors.size(), "one error for " + bad);
        }
    }
}
