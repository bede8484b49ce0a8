package kleinhirn.core.harpoon;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import kleinhirn.core.ExitStatus;

/**
 * Port: the host processes harpoon's adapters start, wait for and signal (the OCI runtime's calls
 * and the container's init). The real one spawns with posix_spawn and learns exits from our
 * reaper; tests use a fake.
 */
public interface HostProcesses {
    /**
     * Starts {@code argv} as the leader of a new process group (so everything it forks can be
     * killed with it), stdout and stderr to ours; returns its pid once it has exec'ed.
     */
    int spawnGroup(List<String> argv) throws IOException;

    /**
     * The exit of {@code pid}, one of our children. An exit reaped before anyone asked is kept
     * for a while, so asking after a fast exit still completes, at once.
     */
    CompletableFuture<ExitStatus> exitOf(int pid);

    /** kill(2) {@code pid}; false when it is already gone (ESRCH). */
    boolean signal(int pid, int sig);

    /** kill(2) every member of process group {@code pgid}; false when none is left (ESRCH). */
    boolean signalGroup(int pgid, int sig);
}
