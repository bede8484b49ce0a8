package kleinhirn.core.pool;

import java.time.Instant;

/**
 * The set's way out, present once a stop was requested (null in {@link PoolState} before). The
 * order is Draining, then Sweeping (once no worker is left but other children are), and Killed
 * from either, when stop_timeout passes or a stop is forced.
 */
public sealed interface Shutdown {
    /** Why we stop, for the last log line. */
    String cause();

    /** Workers got stop_signal; whatever is left gets SIGKILL at {@code killAt}. */
    record Draining(String cause, Instant killAt) implements Shutdown {}

    /**
     * Every worker is gone but children remain (orphans re-parented to us): they got stop_signal
     * too, and so do the children of any stray reaped from now on. SIGKILL at {@code killAt}.
     */
    record Sweeping(String cause, Instant killAt) implements Shutdown {}

    /** SIGKILL went to everything; a stray reaped from now on has its children killed too. */
    record Killed(String cause) implements Shutdown {}
}
