package kleinhirn.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
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

    private static final MethodHandle SPAWNP = Libc.downcall("posix_spawnp",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    private static final MethodHandle FA_INIT = Libc.downcall("posix_spawn_file_actions_init",
            FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle FA_DESTROY = Libc.downcall("posix_spawn_file_actions_destroy",
            FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle FA_DUP2 = Libc.downcall("posix_spawn_file_actions_adddup2",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    private static final MethodHandle FA_CLOSEFROM = Libc.downcall("posix_spawn_file_actions_addclosefrom_np",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle FA_CHDIR = Libc.downcall("posix_spawn_file_actions_addchdir_np",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle AT_INIT = FA_INIT_like("posix_spawnattr_init");
    private static final MethodHandle AT_DESTROY = FA_INIT_like("posix_spawnattr_destroy");
    private static final MethodHandle AT_SETFLAGS = Libc.downcall("posix_spawnattr_setflags",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_SHORT));
    private static final MethodHandle AT_SETSIGMASK = Libc.downcall("posix_spawnattr_setsigmask",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle AT_SETSIGDEF = Libc.downcall("posix_spawnattr_setsigdefault",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle AT_SETPGROUP = Libc.downcall("posix_spawnattr_setpgroup",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SIGEMPTYSET = FA_INIT_like("sigemptyset");
    private static final MethodHandle SIGFILLSET = FA_INIT_like("sigfillset");

    private static MethodHandle FA_INIT_like(String name) {
        return Libc.downcall(name, FunctionDescriptor.of(JAVA_INT, ADDRESS));
    }

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
            check("posix_spawn_file_actions_init", (int) FA_INIT.invokeExact(st, fa));
            check("posix_spawnattr_init", (int) AT_INIT.invokeExact(st, attr));
            try {
                fileActions(a, st, fa, spec);
                attributes(a, st, attr, spec.ownProcessGroup());
                MemorySegment pidOut = a.allocate(JAVA_INT);
                int rc = (int) SPAWNP.invokeExact(st, pidOut, a.allocateFrom(spec.argv().getFirst()), fa, attr,
                        strings(a, spec.argv()), strings(a, spec.env()));
                // posix_spawn returns the error number; it does not set errno.
                if (rc != 0) throw new ErrnoException("posix_spawnp(" + spec.argv().getFirst() + ")", rc);
                int pid = pidOut.get(JAVA_INT, 0);
                afterSpawn.run();
                return pid;
            } finally {
                int ignored1 = (int) FA_DESTROY.invokeExact(st, fa);
                int ignored2 = (int) AT_DESTROY.invokeExact(st, attr);
            }
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw Libc.linkage(t);
        }
    }

    private static void fileActions(Arena a, MemorySegment st, MemorySegment fa, SpawnSpec spec) throws Throwable {
        List<Integer> fds = spec.fds();
        if (spec.stdout() != 1) check("adddup2", (int) FA_DUP2.invokeExact(st, fa, spec.stdout(), 1));
        if (spec.stderr() != 2) check("adddup2", (int) FA_DUP2.invokeExact(st, fa, spec.stderr(), 2));
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
            for (int i = 0; i < n; i++) check("adddup2", (int) FA_DUP2.invokeExact(st, fa, (int) fds.get(i), highest + 1 + i));
            for (int i = 0; i < n; i++) check("adddup2", (int) FA_DUP2.invokeExact(st, fa, highest + 1 + i, 3 + i));
        } else {
            for (int i = 0; i < n; i++) check("adddup2", (int) FA_DUP2.invokeExact(st, fa, (int) fds.get(i), 3 + i));
        }
        check("addclosefrom_np", (int) FA_CLOSEFROM.invokeExact(st, fa, 3 + fds.size()));
        if (spec.cwd() != null) {
            check("addchdir_np", (int) FA_CHDIR.invokeExact(st, fa, a.allocateFrom(spec.cwd())));
        }
    }

    private static void attributes(Arena a, MemorySegment st, MemorySegment attr, boolean ownGroup) throws Throwable {
        MemorySegment empty = a.allocate(SIGSET_BYTES, 8);
        MemorySegment all = a.allocate(SIGSET_BYTES, 8);
        check("sigemptyset", (int) SIGEMPTYSET.invokeExact(st, empty));
        check("sigfillset", (int) SIGFILLSET.invokeExact(st, all));
        check("setsigmask", (int) AT_SETSIGMASK.invokeExact(st, attr, empty));
        // glibc skips KILL/STOP and its internal signals itself.
        check("setsigdefault", (int) AT_SETSIGDEF.invokeExact(st, attr, all));
        short flags = (short) (POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
        if (ownGroup) {
            flags |= POSIX_SPAWN_SETPGROUP;
            check("setpgroup", (int) AT_SETPGROUP.invokeExact(st, attr, 0));
        }
        check("setflags", (int) AT_SETFLAGS.invokeExact(st, attr, flags));
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
