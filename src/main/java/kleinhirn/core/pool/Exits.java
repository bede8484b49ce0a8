package kleinhirn.core.pool;

import kleinhirn.core.ExitStatus;
import kleinhirn.core.Sig;

/** How an exit status appears in the pool's log lines. */
final class Exits {
    private Exits() {}

    /** The field name: exit_code or signal. */
    static String key(ExitStatus s) {
        return s instanceof ExitStatus.Exited ? "exit_code" : "signal";
    }

    static Object value(ExitStatus s) {
        return switch (s) {
            case ExitStatus.Exited(int code) -> code;
            case ExitStatus.Signaled(int sig, boolean core) -> Sig.name(sig);
        };
    }
}
