package kleinhirn.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.atomic.AtomicBoolean;
import kleinhirn.core.harpoon.HostProcesses;

/**
 * A pipe for a child's stderr, held until we know where its bytes belong; then one platform
 * thread (blocking reads) copies them to our stdout or stderr until every writer has closed it.
 * The container inherits the runtime's stderr, so after a good start this pump carries the
 * container's stderr for its whole run; as with a direct fd, a stalled stdout stalls the writer.
 */
final class HeldPipe implements HostProcesses.HeldOutput {
    private static final int O_CLOEXEC = 0x80000;
    private static final int CHUNK = 16 * 1024;

    private final int readEnd;
    final int writeEnd;
    private final AtomicBoolean decided = new AtomicBoolean();

    private HeldPipe(int readEnd, int writeEnd) {
        this.readEnd = readEnd;
        this.writeEnd = writeEnd;
    }

    /** Both ends close-on-exec: the spawner dup2s the write end onto the child's fd 2. */
    static HeldPipe open() throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = Libc.allocateCallState(a);
            MemorySegment fds = a.allocate(ValueLayout.JAVA_INT, 2);
            if (Libc.syscall(st, Sys.PIPE2, fds.address(), O_CLOEXEC, 0) != 0) throw new ErrnoException("pipe2", Libc.errno(st));
            return new HeldPipe(fds.getAtIndex(ValueLayout.JAVA_INT, 0), fds.getAtIndex(ValueLayout.JAVA_INT, 1));
        }
    }

    /** After the spawn (or a failed one): only the child may hold the write end, or EOF never comes. */
    void closeWriteEnd() { Libc.closeQuietly(writeEnd); }

    @Override public void toStdout() { pumpTo(1); }

    @Override public void toStderr() { pumpTo(2); }

    private void pumpTo(int fd) {
        if (!decided.compareAndSet(false, true)) return;
        Thread.ofPlatform().daemon(true).name("stderr-pump").stackSize(128 * 1024).start(() -> pump(fd));
    }

    private void pump(int to) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = Libc.allocateCallState(a);
            MemorySegment buf = a.allocate(CHUNK);
            while (true) {
                long n = Libc.syscall(st, Sys.READ, readEnd, buf.address(), CHUNK);
                if (n == 0) return;
                if (n < 0) {
                    if (Libc.errno(st) == Errno.EINTR) continue;
                    return; // EBADF and the like cannot happen on our own pipe; nothing to pump then
                }
                try {
                    Libc.writeFully(to, buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE));
                } catch (ErrnoException gone) {
                    // our stdout/stderr is closed (EPIPE): keep draining so the writer never blocks
                }
            }
        } finally {
            Libc.closeQuietly(readEnd);
        }
    }
}
