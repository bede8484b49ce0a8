package kleinhirn.core.harpoon;

import java.time.Instant;

/** Where harpoon's container is (not the pool's {@code core.pool.Phase}); the wire's {@code (up, restarting)} pair is derived from it. */
public sealed interface ContainerPhase {
    /** create + start in flight; {@code first} is the start at boot (not counted as a restart). */
    record Starting(boolean first) implements ContainerPhase {}

    record Up(int pid) implements ContainerPhase {}

    /** Down, restart due at {@code at} (the 1 s delay). */
    record Waiting(Instant at) implements ContainerPhase {}

    /** Down for good: only {@code exit} is left. */
    record Down() implements ContainerPhase {}
}
