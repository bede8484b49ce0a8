package kleinhirn.core.pool;

import java.time.Instant;
import java.util.List;

/**
 * The preloading loader process (type = "ruby"), one generation per start. A pid exists only
 * once the process does. {@code since} is when it entered its state, except that Loading keeps
 * the time of the request: ack_timeout counts from there.
 */
public sealed interface Loader {
    int generation();

    Instant since();

    /** Not running; started again (next generation) once the restart budget allows. */
    record Down(int generation, Instant since) implements Loader {}

    /** StartLoader was asked for; the spawn has not reported its pid yet. */
    record Spawning(int generation, Instant since) implements Loader {}

    /** A loader process with a pid. */
    sealed interface Running extends Loader permits Loading, Ready {
        int pid();
    }

    /** Loading the app; killed if not ready within ack_timeout of the request. */
    record Loading(int generation, int pid, Instant since) implements Running {}

    /** Taking spawn requests since {@code since}. */
    record Ready(int generation, int pid, Instant since) implements Running {}

    /** The states as /status and /metrics name them, in the order metrics list them. */
    List<String> WIRE_STATES = List.of("down", "loading", "ready");

    /** As in /status. */
    default String wire() {
        return switch (this) {
            case Down d -> "down";
            case Spawning s -> "loading";
            case Loading l -> "loading";
            case Ready r -> "ready";
        };
    }
}
