package kleinhirn.linux;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import kleinhirn.core.port.Errno;
import kleinhirn.core.port.ErrnoException;

/**
 * The only class that holds downcall handles. Each method is one libc call, takes and returns
 * plain Java values or caller-owned segments, and turns -1 into an {@link ErrnoException} naming
 * the call. Handles live in holder classes so a program pays (5-10 ms per new signature, cold)
 * only for the groups of calls it uses.
 */
public final class Libc {
    static final Linker LINKER = Linker.nativeLinker();
    static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    public static final int PR_SET_CHILD_SUBREAPER = 36;
    public static final int AF_UNIX = 1, AF_INET = 2, AF_INET6 = 10, SOCK_STREAM = 1, SOCK_DGRAM = 2, SOCK_CLOEXEC = 0x80000;
    public static final int SOL_SOCKET = 1, SO_REUSEADDR = 2;

    private Libc() {}

    // ---- system calls, all through one handle (see Sys) ----

    private static final class Syscall {
        static final FunctionDescriptor DESCRIPTOR =
                FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG);
        static final MethodHandle SYSCALL = downcall("syscall", DESCRIPTOR, Linker.Option.firstVariadicArg(1));
    }

    /**
     * syscall(nr, a..f): the result, or -1 with errno in {@code callState}. Unused arguments are
     * passed as 0 (the kernel ignores them).
     */
    static long syscall(MemorySegment callState, Sys nr, long a, long b, long c, long d, long e, long f) {
        try {
            return (long) Syscall.SYSCALL.invokeExact(callState, nr.nr(), a, b, c, d, e, f);
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    /**
     * A libc function of at most six integer or pointer arguments, linked with the syscall
     * handle's very descriptor and options, so the linker reuses that handle's stub instead of
     * generating one more (each new signature costs ~4 ms on the startup path; posix_spawn's
     * helpers used six). Sound on the two ABIs we run on (SysV x86-64, AAPCS64): the first six
     * arguments travel in registers, a function ignores registers beyond its own parameters, an
     * int result is the low half of the long. Call it through {@link #call}.
     */
    static MethodHandle syscallShaped(String name) {
        return downcall(name, Syscall.DESCRIPTOR, Linker.Option.firstVariadicArg(1));
    }

    /** Calls a {@link #syscallShaped} function; unused arguments are 0. Returns its int result. */
    static int call(MethodHandle fn, MemorySegment callState, long a, long b, long c) throws Throwable {
        return (int) (long) fn.invokeExact(callState, a, b, c, 0L, 0L, 0L, 0L);
    }

    static long syscall(MemorySegment callState, Sys nr, long a, long b, long c) {
        return syscall(callState, nr, a, b, c, 0, 0, 0);
    }

    // ---- process basics ----

    public static int getpid() {
        try (Arena a = Arena.ofConfined()) {
            return (int) syscall(a.allocate(CALL_STATE), Sys.GETPID, 0, 0, 0);
        }
    }

    /** Sends a signal; pid may be negative for a process group. Returns false if nothing is there (ESRCH). */
    public static boolean kill(int pid, int signal) throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CALL_STATE);
            if (syscall(st, Sys.KILL, pid, signal, 0) == 0) return true;
            int errno = errno(st);
            if (errno == Errno.ESRCH) return false;
            throw new ErrnoException("kill(" + pid + ", " + signal + ")", errno);
        }
    }

    public static void setChildSubreaper() throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CALL_STATE);
            if (syscall(st, Sys.PRCTL, PR_SET_CHILD_SUBREAPER, 1, 0) != 0) {
                throw new ErrnoException("prctl(PR_SET_CHILD_SUBREAPER)", errno(st));
            }
        }
    }

    /**
     * Blocking wait4(-1, &status, 0, NULL). Returns the pid and stores the raw status in
     * {@code statusOut}; throws with ECHILD when there is no child left, EINTR when interrupted.
     */
    public static int waitAny(MemorySegment statusOut, MemorySegment callState) throws ErrnoException {
        long pid = syscall(callState, Sys.WAIT4, -1, statusOut.address(), 0);
        if (pid < 0) throw new ErrnoException("waitpid", errno(callState));
        return (int) pid;
    }

    // ---- file descriptors and sockets ----

    public static void close(int fd) throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CALL_STATE);
            if (syscall(st, Sys.CLOSE, fd, 0, 0) != 0) throw new ErrnoException("close(" + fd + ")", errno(st));
        }
    }

    /** Closes and ignores errors: for cleanup paths where the fd is ours and nothing can be done. */
    public static void closeQuietly(int fd) {
        if (fd < 0) return;
        try {
            close(fd);
        } catch (ErrnoException ignored) {
            // EBADF would be our bug; EINTR on close still frees the fd on Linux.
        }
    }

    public static int socket(int domain, int type) throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CALL_STATE);
            long fd = syscall(st, Sys.SOCKET, domain, type, 0);
            if (fd < 0) throw new ErrnoException("socket", errno(st));
            return (int) fd;
        }
    }

    /**
     * read(2) of up to {@code len} bytes into {@code buf}, retried on EINTR: the count, 0 at EOF.
     * The one blocking read of the raw-fd streams (FdInputStream, FdSocketChannel).
     */
    static long read(MemorySegment callState, int fd, MemorySegment buf, long len) throws ErrnoException {
        while (true) {
            long n = syscall(callState, Sys.READ, fd, buf.address(), len);
            if (n >= 0) return n;
            int errno = errno(callState);
            if (errno != Errno.EINTR) throw new ErrnoException("read(" + fd + ")", errno);
        }
    }

    /** socketpair(domain, type): both fds (pass SOCK_CLOEXEC in {@code type}). */
    public static int[] socketpair(int domain, int type) throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CALL_STATE);
            MemorySegment fds = a.allocate(java.lang.foreign.ValueLayout.JAVA_INT, 2);
            if (syscall(st, Sys.SOCKETPAIR, domain, type, 0, fds.address(), 0, 0) != 0) {
                throw new ErrnoException("socketpair", errno(st));
            }
            return new int[] {fds.getAtIndex(java.lang.foreign.ValueLayout.JAVA_INT, 0),
                    fds.getAtIndex(java.lang.foreign.ValueLayout.JAVA_INT, 1)};
        }
    }

    /** connect() on a unix socket to a filesystem path. */
    public static void connectUnix(int fd, String path) throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CALL_STATE);
            MemorySegment addr = sockaddrUn(a, path);
            if (syscall(st, Sys.CONNECT, fd, addr.address(), addr.byteSize()) != 0) {
                throw new ErrnoException("connect(" + path + ")", errno(st));
            }
        }
    }

    /** Writes all of {@code bytes} (a blocking fd); used for tiny handshakes only. */
    public static void writeFully(int fd, byte[] bytes) throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CALL_STATE);
            MemorySegment buf = a.allocateFrom(JAVA_BYTE_LAYOUT, bytes);
            long off = 0;
            while (off < bytes.length) {
                long n = syscall(st, Sys.WRITE, fd, buf.address() + off, bytes.length - off);
                if (n < 0) {
                    int errno = errno(st);
                    if (errno == Errno.EINTR) continue;
                    throw new ErrnoException("write", errno);
                }
                off += n;
            }
        }
    }

    private static final java.lang.foreign.ValueLayout.OfByte JAVA_BYTE_LAYOUT = java.lang.foreign.ValueLayout.JAVA_BYTE;

    /** struct sockaddr_un for a path (or an abstract name when it starts with '@'). */
    public static MemorySegment sockaddrUn(Arena a, String path) {
        byte[] p = path.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        if (p.length > 107) throw new IllegalArgumentException("unix socket path too long: " + path);
        boolean isAbstract = p.length > 0 && p[0] == '@';
        MemorySegment s = a.allocate(110);
        s.set(JAVA_SHORT, 0, (short) AF_UNIX);
        MemorySegment.copy(p, 0, s, JAVA_BYTE_LAYOUT, 2, p.length);
        if (isAbstract) s.set(JAVA_BYTE_LAYOUT, 2, (byte) 0);
        // Abstract names are length-delimited, paths NUL-terminated.
        return s.asSlice(0, 2 + p.length + (isAbstract ? 0 : 1));
    }

    /** bind() to a caller-built sockaddr. */
    public static void bind(int fd, MemorySegment addr, String what) throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CALL_STATE);
            if (syscall(st, Sys.BIND, fd, addr.address(), addr.byteSize()) != 0) throw new ErrnoException("bind(" + what + ")", errno(st));
        }
    }

    public static void listen(int fd, int backlog) throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CALL_STATE);
            if (syscall(st, Sys.LISTEN, fd, backlog, 0) != 0) throw new ErrnoException("listen", errno(st));
        }
    }

    /** setsockopt(fd, level, name, &int, 4). */
    public static void setsockoptInt(int fd, int level, int name, int value) throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CALL_STATE);
            MemorySegment v = a.allocateFrom(java.lang.foreign.ValueLayout.JAVA_INT, value);
            if (syscall(st, Sys.SETSOCKOPT, fd, level, name, v.address(), 4, 0) != 0) {
                throw new ErrnoException("setsockopt(" + level + ", " + name + ")", errno(st));
            }
        }
    }

    // ---- replacing the process image (kleinhirn listen) ----

    private static final int F_DUPFD_CLOEXEC = 1030;
    private static final long CLOSE_RANGE_CLOEXEC = 4;

    /** fcntl(fd, F_DUPFD_CLOEXEC, min): a close-on-exec copy at the lowest free fd >= min. */
    public static int dupAtLeast(int fd, int min) throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CALL_STATE);
            long r = syscall(st, Sys.FCNTL, fd, F_DUPFD_CLOEXEC, min);
            if (r < 0) throw new ErrnoException("fcntl(" + fd + ", F_DUPFD_CLOEXEC)", errno(st));
            return (int) r;
        }
    }

    /** dup3(from, to, 0): {@code to} now names {@code from}'s socket, inherited across exec. */
    public static void dupTo(int from, int to, MemorySegment callState) throws ErrnoException {
        if (syscall(callState, Sys.DUP3, from, to, 0) < 0) throw new ErrnoException("dup3(" + from + ", " + to + ")", errno(callState));
    }

    /** close_range(from, ~0, CLOSE_RANGE_CLOEXEC): marks every fd >= from close-on-exec (Linux >= 5.11). */
    public static void cloexecFrom(int from) throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CALL_STATE);
            if (syscall(st, Sys.CLOSE_RANGE, from, 0xFFFF_FFFFL, CLOSE_RANGE_CLOEXEC) != 0) {
                throw new ErrnoException("close_range(" + from + ", CLOEXEC)", errno(st));
            }
        }
    }

    /**
     * rt_sigprocmask(SIG_SETMASK, empty): unblocks every signal for the calling thread. A program
     * exec'ed from a JVM thread would otherwise inherit its mask (SIGQUIT is blocked there).
     */
    public static void unblockAllSignals(MemorySegment emptySet, MemorySegment callState) throws ErrnoException {
        if (syscall(callState, Sys.RT_SIGPROCMASK, 2 /* SIG_SETMASK */, emptySet.address(), 0, 8, 0, 0) != 0) {
            throw new ErrnoException("rt_sigprocmask", errno(callState));
        }
    }

    /** execve(2) with caller-built NUL-terminated arrays; returns only by throwing. */
    public static void execve(MemorySegment path, MemorySegment argv, MemorySegment envp, MemorySegment callState)
            throws ErrnoException {
        syscall(callState, Sys.EXECVE, path.address(), argv.address(), envp.address());
        throw new ErrnoException("execve", errno(callState));
    }

    // ---- plumbing ----

    static int errno(MemorySegment callState) {
        return (int) ERRNO.get(callState, 0L);
    }

    public static MemorySegment allocateCallState(Arena a) {
        return a.allocate(CALL_STATE);
    }

    static MethodHandle downcall(String name, FunctionDescriptor fd, Linker.Option... extra) {
        var options = new Linker.Option[extra.length + 1];
        options[0] = Linker.Option.captureCallState("errno");
        System.arraycopy(extra, 0, options, 1, extra.length);
        MemorySegment sym = LINKER.defaultLookup().find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name + " (glibc >= 2.34 needed)"));
        return LINKER.downcallHandle(sym, fd, options);
    }

    static Error linkage(Throwable t) {
        if (t instanceof Error e) return e;
        if (t instanceof RuntimeException r) throw r;
        return new AssertionError("downcall failed unexpectedly", t);
    }
}
