package kleinhirn.core;

/** How a child ended, decoded once at the edge from the raw wait status. */
public sealed interface ExitStatus {
    record Exited(int code) implements ExitStatus {}

    record Signaled(int signal, boolean coreDumped) implements ExitStatus {}

    /** The shell convention that tini and s6 also follow: 128 + signal number. */
    default int shellCode() {
        return switch (this) {
            case Exited(int code) -> code;
            case Signaled(int signal, boolean ignored) -> 128 + signal;
        };
    }

    /** For logs and reasons: "exit 3", "signal TERM". The one text for an exit; wire formats have their own. */
    default String describe() {
        return switch (this) {
            case Exited(int code) -> "exit " + code;
            case Signaled(int signal, boolean ignored) -> "signal " + Sig.name(signal);
        };
    }

    /** Decodes a Linux wait status (as filled in by waitpid). Stop/continue statuses never reach us. */
    static ExitStatus fromWaitStatus(int raw) {
        int sig = raw & 0x7f;
        if (sig == 0) return new Exited((raw >> 8) & 0xff);
        return new Signaled(sig, (raw & 0x80) != 0);
    }
}
