package kleinhirn.core.harpoon;

/** Facts the supervisor loop learns; each is handled by {@link Supervisor#step}. */
public sealed interface Event {
    /** The container's init runs (pid on the host); {@code policy} is from this start's agent.json. */
    record Started(int pid, RestartPolicy policy) implements Event {}

    record StartFailed(String err) implements Event {}

    /** The init was reaped; {@code oomKilled} if its cgroup saw an OOM kill during this run. */
    record ContainerExited(ExitReport status, boolean oomKilled) implements Event {}

    /** {@code stop} (TERM) or {@code kill} (KILL) from a control client. */
    record StopRequested(int signal) implements Event {}

    /** {@code exit} from a control client; {@code client} is opaque, for the refusal. */
    record ExitRequested(Object client) implements Event {}

    /** SIGTERM or SIGINT to the supervisor. */
    record Terminate() implements Event {}

    /** SIGHUP, SIGUSR1, SIGUSR2, SIGWINCH: for the container's init. */
    record Forward(int signal) implements Event {}

    record MetricsSampled(Metrics metrics) implements Event {}

    /** A deadline the state asked for may have passed. */
    record Woke() implements Event {}
}
