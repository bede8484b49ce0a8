package kleinhirn.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
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
    public static final int AF_UNIX = 1, SOCK_STREAM = 1, SOCK_DGRAM = 2, SOCK_CLOEXEC = 0x80000;

    private Libc() {}

    // ---- process basics ----

    private static final class Proc {
        static final MethodHandle GETPID = downcall("getpid", FunctionDescriptor.of(JAVA_INT));
        static final MethodHandle KILL = downcall("kill", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
        static final MethodHandle PRCTL = downcall("prctl",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG),
                Linker.Option.firstVariadicArg(1));
        static final MethodHandle WAITPID = downcall("waitpid",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    }

    public static int getpid() {
        try (Arena a = Arena.ofConfined()) {
            return (int) Proc.GETPID.invokeExact(a.allocate(CALL_STATE));
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    /** Sends a signal; pid may be negative for a process group. Returns false if nothing is there (ESRCH). */
    public static boolean kill(int pid, int signal) throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CALL_STATE);
            int rc = (int) Proc.KILL.invokeExact(st, pid, signal);
            if (rc == 0) return true;
            int errno = errno(st);
            if (errno == Errno.ESRCH) return false;
            throw new ErrnoException("kill(" + pid + ", " + signal + ")", errno);
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    public static void setChildSubreaper() throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CALL_STATE);
            int rc = (int) Proc.PRCTL.invokeExact(st, PR_SET_CHILD_SUBREAPER, 1L, 0L, 0L, 0L);
            if (rc != 0) throw new ErrnoException("prctl(PR_SET_CHILD_SUBREAPER)", errno(st));
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    /**
     * Blocking waitpid(-1, &status, 0). Returns the pid and stores the raw status in
     * {@code status[0]}; throws with ECHILD when there is no child left, EINTR when interrupted.
     */
    public static int waitAny(MemorySegment statusOut, MemorySegment callState) throws ErrnoException {
        try {
            int pid = (int) Proc.WAITPID.invokeExact(callState, -1, statusOut, 0);
            if (pid < 0) throw new ErrnoException("waitpid", errno(callState));
            return pid;
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    // ---- file descriptors and sockets ----

    private static final class Fd {
        static final MethodHandle CLOSE = downcall("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
        static final MethodHandle SOCKET = downcall("socket",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
        static final MethodHandle CONNECT = downcall("connect",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
        static final MethodHandle WRITE = downcall("write",
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    }

    public static void close(int fd) throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CALL_STATE);
            if ((int) Fd.CLOSE.invokeExact(st, fd) != 0) throw new ErrnoException("close(" + fd + ")", errno(st));
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw linkage(t);
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
            int fd = (int) Fd.SOCKET.invokeExact(st, domain, type, 0);
            if (fd < 0) throw new ErrnoException("socket", errno(st));
            return fd;
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    /** connect() on a unix socket to a filesystem path. */
    public static void connectUnix(int fd, String path) throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CALL_STATE);
            MemorySegment addr = sockaddrUn(a, path);
            int rc = (int) Fd.CONNECT.invokeExact(st, fd, addr, (int) addr.byteSize());
            if (rc != 0) throw new ErrnoException("connect(" + path + ")", errno(st));
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    /** Writes all of {@code bytes} (a blocking fd); used for tiny handshakes only. */
    public static void writeFully(int fd, byte[] bytes) throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CALL_STATE);
            MemorySegment buf = a.allocateFrom(JAVA_BYTE_LAYOUT, bytes);
            long off = 0;
            while (off < bytes.length) {
                long n = (long) Fd.WRITE.invokeExact(st, fd, buf.asSlice(off), (long) bytes.length - off);
                if (n < 0) {
                    int errno = errno(st);
                    if (errno == Errno.EINTR) continue;
                    throw new ErrnoException("write", errno);
                }
                off += n;
            }
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw linkage(t);
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
