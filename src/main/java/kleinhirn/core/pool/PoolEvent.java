package kleinhirn.core.pool;

import kleinhirn.core.ExitStatus;

/** Facts the pool reacts to. Adapters create them; only {@link PoolMachine} interprets them. */
public sealed interface PoolEvent {
    /** The first event: fill the pool. */
    record Started() implements PoolEvent {}

    /** A deadline the machine asked for has passed. */
    record Woke() implements PoolEvent {}

    /** We spawned this worker ourselves (fork/exec): its pid was known before any exit. */
    record Spawned(String id, int pid) implements PoolEvent {}

    /** A loader reported the pid of a worker it forked; its exit may already have been reaped. */
    record Launched(String id, int pid) implements PoolEvent {}

    /** The spawn never produced a process. */
    record SpawnFailed(String id, String error) implements PoolEvent {}

    /** A readiness ack naming the worker id (status fd, loader socket). */
    record Acked(String id, String channel) implements PoolEvent {}

    /** A readiness ack naming the worker by pid (sd_notify credentials, einhorn worker:ack). */
    record AckedByPid(int pid, String channel) implements PoolEvent {}

    /** sd_notify WATCHDOG=1 / STATUS= / STOPPING=1 from a worker, resolved to its pid. */
    record Notified(int pid, boolean watchdog, String status, boolean stopping) implements PoolEvent {}

    /** waitpid returned this pid. As a subreaper it may be an orphan, not a worker. */
    record Reaped(int pid, ExitStatus status) implements PoolEvent {}

    /**
     * A loader reaped a worker it forked and reported how it ended. Always after that worker's
     * {@link Launched} (same socket, same writer); our own reaper may report the same pid again if
     * the loader died before reaping it.
     */
    record ExitReported(String id, int pid, ExitStatus status) implements PoolEvent {}

    /** waitpid said ECHILD: no child of ours is left at all. */
    record NoChildren() implements PoolEvent {}

    /** SIGTERM/SIGINT or a control command; {@code force}: SIGKILL everything now. */
    record StopRequested(boolean force, String cause) implements PoolEvent {}

    /** HUP, USR1, USR2, WINCH: pass on to every worker's process group. */
    record Forward(int signal) implements PoolEvent {}

    /** The loader of this generation was spawned (fed back by the interpreter). */
    record LoaderStarted(int generation, int pid) implements PoolEvent {}

    /** The loader could not be spawned at all (e.g. no ruby on PATH). */
    record LoaderStartFailed(int generation, String error) implements PoolEvent {}

    /** The loader of this generation has loaded the app and takes spawn requests. */
    record LoaderReady(int generation) implements PoolEvent {}

    /**
     * A new loader made by a refork connected and said {@code reforked}: it runs as {@code pid},
     * forked from the worker {@code workerId}, and was expected as {@code generation}.
     */
    record LoaderReforked(int generation, String workerId, int pid) implements PoolEvent {}

    /** Unique memory (bytes) of each worker's process group, keyed by the worker's pid; measured off the loop. */
    record MemorySampled(java.util.Map<Integer, Long> uniqueByPid) implements PoolEvent {
        public MemorySampled {
            uniqueByPid = java.util.Map.copyOf(uniqueByPid);
        }
    }
}
