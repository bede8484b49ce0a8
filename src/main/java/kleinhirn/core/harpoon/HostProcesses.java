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
     * killed with it), its stdout and stderr to our stderr (the supervisor's log, not the
     * container's output); returns its pid once it has exec'ed.
     */
    int spawnGroup(List<String> argv) throws IOException;

    /**
     * As {@link #spawnGroup}, but for the call whose stdio the container inherits (the runtime's
     * {@code create}): stdout to our stdout, stderr into a pipe that we hold until we know whose
     * bytes it carries: the runtime's own error message, or the running container's stderr.
     */
    Spawned spawnGroupHoldingStderr(List<String> argv) throws IOException;

    record Spawned(int pid, HeldOutput stderr) {}

    /** A child's held stderr; exactly one of the two is called, once. */
    interface HeldOutput {
        /** The container runs: everything on the pipe goes to our stdout, until its writers close. */
        void toStdout();

        /** The runtime failed: what it wrote is its own message, for our stderr (the log). */
        void toStderr();
    }

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
