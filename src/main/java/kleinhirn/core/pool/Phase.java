package kleinhirn.core.pool;

import java.util.Locale;

/** The set's supervision state (pool.md §Supervision states). */
public enum Phase {
    STARTING, RUNNING, UNDERPROVISIONED, FAULTED, STOPPING;

    /** As in /status and logs: "starting". */
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }
}
