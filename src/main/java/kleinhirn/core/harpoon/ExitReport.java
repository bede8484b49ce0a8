package kleinhirn.core.harpoon;

/** {@code container_exit_status}: how the last run of the container ended, as the agent sees it. */
public sealed interface ExitReport {
    /** No exit yet in this run: {@code {}}. */
    record None() implements ExitReport {}

    record Exited(int code) implements ExitReport {}

    record Signaled(int signal) implements ExitReport {}

    /** Killed after an OOM event; the original reports no signal number. */
    record Oomed() implements ExitReport {}

    ExitReport NONE = new None();
}
