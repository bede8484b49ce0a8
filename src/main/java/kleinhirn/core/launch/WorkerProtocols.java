package kleinhirn.core.launch;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What every worker gets for the readiness and socket protocols besides the status fd: the
 * NOTIFY_SOCKET / WATCHDOG_USEC / EINHORN_* variables, and the listen sockets we inherited
 * (LISTEN_FDS=n with LISTEN_PID = our pid: fds 3..3+n-1). Those go to each worker at the same
 * numbers, the status fd right after them; LISTEN_PID must be the worker's own pid, which does
 * not exist before posix_spawn, so the command runs through a shell trampoline that sets it and
 * execs, keeping the pid.
 */
public record WorkerProtocols(Map<String, String> env, int listenFds) {
    public static final List<String> TRAMPOLINE = List.of("/bin/sh", "-c", "LISTEN_PID=$$; export LISTEN_PID; exec \"$0\" \"$@\"");

    public static final WorkerProtocols NONE = new WorkerProtocols(Map.of(), 0);

    public WorkerProtocols {
        env = Map.copyOf(env);
    }

    /**
     * The listen sockets passed to us, or 0: LISTEN_FDS is honoured only when LISTEN_PID names
     * us (otherwise it was meant for another process and leaked into our environment).
     */
    public static int inheritedListenFds(Map<String, String> ours, int self) {
        String n = ours.get("LISTEN_FDS"), pid = ours.get("LISTEN_PID");
        if (n == null || pid == null || !n.matches("[0-9]{1,4}") || !pid.equals(Integer.toString(self))) return 0;
        return Integer.parseInt(n);
    }

    /** The variables for a supervisor with these channels; any argument may be null. */
    public static WorkerProtocols of(Map<String, String> ours, int self, String notifySocket, java.time.Duration watchdog,
                              String einhornPath) {
        Map<String, String> env = new LinkedHashMap<>();
        if (notifySocket != null) env.put("NOTIFY_SOCKET", notifySocket);
        if (notifySocket != null && watchdog != null) env.put("WATCHDOG_USEC", Long.toString(watchdog.toNanos() / 1000));
        if (einhornPath != null) {
            env.put("EINHORN_SOCK_PATH", einhornPath);
            env.put("EINHORN_MASTER_PID", Integer.toString(self));
        }
        int n = inheritedListenFds(ours, self);
        if (n > 0) {
            env.put("LISTEN_FDS", Integer.toString(n));
            String names = ours.get("LISTEN_FDNAMES");
            if (names != null) env.put("LISTEN_FDNAMES", names);
        }
        return new WorkerProtocols(env, n);
    }

    /** The worker's fds from 3 on: the listen sockets, then the status fd (if any, else -1). */
    public List<Integer> fds(int statusFd) {
        List<Integer> fds = new ArrayList<>();
        for (int i = 0; i < listenFds; i++) fds.add(3 + i);
        if (statusFd >= 0) fds.add(statusFd);
        return fds;
    }

    public int statusFdNumber() {
        return 3 + listenFds;
    }

    public List<String> argv(List<String> cmdline) {
        if (listenFds == 0) return cmdline;
        List<String> argv = new ArrayList<>(TRAMPOLINE);
        argv.addAll(cmdline);
        return argv;
    }
}
