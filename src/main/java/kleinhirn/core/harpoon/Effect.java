package kleinhirn.core.harpoon;

/** What the loop must do for the machine; outcomes come back as {@link Event}s. */
public sealed interface Effect {
    /** Read agent.json, write the bundle, create and start; answers Started or StartFailed. */
    record StartContainer() implements Effect {}

    /**
     * Abandon the start in flight or queued: kill the runtime call's process group and skip the
     * rest; the start then answers StartFailed (or Started, if it had already finished).
     */
    record AbortStart() implements Effect {}

    /** Delete the exited container; runs before any later StartContainer or Exit. */
    record DeleteContainer() implements Effect {}

    /** kill(2) the container's init; ESRCH means it is already gone. */
    record SignalContainer(int pid, int signal) implements Effect {}

    /** Read the cgroup; answers MetricsSampled. */
    record SampleMetrics() implements Effect {}

    record Publish(ContainerState state) implements Effect {}

    record RefuseExit(Object client, String reason) implements Effect {}

    /** Close the control socket (after clients got the last state) and leave with this code, after pending deletes. */
    record Exit(int code) implements Effect {}
}
