package kleinhirn.harpoon;

import java.time.Instant;

/** Where the container is; the wire's {@code (up, restarting)} pair is derived from it. */
public sealed interface Phase {
    /** create + start in flight; {@code first} is the start at boot (not counted as a restart). */
    record Starting(boolean first) implements Phase {}

    record Up(int pid) implements Phase {}

    /** Down, restart due at {@code at} (the 1 s delay). */
    record Waiting(Instant at) implements Phase {}

    /** Down for good: only {@code exit} is left. */
    record Down() implements Phase {}
}
