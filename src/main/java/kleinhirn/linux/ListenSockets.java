package kleinhirn.linux;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;
import kleinhirn.core.port.ErrnoException;
import kleinhirn.core.port.Errno;

/**
 * Listening stream sockets made the way systemd's socket units make them: close-on-exec (the
 * caller decides what is inherited), SO_REUSEADDR on TCP, a unix socket file chmod'ed before
 * listen() (so nobody can connect with the umask's mode in between).
 */
public final class ListenSockets {
    private static final int SOMAXCONN_FALLBACK = 4096;

    private ListenSockets() {}

    /** The kernel's accept-queue cap (net.core.somaxconn), the backlog when none is given. */
    public static int somaxconn() {
        try {
            return Integer.parseInt(Files.readString(Path.of("/proc/sys/net/core/somaxconn")).trim());
        } catch (IOException | NumberFormatException e) {
            return SOMAXCONN_FALLBACK;
        }
    }

    public static int tcp(InetAddress host, int port, int backlog) throws ErrnoException {
        boolean v6 = host instanceof Inet6Address;
        int fd = Libc.socket(v6 ? Libc.AF_INET6 : Libc.AF_INET, Libc.SOCK_STREAM | Libc.SOCK_CLOEXEC);
        try (Arena a = Arena.ofConfined()) {
            Libc.setsockoptInt(fd, Libc.SOL_SOCKET, Libc.SO_REUSEADDR, 1);
            Libc.bind(fd, sockaddr(a, host, port), host.getHostAddress() + ":" + port);
            Libc.listen(fd, backlog);
            return fd;
        } catch (ErrnoException | RuntimeException e) {
            Libc.closeQuietly(fd);
            throw e;
        }
    }

    /**
     * A unix socket at {@code path}. A socket file left behind by a dead server (connecting is
     * refused) is replaced; a live one is not (bind then fails with EADDRINUSE). {@code mode}
     * may be negative: the umask decides.
     */
    public static int unix(String path, int mode, int backlog) throws ErrnoException, IOException {
        if (!path.startsWith("@") && Files.exists(Path.of(path)) && stale(path)) Files.delete(Path.of(path));
        int fd = Libc.socket(Libc.AF_UNIX, Libc.SOCK_STREAM | Libc.SOCK_CLOEXEC);
        boolean bound = false;
        try (Arena a = Arena.ofConfined()) {
            Libc.bind(fd, Libc.sockaddrUn(a, path), path);
            bound = true;
            if (mode >= 0 && !path.startsWith("@")) Files.setPosixFilePermissions(Path.of(path), permissions(mode));
            Libc.listen(fd, backlog);
            return fd;
        } catch (ErrnoException | IOException | RuntimeException e) {
            Libc.closeQuietly(fd);
            if (bound && !path.startsWith("@")) Files.deleteIfExists(Path.of(path));
            throw e;
        }
    }

    private static boolean stale(String path) throws ErrnoException {
        int probe = Libc.socket(Libc.AF_UNIX, Libc.SOCK_STREAM | Libc.SOCK_CLOEXEC);
        try {
            Libc.connectUnix(probe, path);
            return false;
        } catch (ErrnoException e) {
            return e.errno() == Errno.ECONNREFUSED;
        } finally {
            Libc.closeQuietly(probe);
        }
    }

    private static MemorySegment sockaddr(Arena a, InetAddress host, int port) {
        byte[] ip = host.getAddress();
        short portBE = (short) (ByteOrder.nativeOrder() == ByteOrder.BIG_ENDIAN ? port : Short.reverseBytes((short) port));
        if (host instanceof Inet4Address) {
            MemorySegment s = a.allocate(16);   // sockaddr_in: family, port, addr, zero[8]
            s.set(JAVA_SHORT, 0, (short) Libc.AF_INET);
            s.set(JAVA_SHORT, 2, portBE);
            MemorySegment.copy(ip, 0, s, JAVA_BYTE, 4, 4);
            return s;
        }
        MemorySegment s = a.allocate(28);       // sockaddr_in6: family, port, flowinfo, addr[16], scope_id
        s.set(JAVA_SHORT, 0, (short) Libc.AF_INET6);
        s.set(JAVA_SHORT, 2, portBE);
        MemorySegment.copy(ip, 0, s, JAVA_BYTE, 8, 16);
        s.set(JAVA_INT, 24, ((Inet6Address) host).getScopeId());
        return s;
    }

    private static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] bits = PosixFilePermission.values();   // OWNER_READ .. OTHERS_EXECUTE = 0400 .. 0001
        for (int i = 0; i < bits.length; i++) if ((mode & (0400 >> i)) != 0) set.add(bits[i]);
        return set;
    }
}
