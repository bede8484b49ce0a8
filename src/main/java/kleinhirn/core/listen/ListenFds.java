package kleinhirn.core.listen;

import java.util.Map;

/**
 * The sd_listen_fds(3) contract as seen by the process that was started: LISTEN_FDS=n sockets
 * at fds 3..3+n-1, meant for us only when LISTEN_PID is our own pid. A wrapper that forks
 * between the binder and us (unshare --fork, sudo, a shell without exec) leaves a LISTEN_PID
 * that names another process; the sockets are then ignored, and said so.
 */
public sealed interface ListenFds {
    /** No LISTEN_FDS at all. */
    record Absent() implements ListenFds {}

    /** Ours: {@code count} sockets from fd 3; {@code names} is LISTEN_FDNAMES as given (may be null). */
    record Passed(int count, String names) implements ListenFds {}

    /** LISTEN_FDS was set but is not for us; {@code reason} says exactly why. */
    record Ignored(String reason) implements ListenFds {}

    /** At most this many: fds above are the supervisor's own. */
    int MAX = 1000;

    static ListenFds of(Map<String, String> env, int self) {
        String n = env.get("LISTEN_FDS"), pid = env.get("LISTEN_PID");
        if (n == null) return new Absent();
        if (!n.matches("[0-9]{1,4}") || Integer.parseInt(n) > MAX) {
            return new Ignored("LISTEN_FDS=" + n + " is not a number of sockets (0-" + MAX + ")");
        }
        if (pid == null) {
            return new Ignored("LISTEN_FDS=" + n + " comes without LISTEN_PID, so it cannot be meant for us (pid " + self + ")");
        }
        if (!pid.equals(Integer.toString(self))) {
            return new Ignored("LISTEN_FDS=" + n + " is for LISTEN_PID=" + pid + ", not for us (pid " + self
                    + "): a wrapper such as unshare --fork, sudo or a shell without exec forked between the"
                    + " socket binder and kleinhirn; exec kleinhirn directly so it keeps the binder's pid");
        }
        int count = Integer.parseInt(n);
        return count == 0 ? new Absent() : new Passed(count, env.get("LISTEN_FDNAMES"));
    }
}
