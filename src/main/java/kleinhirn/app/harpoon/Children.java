package kleinhirn.app.harpoon;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import kleinhirn.core.ExitStatus;
import kleinhirn.linux.Reaper;

/**
 * Matches the reaper's reports to the pids we wait for (runc invocations, the container's init).
 * A pid may be reaped before anyone asks for it (a fast exit races the pid-file read), so
 * unclaimed statuses are kept in a small bounded table; orphans nobody claims age out of it.
 */
final class Children implements Reaper.Sink {
    private static final int MAX_UNCLAIMED = 256;

    private final Map<Integer, CompletableFuture<ExitStatus>> waiting = new HashMap<>();
    private final LinkedHashMap<Integer, ExitStatus> unclaimed = new LinkedHashMap<>(16, 0.75f, false) {
        @Override protected boolean removeEldestEntry(Map.Entry<Integer, ExitStatus> e) { return size() > MAX_UNCLAIMED; }
    };

    /** The exit of {@code pid}, completed on the reaper thread (or at once if already reaped). */
    CompletableFuture<ExitStatus> watch(int pid) {
        synchronized (this) {
            ExitStatus done = unclaimed.remove(pid);
            if (done != null) return CompletableFuture.completedFuture(done);
            return waiting.computeIfAbsent(pid, p -> new CompletableFuture<>());
        }
    }

    @Override
    public void reaped(int pid, ExitStatus status) {
        CompletableFuture<ExitStatus> f;
        synchronized (this) {
            f = waiting.remove(pid);
            if (f == null) unclaimed.put(pid, status);
        }
        if (f != null) f.complete(status); // outside the lock: callbacks run here
    }

    @Override
    public void noChildren() {}

    /** Rethrown to the reaper thread's uncaught-exception handler: HarpoonMain's fatal path. */
    @Override
    public void failed(Throwable cause) {
        throw new IllegalStateException("the reaper failed; nothing would be reaped any more", cause);
    }
}
