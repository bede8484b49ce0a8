package kleinhirn.core.port;

/** A libc call failed; {@code errno} is the value captured right after the call. */
public final class ErrnoException extends Exception {
    private final String call;
    private final int errno;

    public ErrnoException(String call, int errno) {
        super(call + ": " + Errno.describe(errno));
        this.call = call;
        this.errno = errno;
    }

    public String call() { return call; }

    public int errno() { return errno; }
}
