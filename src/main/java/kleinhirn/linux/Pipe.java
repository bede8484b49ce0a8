package kleinhirn.linux;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A pipe(2) with both ends close-on-exec: a child gets its end only by an explicit dup2 (the
 * spawner's stdout/stderr), never by accident. A pipe, not a socket, for a worker's output:
 * apps that open /dev/stdout (nginx, many images) get ENXIO on a socket.
 */
public record Pipe(int readEnd, int writeEnd) {
    private static final int O_CLOEXEC = 0x80000;

    public static Pipe open() throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(Libc.CALL_STATE);
            MemorySegment fds = a.allocate(JAVA_INT, 2);
            if (Libc.syscall(st, Sys.PIPE2, fds.address(), O_CLOEXEC, 0) != 0) {
                throw new ErrnoException("pipe2", Libc.errno(st));
            }
            return new Pipe(fds.getAtIndex(JAVA_INT, 0), fds.getAtIndex(JAVA_INT, 1));
        }
    }
}
