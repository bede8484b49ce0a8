package kleinhirn.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import kleinhirn.core.port.Errno;
import kleinhirn.core.port.ErrnoException;
import kleinhirn.core.port.NotifyInbox;

/**
 * The receiving end of sd_notify: an AF_UNIX datagram socket with SO_PASSCRED, read by exactly
 * one platform thread into buffers allocated once. Every datagram's sender pid comes from the
 * kernel (SCM_CREDENTIALS, translated into our pid namespace), never from the payload. Every fd a
 * sender attaches (systemd-notify's BARRIER=1) is received close-on-exec and closed before
 * {@link #receive} returns: the sender waits for exactly that. Also sends single datagrams
 * ({@link #send}) for our own upward notifications.
 */
public final class NotifySocket implements NotifyInbox {
    /** Room for the credentials and a few dozen fds; fds beyond it are discarded by the kernel. */
    private static final int CONTROL_BYTES = 512;

    private static final int SOL_SOCKET = 1, SO_PASSCRED = 16, SCM_RIGHTS = 1, SCM_CREDENTIALS = 2;
    private static final int MSG_TRUNC = 0x20, MSG_CTRUNC = 0x08, MSG_DONTWAIT = 0x40, MSG_NOSIGNAL = 0x4000,
            MSG_CMSG_CLOEXEC = 0x40000000;
    private static final int SHUT_RDWR = 2;
    // struct msghdr / iovec / cmsghdr on LP64 Linux.
    private static final long MH_IOV = 16, MH_IOVLEN = 24, MH_CONTROL = 32, MH_CONTROLLEN = 40, MH_FLAGS = 48,
            MH_SIZE = 56, CMSG_HDR = 16;

    // All calls go through Libc.syscall: one FFM signature for every socket call (see Sys).

    private final int fd;
    private final String address;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment data, control, iov, msg, callState;
    private volatile boolean closed;

    private NotifySocket(int fd, String address) {
        this.fd = fd;
        this.address = address;
        data = arena.allocate(MAX_DATAGRAM);
        control = arena.allocate(CONTROL_BYTES, 8);
        iov = arena.allocate(16, 8);
        msg = arena.allocate(MH_SIZE, 8);
        callState = Libc.allocateCallState(arena);
    }

    /** Binds a new socket to {@code address} ("@name" for the abstract namespace, else a path). */
    public static NotifySocket bind(String address) throws ErrnoException {
        int fd = Libc.socket(Libc.AF_UNIX, Libc.SOCK_DGRAM | Libc.SOCK_CLOEXEC);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = Libc.allocateCallState(a);
            MemorySegment one = a.allocateFrom(JAVA_INT, 1);
            if (Libc.syscall(st, Sys.SETSOCKOPT, fd, SOL_SOCKET, SO_PASSCRED, one.address(), 4, 0) != 0) {
                throw new ErrnoException("setsockopt(SO_PASSCRED)", Libc.errno(st));
            }
            MemorySegment addr = Libc.sockaddrUn(a, address);
            if (Libc.syscall(st, Sys.BIND, fd, addr.address(), addr.byteSize()) != 0) {
                throw new ErrnoException("bind(" + address + ")", Libc.errno(st));
            }
            return new NotifySocket(fd, address);
        } catch (ErrnoException | RuntimeException | Error e) {
            Libc.closeQuietly(fd);
            throw e;
        }
    }

    @Override
    public String address() {
        return address;
    }

    /**
     * Blocks for the next datagram and copies its payload into {@code into} (at least
     * MAX_DATAGRAM bytes). Only one thread may call this. Returns null once {@link #close} was
     * called. EINTR is retried.
     */
    @Override
    public Datagram receive(byte[] into) throws ErrnoException {
        while (true) {
            iov.set(ADDRESS, 0, data);
            iov.set(JAVA_LONG, 8, MAX_DATAGRAM);
            msg.fill((byte) 0);
            msg.set(ADDRESS, MH_IOV, iov);
            msg.set(JAVA_LONG, MH_IOVLEN, 1);
            msg.set(ADDRESS, MH_CONTROL, control);
            msg.set(JAVA_LONG, MH_CONTROLLEN, CONTROL_BYTES);
            // MSG_TRUNC makes the return value the real length, so oversize is detectable.
            long n = Libc.syscall(callState, Sys.RECVMSG, fd, msg.address(), MSG_CMSG_CLOEXEC | MSG_TRUNC);
            if (closed) {
                if (n >= 0) closeAttached();
                Libc.closeQuietly(fd); // the receiver owns the fd: nobody else can be inside recvmsg now
                return null;
            }
            if (n < 0) {
                int errno = Libc.errno(callState);
                if (errno == Errno.EINTR) continue;
                throw new ErrnoException("recvmsg", errno);
            }
            int[] cred = {0, -1};
            int fds = closeAttached(cred);
            int flags = msg.get(JAVA_INT, MH_FLAGS);
            int len = (int) Math.min(n, MAX_DATAGRAM);
            MemorySegment.copy(data, JAVA_BYTE, 0, into, 0, len);
            return new Datagram(len, cred[0], cred[1], n > MAX_DATAGRAM || (flags & MSG_TRUNC) != 0, fds);
        }
    }

    private void closeAttached() {
        closeAttached(new int[2]);
    }

    /** Walks the control messages: closes every passed fd, stores pid and uid in cred. */
    private int closeAttached(int[] cred) {
        long controlLen = msg.get(JAVA_LONG, MH_CONTROLLEN);
        int closedFds = 0;
        long off = 0;
        while (off + CMSG_HDR <= controlLen) {
            long len = control.get(JAVA_LONG, off);
            if (len < CMSG_HDR || off + len > controlLen) break;
            int level = control.get(JAVA_INT, off + 8), type = control.get(JAVA_INT, off + 12);
            if (level == SOL_SOCKET && type == SCM_RIGHTS) {
                for (long p = off + CMSG_HDR; p + 4 <= off + len; p += 4) {
                    Libc.closeQuietly(control.get(JAVA_INT, p));
                    closedFds++;
                }
            } else if (level == SOL_SOCKET && type == SCM_CREDENTIALS && len >= CMSG_HDR + 12) {
                cred[0] = control.get(JAVA_INT, off + CMSG_HDR);
                cred[1] = control.get(JAVA_INT, off + CMSG_HDR + 4);
            }
            off += (len + 7) & ~7L;
        }
        return closedFds;
    }

    /** True if the last datagram's control data did not fit (its extra fds were dropped by the kernel). */
    @Override
    public boolean controlTruncated() {
        return (msg.get(JAVA_INT, MH_FLAGS) & MSG_CTRUNC) != 0;
    }

    /** Wakes the receiving thread (recvmsg returns) and releases the socket. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        try (Arena a = Arena.ofConfined()) {
            Libc.syscall(Libc.allocateCallState(a), Sys.SHUTDOWN, fd, SHUT_RDWR, 0);
        }
        // The receiver closes the fd when it wakes: closing it here, under a thread still inside
        // recvmsg, could hand the number to an unrelated socket. The buffers live as long as we do.
    }

    /**
     * Sends one datagram to {@code address} ("@name" or a path) without blocking. Throws when
     * the receiver is gone or its queue is full.
     */
    public static void send(String address, String text) throws ErrnoException {
        byte[] bytes = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        int fd = Libc.socket(Libc.AF_UNIX, Libc.SOCK_DGRAM | Libc.SOCK_CLOEXEC);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = Libc.allocateCallState(a);
            MemorySegment addr = Libc.sockaddrUn(a, address);
            MemorySegment buf = a.allocateFrom(JAVA_BYTE, bytes);
            long n = Libc.syscall(st, Sys.SENDTO, fd, buf.address(), bytes.length, MSG_DONTWAIT | MSG_NOSIGNAL,
                    addr.address(), addr.byteSize());
            if (n < 0) throw new ErrnoException("sendto(" + address + ")", Libc.errno(st));
        } finally {
            Libc.closeQuietly(fd);
        }
    }
}
