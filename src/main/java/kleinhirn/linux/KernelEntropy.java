package kleinhirn.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import kleinhirn.core.port.Entropy;
import kleinhirn.core.port.Errno;

/** getrandom(2) through the one syscall handle (flags 0: blocks only until the pool is seeded, once per boot). */
public final class KernelEntropy implements Entropy {
    public static final KernelEntropy INSTANCE = new KernelEntropy();

    private KernelEntropy() {}

    @Override
    public byte[] bytes(int n) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(Libc.CALL_STATE);
            MemorySegment buf = a.allocate(Math.max(1, n));
            int got = 0;
            while (got < n) {
                long r = Libc.syscall(st, Sys.GETRANDOM, buf.address() + got, n - got, 0);
                if (r > 0) got += (int) r;
                else if (r < 0 && Libc.errno(st) != Errno.EINTR) {
                    throw new IllegalStateException("getrandom failed: errno " + Libc.errno(st));
                }
            }
            return buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
        }
    }
}
