package kleinhirn.core.pool;

import kleinhirn.core.log.Log;

/** What the machine wants done. The runtime performs these and reports back with events. */
public sealed interface PoolEffect {
    /** Start a worker with this id (fork/exec, or a spawn request to the loader). */
    record Spawn(String id) implements PoolEffect {}

    /** Ask the loader for a spare with this id: forked now, parked until promoted. */
    record SpawnSpare(String id) implements PoolEffect {}

    /** kill(-pid) when {@code group} (the worker's own process group), else kill(pid). */
    record Signal(int pid, int signal, boolean group) implements PoolEffect {}

    /** Signal every remaining child of ours that is not a known worker (orphans at shutdown). */
    record SignalStrays(int signal) implements PoolEffect {}

    /** The worker with this id is gone: release its channel (ack socket). */
    record Forget(String id) implements PoolEffect {}

    record Emit(Log log) implements PoolEffect {}

    record Exit(int code) implements PoolEffect {}

    /** Start a new loader process for this generation; its spawn requests go to it from now on. */
    record StartLoader(int generation) implements PoolEffect {}

    /**
     * Tell the worker {@code pid} to refork (SIGURG to it alone); a new loader that connects
     * naming {@code workerId} is the loader of {@code generation}.
     */
    record Refork(int generation, String workerId, int pid) implements PoolEffect {}

    /** Spawn requests go to the loader of this generation from now on (a refork made it). */
    record UseLoader(int generation) implements PoolEffect {}
}
