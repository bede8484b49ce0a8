package kleinhirn.core;

import java.time.Instant;

/** Combining the deadlines a machine asks to be woken at; null means "none". */
public final class Deadlines {
    private Deadlines() {}

    /** The earlier of two deadlines, either of which may be absent (null). */
    public static Instant earliest(Instant a, Instant b) {
        if (a == null) return b;
        if (b == null) return a;
        return a.isBefore(b) ? a : b;
    }
}
