package kleinhirn.runtime.harpoon;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import kleinhirn.core.ExitStatus;
import kleinhirn.core.Sig;
import kleinhirn.core.harpoon.HostProcesses;

/**
 * {@link HostProcesses} without processes: each spawn gets the next pid and an exit that the test
 * completes (or that a SIGKILL to its group completes, as the kernel would). Records every spawn,
 * signal and where held stderr went.
 */
final class FakeProcesses implements HostProcesses {
    final List<List<String>> spawned = new ArrayList<>();
    final List<String> signals = new ArrayList<>();
    final List<String> held = new ArrayList<>();
    final Map<Integer, CompletableFuture<ExitStatus>> exits = new HashMap<>();
    /** What a spawned call does on its own: exits with this at once, or hangs when null. */
    volatile ExitStatus answer = new ExitStatus.Exited(0);
    private int next = 1000;

    @Override
    public synchronized int spawnGroup(List<String> argv) throws IOException {
        int pid = ++next;
        spawned.add(argv);
        CompletableFuture<ExitStatus> f = new CompletableFuture<>();
        exits.put(pid, f);
        if (answer != null) f.complete(answer);
        return pid;
    }

    @Override
    public Spawned spawnGroupHoldingStderr(List<String> argv) throws IOException {
        int pid = spawnGroup(argv);
        return new Spawned(pid, new HeldOutput() {
            @Override public void toStdout() { synchronized (FakeProcesses.this) { held.add(pid + "->stdout"); } }

            @Override public void toStderr() { synchronized (FakeProcesses.this) { held.add(pid + "->stderr"); } }
        });
    }

    @Override
    public synchronized CompletableFuture<ExitStatus> exitOf(int pid) {
        return exits.computeIfAbsent(pid, p -> new CompletableFuture<>());
    }

    @Override
    public synchronized boolean signal(int pid, int sig) {
        signals.add(pid + " " + Sig.name(sig));
        return true;
    }

    @Override
    public boolean signalGroup(int pgid, int sig) {
        CompletableFuture<ExitStatus> f;
        synchronized (this) {
            signals.add("-" + pgid + " " + Sig.name(sig));
            f = exits.get(pgid);
        }
        if (sig == Sig.KILL && f != null) f.complete(new ExitStatus.Signaled(Sig.KILL, false));
        return f != null;
    }

    synchronized List<String> signals() { return List.copyOf(signals); }

    synchronized List<String> held() { return List.copyOf(held); }
}
