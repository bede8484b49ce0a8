package kleinhirn.linux;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import kleinhirn.core.port.ErrnoException;

/**
 * Blocking read(2) on a raw fd that this stream owns (closed by {@link #close()}). The JDK
 * cannot wrap a raw pipe fd in a channel, so this is a plain native read: callers run it on a
 * platform thread (a virtual thread would pin its carrier for the whole wait). One thread reads
 * and closes it: a close() during a blocked read would free the buffer under the kernel.
 */
public final class FdInputStream extends InputStream {
    private static final int CHUNK = 8192;

    private final int fd;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment buf = arena.allocate(CHUNK);
    private final MemorySegment st = arena.allocate(Libc.CALL_STATE);
    private boolean closed;

    public FdInputStream(int fd) {
        this.fd = fd;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    /** Up to {@code len} bytes as they arrive; -1 once every writer has closed its end. */
    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (closed) throw new IOException("closed");
        if (len == 0) return 0;
        long n;
        try {
            n = Libc.read(st, fd, buf, Math.min(len, CHUNK));
        } catch (ErrnoException e) {
            throw new IOException(e);
        }
        if (n == 0) return -1;
        MemorySegment.copy(buf, ValueLayout.JAVA_BYTE, 0, b, off, (int) n);
        return (int) n;
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        Libc.closeQuietly(fd);
        arena.close();
    }
}
