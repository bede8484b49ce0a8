package kleinhirn.core;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class CoreValuesTest {
    @Test
    void anExitIsDescribedOneWay() {
        assertEquals("exit 3", new ExitStatus.Exited(3).describe());
        assertEquals("signal TERM", new ExitStatus.Signaled(Sig.TERM, false).describe());
        assertEquals("signal SIG40", new ExitStatus.Signaled(40, true).describe());
    }

    @Test
    void theEarliestOfTwoDeadlinesEitherMayBeAbsent() {
        Instant a = Instant.ofEpochSecond(1), b = Instant.ofEpochSecond(2);
        assertEquals(a, Deadlines.earliest(a, b));
        assertEquals(a, Deadlines.earliest(b, a));
        assertEquals(b, Deadlines.earliest(null, b));
        assertEquals(a, Deadlines.earliest(a, null));
        assertNull(Deadlines.earliest(null, null));
    }
}
