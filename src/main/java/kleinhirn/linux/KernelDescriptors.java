package kleinhirn.linux;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import kleinhirn.core.port.Descriptors;

/** /proc/self/fd and prlimit64: the kernel side of {@link Descriptors}. */
public final class KernelDescriptors implements Descriptors {
    private static final int RLIMIT_NOFILE = 7;

    /**
     * Counting reads /proc/self/fd (tens of microseconds for a few hundred fds); when even that
     * cannot open a descriptor, the answer is a shortage too.
     */
    @Override
    public Optional<String> shortage(int needed, int reserve) {
        long limit = softLimit();
        int open;
        try {
            open = open();
        } catch (IOException e) {
            return Optional.of("too few file descriptors: cannot even list /proc/self/fd (" + e.getMessage() + ")");
        }
        if (limit - open - needed >= reserve) return Optional.empty();
        return Optional.of("too few file descriptors: " + open + " of " + limit + " (RLIMIT_NOFILE) open, "
                + reserve + " kept free for health checks and the control socket");
    }

    /** Descriptors open now, not counting the one used to list them. */
    public static int open() throws IOException {
        int n = 0;
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path ignored : fds) n++;
        }
        return n - 1;
    }

    /** The soft limit; a limit too large for a long (RLIM_INFINITY) reads as Long.MAX_VALUE. */
    public static long softLimit() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = Libc.allocateCallState(a);
            MemorySegment limits = a.allocate(ValueLayout.JAVA_LONG, 2); // struct rlimit64 {cur, max}
            if (Libc.syscall(st, Sys.PRLIMIT64, 0, RLIMIT_NOFILE, 0, limits.address(), 0, 0) != 0) {
                // Cannot happen for our own pid and a valid resource; never block spawns on it.
                return Long.MAX_VALUE;
            }
            long cur = limits.getAtIndex(ValueLayout.JAVA_LONG, 0);
            return cur < 0 ? Long.MAX_VALUE : cur;
        }
    }
}
