package kleinhirn.core.port;

import java.io.InputStream;

/**
 * Pipes for a child's stdout and stderr (log.worker_output = "capture"). A pipe, not a socket:
 * apps that open /dev/stdout (nginx, many images) get ENXIO on a socket. Both ends are
 * close-on-exec, so a child gets its end only by the spawner's explicit dup2.
 */
public interface Pipes {
    record Pipe(int readEnd, int writeEnd) {}

    Pipe open() throws ErrnoException;

    /**
     * A blocking stream over a read end, which it owns and closes. Blocking native reads: run
     * it on a platform thread (a virtual thread would pin its carrier for the whole wait).
     */
    InputStream reader(int readEnd);

    /** Closes one of our ends; never fails (the fd is ours alone). */
    void close(int fd);
}
