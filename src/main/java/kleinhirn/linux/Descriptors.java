package kleinhirn.linux;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * This process's file descriptors against its soft RLIMIT_NOFILE. Every acked worker holds one
 * descriptor of ours (its ack socket) for life, so a large pool under a low limit would take the
 * last descriptor and leave the health server, the control socket and our own /proc reads
 * unable to accept or open anything: alive but deaf. A spawn therefore goes ahead only while
 * {@code reserve} descriptors stay free after it.
 */
public final class Descriptors {
    private static final int RLIMIT_NOFILE = 7;

    private Descriptors() {}

    /**
     * Why a spawn that needs {@code needed} descriptors must not happen now, or empty. Counting
     * reads /proc/self/fd (tens of microseconds for a few hundred fds); when even that cannot
     * open a descriptor, the answer is a shortage too.
     */
    public static Optional<String> shortage(int needed, int reserve) {
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
