package kleinhirn.linux;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.atomic.AtomicInteger;
import kleinhirn.core.port.Errno;
import kleinhirn.core.port.ErrnoException;
import kleinhirn.core.port.SocketPairs;

/**
 * Our end of a socketpair(2) as a blocking {@link ByteChannel}: plain read(2) and write(2) on
 * the raw fd, so using it loads nothing of NIO (whose first unix socket costs ~10-20 ms before
 * a loader could be spawned). Blocking native calls pin a virtual thread's carrier: read and
 * write it from platform threads.
 *
 * <p>{@link #close()} may come from any thread while another blocks in read or write:
 * shutdown(2) wakes them (EOF, EPIPE), and the fd itself is closed only once no call is inside
 * it, so a blocked call can never touch a number the kernel has handed out again.
 */
public final class FdSocketChannel implements SocketPairs.Stream {
    private static final int CHUNK = 16 * 1024;
    private static final int SHUT_RDWR = 2;
    /** Bit 0: closed; the rest counts the calls inside the fd (in steps of 2). */
    private final AtomicInteger state = new AtomicInteger();
    private final int fd;

    public FdSocketChannel(int fd) {
        this.fd = fd;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        enter();
        try (Arena a = Arena.ofConfined()) {
            int len = Math.min(dst.remaining(), CHUNK);
            if (len == 0) return 0;
            MemorySegment st = a.allocate(Libc.CALL_STATE), buf = a.allocate(len);
            long n;
            try {
                n = Libc.read(st, fd, buf, len);
            } catch (ErrnoException e) {
                throw failure(e);
            }
            if (n == 0) return -1;
            dst.put(buf.asSlice(0, n).asByteBuffer());
            return (int) n;
        } finally {
            leave();
        }
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        return send(src, MSG_NOSIGNAL);
    }

    @Override
    public int writeNow(ByteBuffer src) throws IOException {
        return send(src, MSG_NOSIGNAL | MSG_DONTWAIT);
    }

    private int send(ByteBuffer src, int flags) throws IOException {
        enter();
        try (Arena a = Arena.ofConfined()) {
            int len = Math.min(src.remaining(), CHUNK);
            if (len == 0) return 0;
            MemorySegment st = a.allocate(Libc.CALL_STATE), buf = a.allocate(len);
            buf.asByteBuffer().put(src.duplicate().limit(src.position() + len));
            while (true) {
                // MSG_NOSIGNAL: a peer gone must be EPIPE here, not a SIGPIPE for the JVM.
                long n = Libc.syscall(st, Sys.SENDTO, fd, buf.address(), len, flags, 0, 0);
                if (n >= 0) {
                    src.position(src.position() + (int) n);
                    return (int) n;
                }
                int errno = Libc.errno(st);
                if (errno == Errno.EAGAIN && (flags & MSG_DONTWAIT) != 0) return 0;
                if (errno != Errno.EINTR) throw failure(new ErrnoException("write(" + fd + ")", errno));
            }
        } finally {
            leave();
        }
    }

    private static final int MSG_NOSIGNAL = 0x4000, MSG_DONTWAIT = 0x40;

    @Override
    public boolean isOpen() {
        return (state.get() & 1) == 0;
    }

    /** Wakes every blocked call (shutdown) and closes the fd when the last one has left. */
    @Override
    public void close() {
        int s;
        do {
            s = state.get();
            if ((s & 1) != 0) return;
        } while (!state.compareAndSet(s, s | 1));
        try (Arena a = Arena.ofConfined()) {
            Libc.syscall(Libc.allocateCallState(a), Sys.SHUTDOWN, fd, SHUT_RDWR, 0);
        }
        if (s == 0) Libc.closeQuietly(fd);
    }

    private void enter() throws ClosedChannelException {
        int s;
        do {
            s = state.get();
            if ((s & 1) != 0) throw new ClosedChannelException();
        } while (!state.compareAndSet(s, s + 2));
    }

    private void leave() {
        if (state.addAndGet(-2) == 1) Libc.closeQuietly(fd); // closed, and we were the last inside
    }

    private IOException failure(ErrnoException e) {
        return isOpen() ? new IOException(e) : new AsynchronousCloseException();
    }
}
