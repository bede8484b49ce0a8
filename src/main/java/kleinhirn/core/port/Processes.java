package kleinhirn.core.port;

import java.util.List;
import java.util.OptionalInt;

/**
 * Signals and the process table. The pid a caller names may already be gone, or reused, by the
 * time the kernel sees it: every answer is a snapshot.
 */
public interface Processes {
    /**
     * kill(2): a negative {@code target} names a process group. False if it is already gone
     * (ESRCH), which is not an error; anything else is thrown.
     */
    boolean kill(int target, int signal) throws ErrnoException;

    /** The live children of {@code parent} now (orphans re-parented to a subreaper included). */
    List<Integer> childrenOf(int parent);

    /** The parent of {@code pid} now; empty if {@code pid} is gone. */
    OptionalInt parentOf(int pid);
}
