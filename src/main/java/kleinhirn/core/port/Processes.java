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

    /**
     * The last resort of a failing supervisor: SIGKILL each child's process group (workers lead
     * their own) and the child itself. Best effort: errors are ignored on the way out.
     */
    default void killEveryGroup(int parent) {
        for (int child : childrenOf(parent)) {
            try {
                kill(-child, kleinhirn.core.Sig.KILL);
                kill(child, kleinhirn.core.Sig.KILL);
            } catch (ErrnoException ignored) {
                // nothing more we can do on the way out
            }
        }
    }
}
