package kleinhirn.core;

import java.time.Instant;
import java.util.List;

/**
 * The result of one transition of a pure machine: the next state, the effects to perform in
 * order, and the earliest deadline at which the machine wants to be woken (null: none).
 */
public record Step<S, F>(S state, List<F> effects, Instant wakeAt) {
    public Step {
        effects = List.copyOf(effects);
    }
}
