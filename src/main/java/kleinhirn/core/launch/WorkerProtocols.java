package kleinhirn.core.launch;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import kleinhirn.core.listen.ListenFds;

/**
 * What every worker gets for the readiness and socket protocols besides the status fd: the
 * NOTIFY_SOCKET / WATCHDOG_USEC / EINHORN_* variables, and the listen sockets passed to us
 * ({@code listenFds}: their fd numbers in this process, 3..3+n-1 when a binder exec'ed us,
 * anywhere when {@code kleinhirn listen} continued in-process). Those go to each worker at fds
 * 3..3+n-1, the status fd right after them; LISTEN_PID must be the worker's own pid, which does
 * not exist before posix_spawn, so the command runs through a shell trampoline that sets it and
 * execs, keeping the pid.
 */
public record WorkerProtocols(Map<String, String> env, List<Integer> listenFds) {
    public static final List<String> TRAMPOLINE = List.of("/bin/sh", "-c", "LISTEN_PID=$$; export LISTEN_PID; exec \"$0\" \"$@\"");

    public static final WorkerProtocols NONE = new WorkerProtocols(Map.of(), List.of());

    public WorkerProtocols {
        env = Map.copyOf(env);
        listenFds = List.copyOf(listenFds);
    }

    /**
     * The variables for a supervisor with these channels; the last three may be null.
     * {@code listenFds} are the sockets' numbers here, one per socket {@code listen} passed.
     */
    public static WorkerProtocols of(ListenFds listen, List<Integer> listenFds, int self, String notifySocket,
                                     java.time.Duration watchdog, String einhornPath) {
        Map<String, String> env = new LinkedHashMap<>();
        if (notifySocket != null) env.put("NOTIFY_SOCKET", notifySocket);
        if (notifySocket != null && watchdog != null) env.put("WATCHDOG_USEC", Long.toString(watchdog.toNanos() / 1000));
        if (einhornPath != null) {
            env.put("EINHORN_SOCK_PATH", einhornPath);
            env.put("EINHORN_MASTER_PID", Integer.toString(self));
        }
        if (listen instanceof ListenFds.Passed(int n, String names)) {
            env.put("LISTEN_FDS", Integer.toString(n));
            if (names != null) env.put("LISTEN_FDNAMES", names);
        }
        return new WorkerProtocols(env, listenFds);
    }

    /** The worker's fds from 3 on: the listen sockets, then the status fd (if any, else -1). */
    public List<Integer> fds(int statusFd) {
        List<Integer> fds = new ArrayList<>(listenFds);
        if (statusFd >= 0) fds.add(statusFd);
        return fds;
    }

    public int statusFdNumber() {
        return 3 + listenFds.size();
    }

    public List<String> argv(List<String> cmdline) {
        if (listenFds.isEmpty()) return cmdline;
        List<String> argv = new ArrayList<>(TRAMPOLINE);
        argv.addAll(cmdline);
        return argv;
    }
}
