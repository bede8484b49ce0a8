package kleinhirn.core.port;

/**
 * The receiving end of sd_notify: one datagram at a time, with the sender's pid as the kernel
 * stamped it (never from the payload). Read by exactly one thread.
 */
public interface NotifyInbox extends AutoCloseable {
    /** Largest datagram accepted; longer ones arrive truncated and are reported as such. */
    int MAX_DATAGRAM = 4096;

    /**
     * One datagram: {@code length} bytes were copied into the caller's buffer; {@code pid} is the
     * sender's (0 if the kernel attached no credentials); {@code truncated} if it did not fit;
     * {@code fds} how many attached descriptors were closed.
     */
    record Datagram(int length, int pid, int uid, boolean truncated, int fds) {}

    /** The value a sender puts in NOTIFY_SOCKET to reach us. */
    String address();

    /** Blocks for the next datagram; null once the inbox is closed. */
    Datagram receive(byte[] into) throws ErrnoException;

    /** Whether the last datagram carried more fds than there was room for (the kernel dropped them). */
    boolean controlTruncated();

    @Override
    void close();
}
