package kleinhirn.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.List;
import kleinhirn.core.port.ErrnoException;
import kleinhirn.core.port.SpawnSpec;
import kleinhirn.core.port.Spawner;

/**
 * posix_spawnp, as the JDK itself spawns (glibc clone(CLONE_VM|CLONE_VFORK) + exec), with:
 * an empty signal mask and default dispositions for every signal (the JVM's mask and any
 * inherited SIG_IGN must not reach workers), an optional own process group, the requested fds
 * dup2'ed into place (staged above every fd involved only when a source sits on another's target), and
 * closefrom_np for everything above: JDK NIO descriptors are not close-on-exec.
 * Requires glibc >= 2.34.
 */
public final class PosixSpawner implements Spawner {
    private static final short POSIX_SPAWN_SETPGROUP = 0x02, POSIX_SPAWN_SETSIGDEF = 0x04,
            POSIX_SPAWN_SETSIGMASK = 0x08;
    private static final int SIGSET_BYTES = 128, FILE_ACTIONS_BYTES = 256, ATTR_BYTES = 512;

    // One linked shape for all of them (see Libc.syscallShaped): pointers go as addresses.
    private static final MethodHandle SPAWNP = Libc.syscallShaped("posix_spawnp");
    private static final MethodHandle FA_INIT = Libc.syscallShaped("posix_spawn_file_actions_init");
    private static final MethodHandle FA_DESTROY = Libc.syscallShaped("posix_spawn_file_actions_destroy");
    private static final MethodHandle FA_DUP2 = Libc.syscallShaped("posix_spawn_file_actions_adddup2");
    private static final MethodHandle FA_CLOSEFROM = Libc.syscallShaped("posix_spawn_file_actions_addclosefrom_np");
    private static final MethodHandle FA_CHDIR = Libc.syscallShaped("posix_spawn_file_actions_addchdir_np");
    private static final MethodHandle AT_INIT = Libc.syscallShaped("posix_spawnattr_init");
    private static final MethodHandle AT_DESTROY = Libc.syscallShaped("posix_spawnattr_destroy");
    private static final MethodHandle AT_SETFLAGS = Libc.syscallShaped("posix_spawnattr_setflags");
    private static final MethodHandle AT_SETSIGMASK = Libc.syscallShaped("posix_spawnattr_setsigmask");
    private static final MethodHandle AT_SETSIGDEF = Libc.syscallShaped("posix_spawnattr_setsigdefault");
    private static final MethodHandle AT_SETPGROUP = Libc.syscallShaped("posix_spawnattr_setpgroup");
    private static final MethodHandle SIGEMPTYSET = Libc.syscallShaped("sigemptyset");
    private static final MethodHandle SIGFILLSET = Libc.syscallShaped("sigfillset");

    private final Runnable afterSpawn;

    /** {@code afterSpawn} runs after every successful spawn (the reaper's wake-up). */
    public PosixSpawner(Runnable afterSpawn) {
        this.afterSpawn = afterSpawn;
    }

    @Override
    public int spawn(SpawnSpec spec) throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = Libc.allocateCallState(a);
            MemorySegment fa = a.allocate(FILE_ACTIONS_BYTES, 16);
            MemorySegment attr = a.allocate(ATTR_BYTES, 16);
            check("posix_spawn_file_actions_init", Libc.call(FA_INIT, st, fa.address(), 0, 0));
            check("posix_spawnattr_init", Libc.call(AT_INIT, st, attr.address(), 0, 0));
            try {
                fileActions(a, st, fa, spec);
                attributes(a, st, attr, spec.ownProcessGroup());
                MemorySegment pidOut = a.allocate(JAVA_INT);
                int rc = (int) (long) SPAWNP.invokeExact(st, pidOut.address(),
                        a.allocateFrom(spec.argv().getFirst()).address(), fa.address(), attr.address(),
                        strings(a, spec.argv()).address(), strings(a, spec.env()).address(), 0L);
                // posix_spawn returns the error number; it does not set errno.
                if (rc != 0) throw new ErrnoException("posix_spawnp(" + spec.argv().getFirst() + ")", rc);
                int pid = pidOut.get(JAVA_INT, 0);
                afterSpawn.run();
                return pid;
            } finally {
                Libc.call(FA_DESTROY, st, fa.address(), 0, 0);
                Libc.call(AT_DESTROY, st, attr.address(), 0, 0);
            }
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw Libc.linkage(t);
        }
    }

    private static void fileActions(Arena a, MemorySegment st, MemorySegment fa, SpawnSpec spec) throws Throwable {
        List<Integer> fds = spec.fds();
        if (spec.stdout() != 1) check("adddup2", Libc.call(FA_DUP2, st, fa.address(), spec.stdout(), 1));
        if (spec.stderr() != 2) check("adddup2", Libc.call(FA_DUP2, st, fa.address(), spec.stderr(), 2));
        int n = fds.size();
        // A source sitting on another entry's target would be overwritten before it is copied
        // (fds [4, 3] -> 3, 4). Only then stage everything above every fd involved; otherwise
        // map directly (a source already on its own target just loses close-on-exec).
        boolean clash = false;
        int highest = Math.max(2 + n, Math.max(spec.stdout(), spec.stderr()));
        for (int i = 0; i < n; i++) {
            int src = fds.get(i);
            highest = Math.max(highest, src);
            if (src >= 3 && src < 3 + n && src != 3 + i) clash = true;
        }
        if (clash) {
            for (int i = 0; i < n; i++) check("adddup2", Libc.call(FA_DUP2, st, fa.address(), (int) fds.get(i), highest + 1 + i));
            for (int i = 0; i < n; i++) check("adddup2", Libc.call(FA_DUP2, st, fa.address(), highest + 1 + i, 3 + i));
        } else {
            for (int i = 0; i < n; i++) check("adddup2", Libc.call(FA_DUP2, st, fa.address(), (int) fds.get(i), 3 + i));
        }
        check("addclosefrom_np", Libc.call(FA_CLOSEFROM, st, fa.address(), 3 + fds.size(), 0));
        if (spec.cwd() != null) {
            check("addchdir_np", Libc.call(FA_CHDIR, st, fa.address(), a.allocateFrom(spec.cwd()).address(), 0));
        }
    }

    private static void attributes(Arena a, MemorySegment st, MemorySegment attr, boolean ownGroup) throws Throwable {
        MemorySegment empty = a.allocate(SIGSET_BYTES, 8);
        MemorySegment all = a.allocate(SIGSET_BYTES, 8);
        check("sigemptyset", Libc.call(SIGEMPTYSET, st, empty.address(), 0, 0));
        check("sigfillset", Libc.call(SIGFILLSET, st, all.address(), 0, 0));
        check("setsigmask", Libc.call(AT_SETSIGMASK, st, attr.address(), empty.address(), 0));
        // glibc skips KILL/STOP and its internal signals itself.
        check("setsigdefault", Libc.call(AT_SETSIGDEF, st, attr.address(), all.address(), 0));
        short flags = (short) (POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
        if (ownGroup) {
            flags |= POSIX_SPAWN_SETPGROUP;
            check("setpgroup", Libc.call(AT_SETPGROUP, st, attr.address(), 0, 0));
        }
        check("setflags", Libc.call(AT_SETFLAGS, st, attr.address(), flags, 0));
    }

    /** NULL-terminated char*[] in the arena. */
    private static MemorySegment strings(Arena a, List<String> items) {
        MemorySegment arr = a.allocate(ADDRESS, items.size() + 1L);
        for (int i = 0; i < items.size(); i++) arr.setAtIndex(ADDRESS, i, a.allocateFrom(items.get(i)));
        arr.setAtIndex(ADDRESS, items.size(), MemorySegment.NULL);
        return arr;
    }

    private static void check(String call, int rc) throws ErrnoException {
        // The posix_spawn_* setters return the error number directly.
        if (rc != 0) throw new ErrnoException(call, rc);
    }
}
