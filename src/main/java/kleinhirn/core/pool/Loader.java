package kleinhirn.core.pool;

import java.time.Instant;

/**
 * The preloading loader process (type = "ruby"), one generation per start. {@code pid} is -1
 * while DOWN or before its spawn returned; {@code since} is when it entered its phase.
 */
public record Loader(int generation, int pid, Phase phase, Instant since) {
    public enum Phase {
        /** Not running; started again once the backoff allows. */
        DOWN,
        /** Loading the app; killed if not ready within ack_timeout. */
        STARTING,
        /** Taking spawn requests. */
        READY;

        /** As in /status. */
        public String wire() {
            return switch (this) {
                case DOWN -> "down";
                case STARTING -> "loading";
                case READY -> "ready";
            };
        }
    }

    static Loader down(int generation, Instant since) {
        return new Loader(generation, -1, Phase.DOWN, since);
    }
}
