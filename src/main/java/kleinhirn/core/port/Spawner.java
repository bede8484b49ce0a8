package kleinhirn.core.port;

/** Starts processes. The supervisor never uses ProcessBuilder: its reaper would race ours. */
public interface Spawner {
    /** Returns the child's pid once it has exec'ed; an exec failure (ENOENT, EACCES) throws. */
    int spawn(SpawnSpec spec) throws ErrnoException;
}
