package kleinhirn.core.port;

/** The errno values we handle by name, and readable text for the rest. */
public final class Errno {
    public static final int EPERM = 1, ENOENT = 2, ESRCH = 3, EINTR = 4, EBADF = 9, ECHILD = 10,
            EAGAIN = 11, EACCES = 13, ENOTDIR = 20, EINVAL = 22, EMFILE = 24, ENOEXEC = 8,
            ECONNREFUSED = 111;

    private Errno() {}

    public static String describe(int errno) {
        String name = switch (errno) {
            case EPERM -> "EPERM (operation not permitted)";
            case ENOENT -> "ENOENT (no such file or directory)";
            case ESRCH -> "ESRCH (no such process)";
            case EINTR -> "EINTR (interrupted)";
            case ENOEXEC -> "ENOEXEC (exec format error)";
            case EBADF -> "EBADF (bad file descriptor)";
            case ECHILD -> "ECHILD (no child processes)";
            case EAGAIN -> "EAGAIN (resource temporarily unavailable)";
            case EACCES -> "EACCES (permission denied)";
            case ENOTDIR -> "ENOTDIR (not a directory)";
            case EINVAL -> "EINVAL (invalid argument)";
            case EMFILE -> "EMFILE (too many open files)";
            case ECONNREFUSED -> "ECONNREFUSED (connection refused)";
            default -> "errno " + errno;
        };
        return name;
    }
}
