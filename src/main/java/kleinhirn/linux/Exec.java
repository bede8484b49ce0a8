package kleinhirn.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import kleinhirn.core.port.ErrnoException;

/**
 * Replaces this process with another program, keeping the pid (what LISTEN_PID names), with
 * the given sockets at fds 3, 4, ..., every other fd of ours closed on exec, and no signal
 * blocked (the mask survives execve; signal handlers do not).
 */
public final class Exec {
    private Exec() {}

    /**
     * Never returns normally. Before the first fd is moved everything is prepared (argv, envp,
     * copies of the sockets above the target range), so a failure up to there leaves this
     * process intact. Moving the sockets to 3.. replaces whatever the JVM had open there (its
     * jar, for instance): from then on only already-loaded code runs until execve, and if execve
     * fails the caller must print and halt, nothing more.
     */
    public static ErrnoException replaceWith(String path, List<String> argv, List<String> env, List<Integer> fds) {
        Arena arena = Arena.global();   // the memory must outlive us until execve; it dies with the image
        MemorySegment cpath = arena.allocateFrom(path);
        MemorySegment cargv = strings(arena, argv), cenv = strings(arena, env);
        MemorySegment st = Libc.allocateCallState(arena);
        MemorySegment noSignals = arena.allocate(8);   // a zeroed kernel sigset_t
        int n = fds.size();
        int[] high = new int[n];
        int made = 0;
        try {
            for (; made < n; made++) high[made] = Libc.dupAtLeast(fds.get(made), 3 + n);
            try {
                Libc.cloexecFrom(3 + n);
            } catch (ErrnoException e) {
                // Kernels before 5.11 lack close_range: the JVM's own fds without O_CLOEXEC then
                // leak into the program (harmless, but untidy). The copies above are CLOEXEC anyway.
            }
        } catch (ErrnoException e) {
            for (int i = 0; i < made; i++) Libc.closeQuietly(high[i]);
            return e;
        }
        try {
            for (int i = 0; i < n; i++) Libc.dupTo(high[i], 3 + i, st);
            Libc.unblockAllSignals(noSignals, st);
            Libc.execve(cpath, cargv, cenv, st);
            throw new AssertionError("execve returned");
        } catch (ErrnoException e) {
            return e;
        }
    }

    private static MemorySegment strings(Arena arena, List<String> values) {
        MemorySegment array = arena.allocate(ADDRESS, values.size() + 1L);
        for (int i = 0; i < values.size(); i++) array.setAtIndex(ADDRESS, i, arena.allocateFrom(values.get(i)));
        array.setAtIndex(ADDRESS, values.size(), MemorySegment.NULL);
        return array;
    }
}
