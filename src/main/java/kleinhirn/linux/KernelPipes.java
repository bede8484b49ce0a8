package kleinhirn.linux;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import kleinhirn.core.port.ErrnoException;
import kleinhirn.core.port.Pipes;

/** pipe2(O_CLOEXEC) and raw reads: the kernel side of {@link Pipes}. */
public final class KernelPipes implements Pipes {
    private static final int O_CLOEXEC = 0x80000;

    @Override
    public Pipe open() throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(Libc.CALL_STATE);
            MemorySegment fds = a.allocate(JAVA_INT, 2);
            if (Libc.syscall(st, Sys.PIPE2, fds.address(), O_CLOEXEC, 0) != 0) {
                throw new ErrnoException("pipe2", Libc.errno(st));
            }
            return new Pipe(fds.getAtIndex(JAVA_INT, 0), fds.getAtIndex(JAVA_INT, 1));
        }
    }

    @Override
    public InputStream reader(int readEnd) {
        return new FdInputStream(readEnd);
    }

    @Override
    public void close(int fd) {
        Libc.closeQuietly(fd);
    }
}
