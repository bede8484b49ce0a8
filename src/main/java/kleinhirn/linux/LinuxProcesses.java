package kleinhirn.linux;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import kleinhirn.core.ExitStatus;
import kleinhirn.core.harpoon.HostProcesses;
import kleinhirn.core.port.ErrnoException;
import kleinhirn.core.port.Pipes;
import kleinhirn.core.port.Processes;
import kleinhirn.core.port.SpawnSpec;
import kleinhirn.core.port.Spawner;

/**
 * {@link HostProcesses} on the real kernel: posix_spawn, our reaper's {@link ExitTable}, kill(2).
 * Children get our environment. The OCI runtime's own output goes to our stderr; the container's
 * stdio, which it inherits from the runtime's {@code create}, goes to our stdout.
 */
public final class LinuxProcesses implements HostProcesses {
    private final Spawner spawner;
    private final ExitTable exits;
    private final Processes kernel = new KernelProcesses();
    private final Pipes pipes = new KernelPipes();

    public LinuxProcesses(Spawner spawner, ExitTable exits) {
        this.spawner = spawner;
        this.exits = exits;
    }

    @Override
    public int spawnGroup(List<String> argv) throws IOException {
        try {
            return spawner.spawn(new SpawnSpec(argv, environment(), null, List.of(), true, 2, 2));
        } catch (ErrnoException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    @Override
    public Spawned spawnGroupHoldingStderr(List<String> argv) throws IOException {
        HeldPipe pipe;
        try {
            pipe = HeldPipe.open(pipes);
        } catch (ErrnoException e) {
            throw new IOException(e.getMessage(), e);
        }
        try {
            int pid = spawner.spawn(new SpawnSpec(argv, environment(), null, List.of(), true, 1, pipe.writeEnd()));
            return new Spawned(pid, pipe);
        } catch (ErrnoException e) {
            pipe.toStderr(); // drains to EOF at once and closes the read end
            throw new IOException(e.getMessage(), e);
        } finally {
            pipe.closeWriteEnd();
        }
    }

    @Override
    public CompletableFuture<ExitStatus> exitOf(int pid) { return exits.watch(pid); }

    @Override
    public boolean signal(int pid, int sig) { return kill(pid, sig); }

    @Override
    public boolean signalGroup(int pgid, int sig) { return kill(-pgid, sig); }

    private boolean kill(int target, int sig) {
        try {
            return kernel.kill(target, sig);
        } catch (ErrnoException e) {
            // EPERM/EINVAL cannot happen for our own children and valid numbers: a broken invariant
            throw new IllegalStateException(e);
        }
    }

    private static List<String> environment() {
        List<String> env = new ArrayList<>();
        for (Map.Entry<String, String> e : System.getenv().entrySet()) env.add(e.getKey() + "=" + e.getValue());
        return env;
    }
}
